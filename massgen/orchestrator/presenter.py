"""The end of a coordination: the winner streams the final presentation with its own tools, or, when that
cannot happen (timeout, failed winner), its last answer is presented as it stands, with the reason.
"""

from __future__ import annotations

from ..conversation import Message
from ..events import EventSink, Final, Notice
from .participant import Participant
from .prompts import presentation_messages
from .state import Board
from .winner import Selection


async def present(
    winner: Participant,
    question: str,
    board: Board,
    selection: Selection | None,
    sink: EventSink,
) -> str:
    """Streams the winner's presentation; ``selection`` None means no coordination ran (answer directly)."""
    if selection is None:
        own = [Message("system", winner.spec.system_message)] if winner.spec.system_message else []
        history = [*own, *winner.history, Message("user", question)]
    else:
        reasons = [v.reason for v in board.votes().values() if v.for_agent == winner.id and v.reason]
        history = presentation_messages(
            question, board.answers(), board.anon_of, selection, reasons, winner.spec.system_message, winner.history
        )
    try:
        await winner.run_turns(history, [], sink)
    except Exception as exc:  # as in the rounds: a failing backend costs its turn, not the run
        if ends_the_run(exc) or selection is None or board.states[winner.id].answer is None:
            raise
        return present_existing(board, winner.id, sink, f"the presentation failed ({exc})")
    text = history[-1].content if history[-1].role == "assistant" else ""
    if not text.strip() and selection is not None and board.states[winner.id].answer:
        return present_existing(board, winner.id, sink, "the presentation came back empty")
    sink(Final(text, agent=winner.id))
    return text


def ends_the_run(error: BaseException) -> bool:
    """Errors that stop the whole run, wherever they happen: nobody reads the output any more, Ctrl-C, exit."""
    return isinstance(error, BrokenPipeError) or not isinstance(error, Exception)  # OutputClosed is a BrokenPipeError


def present_existing(board: Board, agent_id: str, sink: EventSink, reason: str, *, kind: str = "fallback") -> str:
    answer = board.states[agent_id].answer or ""
    sink(Notice(kind=kind, message=f"{reason}: presenting {board.anon_of[agent_id]}'s last answer as it stands",
                agent=agent_id))
    sink(Final(answer, agent=agent_id))
    return answer
