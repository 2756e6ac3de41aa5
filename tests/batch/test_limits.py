"""Rate limits: MassGen's rate_limits form and flags, the sliding windows on a hand-driven clock, and a 429's
Retry-After pausing the other questions' requests in a real batch against the loopback server."""

from __future__ import annotations

import time

import pytest

from massgen.batch.limits import Limit, Limiter, RateLimits, agent_buckets
from massgen.batch.questions import BatchInputError, Question
from massgen.batch.run import run_batch
from massgen.batch.worker import BatchOptions
from massgen.config import compile_text
from tests.batch.helpers import KEY, Recording, result_lines, single_config, tag, team_config
from tests.conftest import REPO
from tests.protocol_server import ProtocolServer, Reply, Request, Turn

MASSGEN_FORM = REPO / "tests" / "corpus" / "massgen-0.1.97" / "rate_limits" / "rate_limits.yaml"


def test_massgen_rate_limits_file():
    limits = RateLimits.from_file(MASSGEN_FORM)
    assert limits.limit_for(["gemini"], "gemini-2.5-pro") == Limit(rpm=2, tpm=120000, rpd=48)
    assert limits.limit_for(["gemini"], "gemini-1.5-flash") == Limit(rpm=7, tpm=100000, rpd=100)  # its default
    assert not limits.limit_for(["openai"], "gpt-4o")  # commented out in MassGen's file: no limit


def test_flags_lay_over_the_file():
    limits = RateLimits.from_file(MASSGEN_FORM).with_flags("rpm", ["gemini/gemini-2.5-pro=1", "openai=500"])
    limits = limits.with_flags("tpm", ["openai/gpt-4o=9000"])
    assert limits.limit_for(["gemini"], "gemini-2.5-pro") == Limit(rpm=1, tpm=120000, rpd=48)
    assert limits.limit_for(["openai"], "gpt-4o-mini") == Limit(rpm=500)
    assert limits.limit_for(["openai"], "gpt-4o") == Limit(tpm=9000)
    assert limits.limit_for(["cerebras", "chatcompletion"], "x") == Limit()


@pytest.mark.parametrize(("text", "message"), [
    ("gemini: [1, 2]\n", "gemini: expected model names"),
    ("gemini: {flash: {rpm: 0}}\n", "gemini.flash.rpm: 0 is not a whole number above 0"),
    ("gemini: {flash: {rps: 3}}\n", "expected rpm, tpm and/or rpd numbers, found ['rps']"),
    ("gemini: {flash: {rpm: 2.5}}\n", "2.5 is not a whole number"),
    ("- a\n", "expected provider"),
    ("a: [\n", "not a YAML file"),
])
def test_bad_limits_file(tmp_path, text, message):
    path = tmp_path / "limits.yaml"
    path.write_text(text)
    with pytest.raises(BatchInputError, match=None) as caught:
        RateLimits.from_file(path)
    assert message in str(caught.value)


def test_requests_per_minute_slide():
    limiter = Limiter({"p/m": Limit(rpm=2)})
    assert limiter.reserve("p/m", 100.0) == 0
    assert limiter.reserve("p/m", 101.0) == 0
    assert limiter.reserve("p/m", 102.0) == pytest.approx(58.0)  # the first slot frees at 160
    assert limiter.reserve("p/m", 103.0) == pytest.approx(58.0)  # the second at 161
    assert limiter.reserve("other/m", 103.0) == 0  # another bucket is not held up


def test_requests_per_day():
    limiter = Limiter({"p/m": Limit(rpd=1)})
    assert limiter.reserve("p/m", 0.0) == 0
    assert limiter.reserve("p/m", 10.0) == pytest.approx(86390.0)


def test_tokens_per_minute():
    limiter = Limiter({"p/m": Limit(tpm=100)})
    assert limiter.reserve("p/m", 0.0) == 0
    limiter.add_tokens("p/m", 60, 1.0)
    assert limiter.reserve("p/m", 2.0) == 0  # 60 < 100
    limiter.add_tokens("p/m", 50, 3.0)
    assert limiter.reserve("p/m", 4.0) == pytest.approx(57.0)  # below 100 again once the 60 of t=1 leave
    assert limiter.reserve("p/m", 62.0) == 0


def test_a_429_pauses_the_bucket():
    limiter = Limiter()
    limiter.pause("p/m", 2.5, 10.0)
    assert limiter.reserve("p/m", 10.5) == pytest.approx(2.0)
    assert limiter.reserve("p/m", 13.0) == 0
    limiter.pause("p/m", None, 20.0)  # no Retry-After: a short default pause
    assert 0 < limiter.reserve("p/m", 20.0) <= 1.0


def test_each_agent_has_its_provider_bucket():
    with ProtocolServer() as server:
        plan = compile_text(team_config(server), "team.yaml").spec
    limits = RateLimits().with_flags("rpm", ["claude=5", "gemini/gemini-2.5-flash=7"])
    keys, table = agent_buckets(plan, limits)
    assert keys == {"chatter": "chatcompletion/gpt-4o-mini", "claudia": "claude/claude-sonnet-4-6",
                    "gemma": "gemini/gemini-2.5-flash"}
    assert table == {"chatcompletion/gpt-4o-mini": Limit(), "claude/claude-sonnet-4-6": Limit(rpm=5),
                     "gemini/gemini-2.5-flash": Limit(rpm=7)}


class _Quiet:
    def start(self, total, skipped): ...
    def started(self): ...
    def finished(self, record): ...
    def close(self): ...


def test_retry_after_pauses_every_question(tmp_path, monkeypatch):
    """Question 1's first request gets 429 with Retry-After: 1.5; no request of any question reaches the
    provider before that time has passed (the engine's own retry of question 1 included)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    limited: list[float] = []

    def handler(request: Request) -> Turn | Reply:
        if tag(request) == "1" and not limited:
            limited.append(time.monotonic())
            return Reply.error(429, "slow down", headers={"retry-after": "1.5"})
        return Turn(text=f"answer {tag(request)}", delay=0.02 if tag(request) == "2" else 0.0)

    recording = Recording(handler)
    with ProtocolServer(recording) as server:
        plan = compile_text(single_config(server), "c.yaml").spec
        questions = [Question(f"q{n}", f"Q{n}# question {n}") for n in range(1, 7)]
        report = run_batch(plan, questions, tmp_path / "r.jsonl", BatchOptions(concurrency=2), _Quiet())
    assert report.done == 6 and report.failed == 0
    after = [t for t, _ in recording.arrivals if t > limited[0] + 0.01]
    assert len(after) >= 4  # question 1 again, and the questions after the first two
    assert min(after) >= limited[0] + 1.4, [round(t - limited[0], 3) for t in after]
    assert {r["id"]: r["final"] for r in result_lines(tmp_path / "r.jsonl")} == {
        f"q{n}": f"answer {n}" for n in range(1, 7)}


def test_a_question_failing_retryably_is_asked_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    failures = {"1": 0}

    def handler(request: Request) -> Turn | Reply:
        if tag(request) == "1" and failures["1"] < 2:  # more 503s than the engine retries (max_retries: 0 below)
            failures["1"] += 1
            return Reply.error(503, "overloaded")
        return Turn(text=f"answer {tag(request)}", usage=(3, 4))

    with ProtocolServer(handler) as server:
        config = single_config(server).replace("model: gpt-4o-mini", "model: gpt-4o-mini, max_retries: 0")
        plan = compile_text(config, "c.yaml").spec
        run_batch(plan, [Question("q1", "Q1# one")], tmp_path / "r.jsonl", BatchOptions(retries=2), _Quiet())
        run_batch(plan, [Question("q2", "Q2# two")], tmp_path / "r2.jsonl", BatchOptions(retries=0), _Quiet())
        failures["1"] = 0
        run_batch(plan, [Question("q3", "Q1# one again")], tmp_path / "r3.jsonl", BatchOptions(retries=1), _Quiet())
    [first] = result_lines(tmp_path / "r.jsonl")
    assert first["status"] == "ok" and first["retries"] == 2 and first["final"] == "answer 1"
    [given_up] = result_lines(tmp_path / "r3.jsonl")
    assert given_up["status"] == "error" and given_up["retries"] == 1
    assert given_up["error"]["kind"] == "provider" and given_up["error"]["retryable"] is True


def test_file_and_flags_lay_over_the_config():
    config = RateLimits.from_mapping({"openai": {"gpt-4o": {"rpm": 10, "tpm": 500}, "default": {"rpm": 3}}}, "c.yaml")
    limits = RateLimits.from_mapping({"openai": {"gpt-4o": {"rpm": 20}}}, "f.yaml").over(config)
    limits = limits.with_flags("tpm", ["openai=50"])
    assert limits.limit_for(["openai"], "gpt-4o") == Limit(rpm=20)  # the file's entry replaces the config's
    assert limits.limit_for(["openai"], "o3") == Limit(rpm=3, tpm=50)
