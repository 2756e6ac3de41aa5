"""MassGen's rules in isolation: anonymous ids, vote invalidation, winner selection, workflow-call checks."""

from __future__ import annotations

import pytest

from massgen.orchestrator.settings import CoordinationSettings
from massgen.orchestrator.state import Board
from massgen.orchestrator.winner import select_after_timeout, select_winner
from massgen.orchestrator.workflow import Accepted, Rejected, RoundView, judge, word_overlap, workflow_tools


def board_with(answers: dict[str, str], votes: dict[str, str] | None = None, order: list[str] | None = None) -> Board:
    board = Board(order or list(answers))
    for agent_id, text in answers.items():
        board.record_answer(agent_id, text)
    for voter, target in (votes or {}).items():
        board.record_vote(voter, target, "r")
    return board


def test_anonymous_ids_follow_sorted_real_ids_not_config_order():
    board = Board(["zeta", "alpha", "mid"])
    assert board.anon_of == {"alpha": "agent1", "mid": "agent2", "zeta": "agent3"}
    assert board.real_of["agent3"] == "zeta"


def test_a_new_answer_clears_every_vote_and_completion_needs_all_live_votes():
    board = board_with({"a": "x", "b": "y"}, {"a": "b"})
    assert not board.is_complete()
    board.record_vote("b", "b", "mine")
    assert board.is_complete()
    board.record_answer("a", "better x")
    assert board.votes() == {} and board.revision == 3 and not board.is_complete()


def test_a_dropped_agent_does_not_block_completion_and_keeps_its_answer():
    board = board_with({"a": "x", "b": "y"}, {"a": "a"})
    board.drop("b", "backend down")
    assert board.is_complete() and board.answers() == {"a": "x", "b": "y"}


def test_most_votes_wins():
    board = board_with({"a": "1", "b": "2", "c": "3"}, {"a": "c", "b": "c", "c": "a"})
    winner = select_winner(board)
    assert (winner.agent_id, winner.votes, winner.tie, winner.basis) == ("c", 2, False, "most votes")


def test_a_tie_goes_to_the_tied_agent_first_in_config_order():
    board = board_with({"b": "2", "a": "1"}, {"a": "a", "b": "b"}, order=["b", "a"])
    winner = select_winner(board)
    assert (winner.agent_id, winner.tie) == ("b", True)


def test_no_votes_means_the_first_agent_with_an_answer():
    board = board_with({"b": "2"}, order=["a", "b", "c"])
    assert select_winner(board).agent_id == "b" and select_winner(board).basis == "first answer"
    assert select_winner(Board(["a"])) is None


def test_after_a_timeout_only_live_agents_count_and_without_votes_the_latest_answer_wins():
    board = board_with({"a": "1", "b": "2", "c": "3"}, order=["a", "b", "c"])
    board.drop("c", "down")
    chosen = select_after_timeout(board)
    assert (chosen.agent_id, chosen.basis) == ("b", "latest answer")
    board.record_vote("b", "a", "r")
    assert select_after_timeout(board).agent_id == "a"


def view(answers: dict[str, str], posted: int = 0, vote_only: bool = False) -> RoundView:
    anon = {real: f"agent{i}" for i, real in enumerate(sorted(["a", "b", "c"]), 1)}
    return RoundView("a", answers, anon, posted, vote_only)


def test_vote_needs_answers_and_a_shown_id():
    settings = CoordinationSettings()
    assert "no answers to vote for" in judge("vote", {"agent_id": "agent1"}, view({}), settings).message
    rejected = judge("vote", {"agent_id": "agent3", "reason": "r"}, view({"a": "x", "b": "y"}), settings)
    assert isinstance(rejected, Rejected) and "agent1, agent2" in rejected.message
    assert judge("vote", {"agent_id": "agent2", "reason": "good"}, view({"b": "y"}), settings) == Accepted(
        "vote", for_agent="b", reason="good"
    )


def test_new_answer_limit_duplicates_and_blank_content():
    limited = CoordinationSettings(max_new_answers_per_agent=2)
    assert "maximum of 2" in judge("new_answer", {"content": "n"}, view({}, posted=2), limited).message
    assert isinstance(judge("new_answer", {"content": "n"}, view({}, posted=1), limited), Accepted)
    dup = judge("new_answer", {"content": " same "}, view({"b": "same"}), CoordinationSettings())
    assert isinstance(dup, Rejected) and "agent2" in dup.message
    assert isinstance(judge("new_answer", {"content": "  "}, view({}), CoordinationSettings()), Rejected)


@pytest.mark.parametrize(
    ("requirement", "accepted"),
    [("lenient", True), ("balanced", True), ("strict", False)],
)
def test_novelty_thresholds(requirement: str, accepted: bool):
    existing = "one two three four five six"
    new = "one two three four five six seven eight nine ten"  # overlap 0.6
    assert word_overlap(new, existing) == pytest.approx(0.6)
    settings = CoordinationSettings(answer_novelty_requirement=requirement)
    assert isinstance(judge("new_answer", {"content": new}, view({"b": existing}), settings), Accepted) is accepted


def test_workflow_tool_specs():
    names = [t.name for t in workflow_tools(["agent1", "agent3"], vote_only=False)]
    assert names == ["new_answer", "vote"]
    (vote,) = workflow_tools(["agent1", "agent3"], vote_only=True)
    assert vote.parameters["properties"]["agent_id"]["enum"] == ["agent1", "agent3"]
    assert "enum" not in workflow_tools([], vote_only=False)[1].parameters["properties"]["agent_id"]


def test_settings_from_spec_mappings():
    settings = CoordinationSettings.from_spec(
        {"max_new_answers_per_agent": 2, "voting_sensitivity": "strict", "skip_coordination_rounds": True},
        {"orchestrator_timeout_seconds": 30},
    )
    assert (settings.max_new_answers_per_agent, settings.voting_sensitivity, settings.orchestrator_timeout_seconds) == (
        2, "strict", 30.0,
    )
    assert settings.skip_coordination_rounds and settings.answer_novelty_requirement == "lenient"
