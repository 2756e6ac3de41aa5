"""One stream decoder per wire protocol: ``feed(event_name, data) -> events``, then ``finish()``.

``finish`` raises ``StreamError`` when the stream never reached its protocol's terminal event, so a cut
connection can never pass for a complete answer.
"""

from __future__ import annotations

from .anthropic import AnthropicDecoder
from .chat import ChatDecoder
from .gemini import GeminiDecoder
from .responses import ResponsesDecoder

DECODERS = {
    "openai_chat": ChatDecoder,
    "openai_responses": ResponsesDecoder,
    "anthropic_messages": AnthropicDecoder,
    "gemini": GeminiDecoder,
}

__all__ = ["DECODERS", "AnthropicDecoder", "ChatDecoder", "GeminiDecoder", "ResponsesDecoder"]
