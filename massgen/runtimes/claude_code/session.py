"""One live Claude Code CLI session, owned by a background task.

The SDK client must be opened, used and closed by one task (it runs anyio task groups inside), while a
conversation spans several ``Backend.stream`` calls. So a task owns the client and hands every SDK
message to a queue; ``next_message`` reads it with a timeout, ``send`` queues the next user prompt.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import ModuleType
from typing import Any

import anyio

from ...errors import BackendError, StreamError, TimeoutError_, redact

_ENDED = object()


class ClaudeSession:
    def __init__(self, sdk: ModuleType, options: dict[str, Any], prompt: str, timeout: float, secrets: tuple[str, ...]) -> None:
        self._sdk = sdk
        self._stderr: deque[str] = deque(maxlen=20)
        self._options = sdk.ClaudeAgentOptions(**options, stderr=self._stderr.append)
        self._timeout = timeout
        self._secrets = secrets
        self._messages: asyncio.Queue[Any] = asyncio.Queue()
        self._prompts: asyncio.Queue[str] = asyncio.Queue()
        self._prompts.put_nowait(prompt)
        self._scope = anyio.CancelScope()
        self._client: Any = None
        self._task = asyncio.create_task(self._run())
        self.alive = True

    async def next_message(self) -> Any:
        """The next SDK message; a clear BackendError if the CLI failed, went away or went silent."""
        try:
            item = await asyncio.wait_for(self._messages.get(), self._timeout)
        except asyncio.TimeoutError:
            raise TimeoutError_(f"Claude Code sent nothing for {self._timeout:g} s") from None
        if item is _ENDED:
            self.alive = False
            raise StreamError(self._explain("the Claude Code CLI ended the session unexpectedly"))
        if isinstance(item, Exception):
            self.alive = False
            raise self._error(item) from None
        return item

    def send(self, prompt: str) -> None:
        self._prompts.put_nowait(prompt)

    async def close(self) -> None:
        """Stop the CLI, also in the middle of a run (its MCP calls parked, or a stalled request)."""
        self.alive = False
        if self._client is not None:  # stop the current turn first: an idle CLI exits at once on stdin EOF
            with anyio.move_on_after(2):
                await self._client.interrupt()
        # An anyio cancellation (not a bare task.cancel()) lets the SDK's shielded shutdown run to the end:
        # stdin EOF, a grace period, then terminate / kill; the CLI process is never left behind.
        self._scope.cancel()
        await asyncio.wait([self._task], timeout=30)

    async def _run(self) -> None:
        try:
            with self._scope:
                async with self._sdk.ClaudeSDKClient(self._options) as client:
                    self._client = client
                    while True:
                        await client.query(await self._prompts.get())
                        async for message in client.receive_response():
                            self._messages.put_nowait(message)
        except Exception as exc:  # handed to the reader, who turns it into a BackendError
            self._messages.put_nowait(exc)
        finally:
            self._messages.put_nowait(_ENDED)

    def _error(self, exc: Exception) -> BackendError:
        sdk = self._sdk
        if isinstance(exc, sdk.CLINotFoundError):
            return BackendError(f"the Claude Code CLI was not found ({exc}); reinstall with pip install 'massgen[claude-code]'")
        return StreamError(self._explain(f"Claude Code failed: {exc}"))

    def _explain(self, message: str) -> str:
        detail = " | ".join(line.strip() for line in self._stderr if line.strip())
        return redact(f"{message}: {detail}" if detail else message, self._secrets)
