"""Provider rate limits shared by every question of a batch: requests and tokens per minute, requests per day.

The limits come in MassGen's ``rate_limits.yaml`` form (``massgen/configs/rate_limits/rate_limits.yaml`` in
MassGen 0.1.97), as the config's ``rate_limits:`` or a file given with ``--rate-limits`` (laid over it)::

    gemini:                      # the provider: a preset name (cerebras) or a backend type (gemini, openai, claude)
      gemini-2.5-flash: {rpm: 9, tpm: 240000, rpd: 245}
      default: {rpm: 7, tpm: 100000}    # every other model of the provider

or from flags, ``--rpm PROVIDER[/MODEL]=N`` and ``--tpm PROVIDER[/MODEL]=N`` (a flag without a model sets the
provider's ``default``). As in MassGen, limits are sliding windows, and the tokens counted are input plus
output tokens as the provider reported them. Each (provider, model) pair is one bucket, whatever agents and
questions use it; a 429 with ``Retry-After`` pauses the bucket's new requests for that long.

``Limiter`` is the clock arithmetic alone (no waiting, no I/O), so one instance can serve one process
(``LocalGate``) or a whole Ray cluster from an actor.
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .questions import BatchInputError

MINUTE, DAY = 60.0, 86400.0
KINDS = ("rpm", "tpm", "rpd")
DEFAULT_COOL_DOWN = 1.0  # seconds a 429 without Retry-After pauses its bucket (the others' requests)
MAX_COOL_DOWN = 600.0  # a Retry-After beyond this is taken as this (a batch should not sleep for hours silently)


@dataclass(frozen=True, slots=True)
class Limit:
    rpm: int | None = None
    tpm: int | None = None
    rpd: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.rpm, self.tpm, self.rpd))


@dataclass(frozen=True)
class RateLimits:
    """``table[provider][model or "default"]``: the limits of each bucket."""

    table: Mapping[str, Mapping[str, Limit]] = field(default_factory=dict)

    def limit_for(self, providers: Iterable[str], model: str | None) -> Limit:
        """The limit of the first of ``providers`` (the preset, then the backend type) the table names."""
        for provider in providers:
            models = self.table.get(provider)
            if models is not None:
                return models.get(model or "default") or models.get("default") or Limit()
        return Limit()

    def with_flags(self, kind: str, flags: Iterable[str]) -> RateLimits:
        """These limits with ``PROVIDER[/MODEL]=N`` flags of ``kind`` (``rpm`` or ``tpm``) laid over them."""
        table = {provider: dict(models) for provider, models in self.table.items()}
        for flag in flags:
            target, sep, number = flag.partition("=")
            provider, _, model = target.strip().partition("/")
            count = _count(number.strip(), f"--{kind} {flag}") if sep else None
            if not provider or count is None:
                raise BatchInputError(f"--{kind} {flag!r}: write PROVIDER=N or PROVIDER/MODEL=N (e.g. --{kind} openai=500)")
            models = table.setdefault(provider, {})
            key = model or "default"
            old = models.get(key, Limit())
            models[key] = Limit(**{**{k: getattr(old, k) for k in KINDS}, kind: count})
        return RateLimits(table)

    @classmethod
    def from_file(cls, path: str | Path) -> RateLimits:
        """MassGen's form; raises ``BatchInputError`` naming the provider and model of a bad entry."""
        from ruamel.yaml import YAML, YAMLError

        try:
            data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise BatchInputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
        except (YAMLError, UnicodeDecodeError) as exc:
            raise BatchInputError(f"{path}: not a YAML file: {exc}") from None
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: Any, where: str) -> RateLimits:
        """The form as data (a file's, or a config's ``rate_limits``, which the plan carries already checked)."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise BatchInputError(f"{where}: expected provider: {{model: {{rpm, tpm, rpd}}}} mappings")
        table: dict[str, dict[str, Limit]] = {}
        for provider, models in data.items():
            if not isinstance(models, dict):
                raise BatchInputError(f"{where}: {provider}: expected model names with their rpm / tpm / rpd")
            for model, entry in models.items():
                place = f"{where}: {provider}.{model}"
                if not isinstance(entry, dict) or set(entry) - set(KINDS):
                    unknown = sorted(set(entry) - set(KINDS)) if isinstance(entry, dict) else entry
                    raise BatchInputError(f"{place}: expected rpm, tpm and/or rpd numbers, found {unknown}")
                table.setdefault(str(provider), {})[str(model)] = Limit(
                    **{k: _count(entry[k], f"{place}.{k}") for k in KINDS if entry.get(k) is not None})
        return cls(table)

    def over(self, base: RateLimits) -> RateLimits:
        """``base`` with these limits laid over it, model by model (a model's whole entry replaces base's)."""
        table = {provider: dict(models) for provider, models in base.table.items()}
        for provider, models in self.table.items():
            table.setdefault(provider, {}).update(models)
        return RateLimits(table)


def _count(value: Any, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number < 1 or str(value).strip() not in (str(number), f"{number}.0"):
        raise BatchInputError(f"{where}: {value!r} is not a whole number above 0")
    return number


class _Bucket:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.minute: collections.deque[float] = collections.deque()  # request times (reserved), ascending
        self.day: collections.deque[float] = collections.deque()
        self.tokens: collections.deque[tuple[float, int]] = collections.deque()
        self.token_sum = 0
        self.paused_until = 0.0

    def prune(self, now: float) -> None:
        while self.minute and self.minute[0] <= now - MINUTE:
            self.minute.popleft()
        while self.day and self.day[0] <= now - DAY:
            self.day.popleft()
        while self.tokens and self.tokens[0][0] <= now - MINUTE:
            self.token_sum -= self.tokens.popleft()[1]


class Limiter:
    """Sliding-window limits per bucket key; every method takes ``now`` (seconds on one monotonic clock)."""

    def __init__(self, limits: Mapping[str, Limit] | None = None) -> None:
        self._limits = dict(limits or {})
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, key: str) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self._limits.get(key, Limit()))
        return bucket

    def reserve(self, key: str, now: float) -> float:
        """Book the next request slot of ``key``; returns how many seconds to wait before sending it."""
        bucket = self._bucket(key)
        bucket.prune(now)
        at = max(now, bucket.paused_until)
        limit = bucket.limit
        if limit.rpm and len(bucket.minute) >= limit.rpm:
            at = max(at, bucket.minute[-limit.rpm] + MINUTE)
        if limit.rpd and len(bucket.day) >= limit.rpd:
            at = max(at, bucket.day[-limit.rpd] + DAY)
        if limit.tpm and bucket.token_sum >= limit.tpm:
            remaining = bucket.token_sum
            for when, tokens in bucket.tokens:  # the time the window's sum drops below the limit
                remaining -= tokens
                if remaining < limit.tpm:
                    at = max(at, when + MINUTE)
                    break
        if bucket.minute and at < bucket.minute[-1]:
            at = bucket.minute[-1]  # slots stay in order, so the windows above can count from their ends
        if limit.rpm:
            bucket.minute.append(at)
        if limit.rpd:
            bucket.day.append(at)
        return at - now

    def add_tokens(self, key: str, tokens: int, now: float) -> None:
        bucket = self._bucket(key)
        if bucket.limit.tpm and tokens > 0:
            bucket.tokens.append((now, tokens))
            bucket.token_sum += tokens

    def pause(self, key: str, seconds: float | None, now: float) -> None:
        """A 429: no request of ``key`` goes out for ``seconds`` (its Retry-After; ``DEFAULT_COOL_DOWN`` without)."""
        wait = DEFAULT_COOL_DOWN if seconds is None or not math.isfinite(seconds) or seconds < 0 else seconds
        bucket = self._bucket(key)
        bucket.paused_until = max(bucket.paused_until, now + min(wait, MAX_COOL_DOWN))


def bucket_key(provider: str, model: str | None) -> str:
    return f"{provider}/{model or 'default'}"


def agent_buckets(plan: Any, limits: RateLimits) -> tuple[dict[str, str], dict[str, Limit]]:
    """For a ``RunPlan``: each agent's bucket key, and each key's limit."""
    keys: dict[str, str] = {}
    table: dict[str, Limit] = {}
    for agent in plan.agents:
        names = [n for n in (agent.provider, agent.backend_type) if n]
        key = keys[agent.id] = bucket_key(names[0], agent.model)
        table[key] = limits.limit_for(names, agent.model)
    return keys, table


class LocalGate:
    """The engine's ``RequestGate`` for one process: waits on a ``Limiter`` held here."""

    def __init__(self, keys: Mapping[str, str], limiter: Limiter) -> None:
        self.keys = dict(keys)
        self.limiter = limiter
        self.waited = 0.0  # seconds spent waiting for a slot, all questions together

    async def before_request(self, agent: str | None) -> None:
        key = self.keys.get(agent or "")
        if key is None:
            return
        delay = self.limiter.reserve(key, time.monotonic())
        if delay > 0:
            self.waited += delay
            await asyncio.sleep(delay)

    def rate_limited(self, agent: str | None, retry_after: float | None) -> None:
        key = self.keys.get(agent or "")
        if key is not None:
            self.limiter.pause(key, retry_after, time.monotonic())

    def add_tokens(self, agent: str | None, tokens: int) -> None:
        key = self.keys.get(agent or "")
        if key is not None:
            self.limiter.add_tokens(key, tokens, time.monotonic())
