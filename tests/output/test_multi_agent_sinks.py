"""The multi-agent sinks driven directly with events: the final answer always reaches the output in full,
and each question of a chat starts afresh (nothing of the last question's winner carries over)."""

from __future__ import annotations

import io

from rich.console import Console

from massgen.events import Answer, Error, Event, Final, Notice, TextDelta, ToolCall, Vote
from massgen.output.multi_agent import MultiAgentDisplay, PlainMultiAgentSink

AGENTS = ["a", "b"]  # anonymous ids: a=agent1, b=agent2


def coordination(winner: str, content: str) -> list[Event]:
    """Both agents answer, both vote for ``winner``, who is announced."""
    anon = {"a": "agent1", "b": "agent2"}[winner]
    return [
        Answer(f"{content} (from a)", agent="a"),
        Answer(f"{content} (from b)", agent="b"),
        Vote(anon, "clear", agent="a"),
        Vote(anon, "clear", agent="b"),
        Notice(kind="winner", message=f"{anon} ({winner}) presents the final answer: 2 vote(s)", agent=winner),
    ]


def plain() -> tuple[PlainMultiAgentSink, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return PlainMultiAgentSink(AGENTS, out, err), out, err


def feed(sink, events: list[Event]) -> None:
    for event in events:
        sink(event)


# -- --no-display ------------------------------------------------------------------------------------


def test_plain_a_presentation_streams_once():
    sink, out, _ = plain()
    feed(sink, [*coordination("b", "42"), TextDelta("The answer ", agent="b"), TextDelta("is 42.", agent="b"),
                Final("The answer is 42.", agent="b")])
    sink.close()
    assert out.getvalue() == "The answer is 42.\n"


def test_plain_a_presentation_that_used_a_tool_is_not_written_twice():
    # The final answer is the last turn's text; what the presenter wrote before its tool call streamed too.
    sink, out, _ = plain()
    feed(sink, [*coordination("b", "42"), TextDelta("Let me check.", agent="b"),
                ToolCall("c1", "calc", {"x": 1}, agent="b"), TextDelta("It is 42.", agent="b"),
                Final("It is 42.", agent="b")])
    sink.close()
    assert out.getvalue() == "Let me check.It is 42.\n"


def test_plain_a_presentation_cut_short_still_ends_with_the_full_final_answer():
    sink, out, err = plain()
    feed(sink, [
        *coordination("b", "42"),
        TextDelta("The full ans", agent="b"),
        Notice(kind="fallback", message="the presentation failed (boom): presenting agent2's last answer as it "
                                        "stands", agent="b"),
        Final("The full answer is 42.", agent="b"),
    ])
    sink.close()
    # The cut-off line is ended (before the notice, so stderr does not land mid-line in a terminal) and the
    # whole final answer follows on its own line.
    assert out.getvalue() == "The full ans\nThe full answer is 42.\n"
    assert out.getvalue().splitlines()[-1] == "The full answer is 42."
    assert "presentation failed" in err.getvalue()


def test_plain_a_timeout_before_anything_streamed_writes_the_answer():
    sink, out, _ = plain()
    feed(sink, [Answer("Only answer.", agent="a"),
                Notice(kind="timeout", message="orchestrator timeout: presenting agent1's last answer", agent="a"),
                Final("Only answer.", agent="a")])
    sink.close()
    assert out.getvalue() == "Only answer.\n"


def question_two(sink, *, announce: bool) -> None:
    """Question two: the previous winner (a) thinks aloud before voting; b wins and presents."""
    if announce:
        sink.waiting()  # what run_cmd's _ask calls before each question
    feed(sink, [
        TextDelta("[a's round-2 scratch text before calling vote]", agent="a"),
        *coordination("b", "two"),
        TextDelta("Answer two.", agent="b"),
        Final("Answer two.", agent="b"),
    ])


def question_one(sink) -> None:
    feed(sink, [*coordination("a", "one"), TextDelta("Answer one.", agent="a"), Final("Answer one.", agent="a")])


def test_plain_a_second_question_does_not_show_the_last_winner_s_coordination():
    for announce in (True, False):
        sink, out, _ = plain()
        if announce:
            sink.waiting()
        question_one(sink)
        question_two(sink, announce=announce)
        sink.close()
        assert out.getvalue() == "Answer one.\nAnswer two.\n", announce


def test_plain_a_question_that_failed_mid_presentation_does_not_leak_into_the_next():
    sink, out, err = plain()
    sink.waiting()
    feed(sink, [*coordination("a", "one"), TextDelta("Half an ans", agent="a"),
                Error("provider error: gone", agent=None)])
    question_two(sink, announce=True)
    sink.close()
    assert out.getvalue() == "Half an ans\nAnswer two.\n"
    assert "error: provider error: gone" in err.getvalue()


# -- the rich display --------------------------------------------------------------------------------


def display() -> tuple[MultiAgentDisplay, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False, color_system=None)
    return MultiAgentDisplay(AGENTS, console, errors=console), out  # errors (stderr in a run) in the same stream here


def rendered(renderable) -> str:
    out = io.StringIO()
    Console(file=out, width=160, force_terminal=False, color_system=None).print(renderable)
    return out.getvalue()


def test_rich_a_presentation_cut_short_shows_the_full_final_answer():
    shown, out = display()
    feed(shown, [*coordination("b", "42"), TextDelta("The full ans", agent="b"),
                 Notice(kind="fallback", message="the presentation failed (boom): presenting agent2's last answer "
                                                 "as it stands", agent="b"),
                 Final("The full answer is 42.", agent="b")])
    shown.close()
    assert "The full answer is 42." in out.getvalue()


def test_rich_each_question_is_left_on_screen_and_the_next_starts_afresh():
    shown, out = display()
    shown.waiting()
    question_one(shown)
    shown.waiting()
    feed(shown, [TextDelta("[a's round-2 scratch text before calling vote]", agent="a")])
    live = rendered(shown._render())
    # Mid question two: no final panel of question one, no answers or votes of question one in the panels,
    # and a's thinking is its own (a tail in its panel), not a presentation.
    assert "Final answer" not in live and "Answer one." not in live and "one (from a)" not in live
    assert "scratch text" in live and "presenting" not in live
    feed(shown, [*coordination("b", "two"), TextDelta("Answer two.", agent="b"), Final("Answer two.", agent="b")])
    shown.close()
    text = out.getvalue()
    assert text.count("Final answer") == 2
    assert text.index("Answer one.") < text.index("Answer two.")
    assert "scratch text" not in text.split("Final answer")[-1]  # question two's final panel is the answer only


def test_rich_a_question_that_ended_in_an_error_is_shown_before_the_next_starts():
    shown, out = display()
    shown.waiting()
    feed(shown, [Answer("one (from a)", agent="a"), Error("every agent failed", agent=None)])
    shown.waiting()
    assert "every agent failed" in out.getvalue()
    question_two(shown, announce=False)
    shown.close()
    text = out.getvalue()
    assert text.count("every agent failed") == 1 and "Answer two." in text


def test_rich_close_after_nothing_prints_nothing():
    shown, out = display()
    shown.waiting()
    shown.close()
    assert out.getvalue() == ""
