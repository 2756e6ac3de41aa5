"""The messages each agent reads: its coordination brief, the question with the current answers, the
reminder after a plain-text reply, and the winner's presentation brief.

The wording is ours; what it asks for follows MassGen: answers appear under anonymous ids, the agent either
votes for the best current answer or posts a better one, and ``voting_sensitivity`` /
``answer_novelty_requirement`` set how demanding that judgement is.
"""

from __future__ import annotations

from ..conversation import Message
from .settings import CoordinationSettings
from .winner import Selection

_EVALUATION = {
    "lenient": (
        "Does the best current answer address the original message well? If it does, vote for it; "
        "otherwise post a better answer."
    ),
    "balanced": (
        "Judge the current answers on alignment with what the user wants, accuracy and completeness. Name at "
        "least one weakness of the best answer before deciding; if you can fix it, or combine answers to fix "
        "it, post a new answer, otherwise vote for it."
    ),
    "strict": (
        "Grade the best current answer on correctness and robustness, completeness, and clarity. Vote only if "
        "it cannot be improved on any of them; if you can do substantively better, post a new answer."
    ),
}

_NOVELTY = {
    "lenient": "",
    "balanced": "A new answer must differ meaningfully from the existing ones: new insight, not rewording.",
    "strict": (
        "A new answer must be substantially different from the existing ones (another approach, other "
        "tools, much more depth). If you cannot offer that, vote instead."
    ),
}

# MassGen's planning mode: what agents read during coordination unless planning_mode_instruction says otherwise.
PLANNING_INSTRUCTION = (
    "PLANNING MODE: this is the coordination phase. Plan, do not act: describe the actions you would take "
    "(tool calls, files, messages, API calls) and why, without carrying them out; your other tools are not "
    "available until then. Weigh the other agents' plans and use `vote` or `new_answer`. The agent chosen to "
    "present the final answer carries out the agreed plan."
)

REMINDER = (
    "You replied without using a workflow tool. Finish by calling `vote` (for the best current answer) or "
    "`new_answer` (with your complete answer) as a tool call."
)
# The tags around the user's question in every coordination message (the mock server reads them back).
ORIGINAL_MESSAGE_TAGS = ("<ORIGINAL MESSAGE>", "<END OF ORIGINAL MESSAGE>")
VOTE_ONLY_REMINDER = "You replied without using a workflow tool. Call the `vote` tool now."


def coordination_system(own: str | None, settings: CoordinationSettings, *, vote_only: bool) -> str:
    if vote_only:
        brief = (
            "You are evaluating the current answers to a message. You have posted as many new answers as you "
            "may; use your other tools if they help you judge, then call the `vote` tool for the best answer."
        )
    else:
        novelty = _NOVELTY[settings.answer_novelty_requirement]
        brief = (
            "You are one of several agents answering the same message; you see the other agents' current "
            "answers under anonymous ids. "
            + _EVALUATION[settings.voting_sensitivity]
            + (" " + novelty if novelty else "")
            + " Always end by calling one of the tools `vote` or `new_answer`; a plain-text reply does not count."
        )
    if settings.planning_mode:
        brief += "\n\n" + (settings.planning_instruction or PLANNING_INSTRUCTION)
    return f"{own}\n\n{brief}" if own else brief


def answers_block(answers: dict[str, str], anon_of: dict[str, str]) -> str:
    if not answers:
        return "<CURRENT ANSWERS>\n(no answers yet)\n<END OF CURRENT ANSWERS>"
    ordered = sorted(answers.items(), key=lambda item: anon_of[item[0]])
    body = "\n".join(f"<{anon_of[a]}> {text} <end of {anon_of[a]}>" for a, text in ordered)
    return f"<CURRENT ANSWERS>\n{body}\n<END OF CURRENT ANSWERS>"


def round_messages(
    question: str,
    answers: dict[str, str],
    anon_of: dict[str, str],
    own_system: str | None,
    settings: CoordinationSettings,
    *,
    vote_only: bool,
    history: list[Message] | None = None,
) -> list[Message]:
    opening, closing = ORIGINAL_MESSAGE_TAGS
    user = f"{opening} {question} {closing}\n\n{answers_block(answers, anon_of)}"
    return [
        Message("system", coordination_system(own_system, settings, vote_only=vote_only)),
        *(history or []),
        Message("user", user),
    ]


def presentation_messages(
    question: str,
    answers: dict[str, str],
    anon_of: dict[str, str],
    winner: Selection,
    reasons: list[str],
    own_system: str | None,
    history: list[Message] | None = None,
) -> list[Message]:
    brief = (
        "You were selected to present the final answer of a coordination between several agents. Present the "
        "best possible answer to the original message, building on your answer and adding what is valuable in "
        "the others. This is the final deliverable: complete and polished, in markdown where it helps."
    )
    summary = f"You received {winner.votes} vote(s)"
    if reasons:
        summary += " with feedback: " + "; ".join(reasons)
    if winner.tie:
        summary += " (a tie, broken by agent order)"
    lines = []
    for agent_id, text in sorted(answers.items(), key=lambda item: anon_of[item[0]]):
        mine = " (YOUR ANSWER)" if agent_id == winner.agent_id else ""
        lines.append(f'{anon_of[agent_id]}{mine}: "{text}"')
    user = (
        f"{ORIGINAL_MESSAGE_TAGS[0]} {question} {ORIGINAL_MESSAGE_TAGS[1]}\n\nVOTING RESULTS:\n{summary}\n\n"
        "All answers from the coordination:\n" + "\n".join(lines) + "\n\nPresent the final answer now."
    )
    system = f"{own_system}\n\n{brief}" if own_system else brief
    return [Message("system", system), *(history or []), Message("user", user)]
