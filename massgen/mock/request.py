"""A recorded request, which protocol it speaks, and neutral views of its content for handlers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_GEMINI = re.compile(r"/models/(?P<model>[^/:]+):(?P<method>streamGenerateContent|generateContent|countTokens)$")


def detect_protocol(path: str) -> str | None:
    """Map a request path to the wire protocol it belongs to (any prefix is accepted, e.g. Azure's)."""
    if path.endswith("/chat/completions"):
        return "openai_chat"
    if path.endswith("/responses"):
        return "openai_responses"
    if path.endswith("/messages") or path.endswith("/messages/count_tokens"):
        return "anthropic_messages"
    if _GEMINI.search(path):
        return "gemini"
    return None


@dataclass
class Request:
    """One request as the server saw it. Header names are lower-case; ``body`` is the parsed JSON or None."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    body: Any = None
    protocol: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, method: str, target: str, headers: dict[str, str], raw: bytes) -> Request:
        from urllib.parse import parse_qsl, urlsplit

        parts = urlsplit(target)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return cls(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            raw=raw,
            body=body,
            protocol=detect_protocol(parts.path),
        )

    # -- what kind of call this is -------------------------------------------------------------
    @property
    def wants_stream(self) -> bool:
        if self.protocol == "gemini":
            return ":streamGenerateContent" in self.path
        return isinstance(self.body, dict) and bool(self.body.get("stream"))

    @property
    def model(self) -> str:
        if self.protocol == "gemini":
            match = _GEMINI.search(self.path)
            return match.group("model") if match else "gemini"
        if self.protocol == "openai_chat" and "/deployments/" in self.path:
            return self.path.split("/deployments/")[1].split("/")[0]
        return str((self.body or {}).get("model") or "scripted-model")

    @property
    def is_count_tokens(self) -> bool:
        return self.path.endswith("/count_tokens") or self.path.endswith(":countTokens")

    # -- neutral views, so a handler can answer by content whatever the protocol -------------
    def system_text(self) -> str:
        """The system prompt / instructions, whatever the protocol puts it in."""
        body = self.body if isinstance(self.body, dict) else {}
        if self.protocol == "anthropic_messages":
            return _text_of(body.get("system", ""))
        if self.protocol == "gemini":
            return _text_of((body.get("systemInstruction") or body.get("system_instruction") or {}).get("parts", []))
        if self.protocol == "openai_responses":
            texts = [body.get("instructions") or ""]
            texts += [_text_of(i.get("content", "")) for i in _items(body.get("input")) if i.get("role") in ("system", "developer")]
            return "\n".join(t for t in texts if t)
        return "\n".join(
            _text_of(m.get("content", "")) for m in body.get("messages", []) if m.get("role") in ("system", "developer")
        )

    def tool_names(self) -> list[str]:
        """Names of the function tools offered (built-in tools appear as their ``type``)."""
        names = []
        for tool in (self.body or {}).get("tools", []) if isinstance(self.body, dict) else []:
            if "function" in tool and isinstance(tool["function"], dict):
                names.append(tool["function"]["name"])
            elif "functionDeclarations" in tool or "function_declarations" in tool:
                names += [f["name"] for f in tool.get("functionDeclarations") or tool.get("function_declarations")]
            elif "name" in tool and tool.get("type", "function") in ("function", "custom") or "input_schema" in tool:
                names.append(tool["name"])
            else:
                names.append(tool.get("type") or next(iter(tool), "?"))
        return names

    def tool_schemas(self) -> dict[str, dict[str, Any]]:
        """Each function tool offered, by name: the JSON Schema of its arguments, whatever the protocol's
        wrapping (``function.parameters``, ``parameters``, ``input_schema``, Gemini's ``parametersJsonSchema``)."""
        body = self.body if isinstance(self.body, dict) else {}
        schemas: dict[str, dict[str, Any]] = {}
        for tool in _items(body.get("tools")):
            declarations = tool.get("functionDeclarations") or tool.get("function_declarations")
            if isinstance(declarations, list):
                entries = _items(declarations)
            elif isinstance(tool.get("function"), dict):
                entries = [tool["function"]]
            elif tool.get("type", "function") in ("function", "custom") or "input_schema" in tool:
                entries = [tool]
            else:
                continue  # a built-in tool (web search, code execution): nothing to call with arguments
            for entry in entries:
                schema = next((entry[k] for k in ("parameters", "input_schema", "parametersJsonSchema")
                               if isinstance(entry.get(k), dict)), {})
                if isinstance(entry.get("name"), str):
                    schemas[entry["name"]] = schema
        return schemas

    def tool_calls_made(self) -> list[str]:
        """The names of the function calls the model made earlier in the conversation, oldest first."""
        body = self.body if isinstance(self.body, dict) else {}
        names: list[str] = []
        if self.protocol == "openai_chat":
            for message in _items(body.get("messages")):
                names += [c["function"]["name"] for c in _items(message.get("tool_calls")) if isinstance(c.get("function"), dict)]
        elif self.protocol == "openai_responses":
            names = [i.get("name", "") for i in _items(body.get("input")) if i.get("type") == "function_call"]
        elif self.protocol == "anthropic_messages":
            for message in _items(body.get("messages")):
                names += [b.get("name", "") for b in _items(message.get("content")) if b.get("type") == "tool_use"]
        elif self.protocol == "gemini":
            for content in _items(body.get("contents")):
                for part in _items(content.get("parts")):
                    call = part.get("functionCall") or part.get("function_call")
                    if isinstance(call, dict):
                        names.append(call.get("name", ""))
        return names

    def tool_results(self) -> list[str]:
        """The content of every tool result in the conversation, oldest first, as text."""
        body = self.body if isinstance(self.body, dict) else {}
        out: list[str] = []
        if self.protocol == "openai_chat":
            out = [_text_of(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "tool"]
        elif self.protocol == "openai_responses":
            out = [_text_of(i.get("output", "")) for i in _items(body.get("input")) if i.get("type") == "function_call_output"]
        elif self.protocol == "anthropic_messages":
            for message in body.get("messages", []):
                for block in message.get("content", []) if isinstance(message.get("content"), list) else []:
                    if block.get("type") == "tool_result":
                        out.append(_text_of(block.get("content", "")))
        elif self.protocol == "gemini":
            for content in body.get("contents", []):
                for part in content.get("parts", []):
                    response = part.get("functionResponse") or part.get("function_response")
                    if response:
                        out.append(json.dumps(response.get("response")))
        return out

    def last_user_text(self) -> str:
        body = self.body if isinstance(self.body, dict) else {}
        if self.protocol == "gemini":
            turns = [c for c in body.get("contents", []) if c.get("role", "user") == "user"]
            return _text_of(turns[-1].get("parts", [])) if turns else ""
        if self.protocol == "openai_responses":
            if isinstance(body.get("input"), str):
                return body["input"]
            turns = [i for i in _items(body.get("input")) if i.get("role") == "user"]
        else:
            turns = [m for m in body.get("messages", []) if m.get("role") == "user"]
        return _text_of(turns[-1].get("content", "")) if turns else ""


def _items(value: Any) -> list[dict[str, Any]]:
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _text_of(content: Any) -> str:
    """Flatten the many text containers (str, content blocks, Gemini parts) to plain text."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return content.get("text") or ""
    if isinstance(content, list):
        return "".join(_text_of(c) for c in content if isinstance(c, (dict, str)))
    return ""
