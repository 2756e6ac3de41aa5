"""One codec per wire protocol: the neutral conversation and function tools in that protocol's form.

Each ``render(messages, tools, facts)`` (``facts``: the agent's request facts) returns the template context entries its request template uses
(``messages``, ``system``, ``contents``, ``input`` ...). Assistant turns carrying ``provider_state`` written
by the same protocol's decoder are replayed from it, so thinking signatures and reasoning items survive.
"""

from __future__ import annotations

from . import anthropic, chat, gemini, responses

CODECS = {
    "openai_chat": chat,
    "openai_responses": responses,
    "anthropic_messages": anthropic,
    "gemini": gemini,
}
