"""Quick mode's flags (``massgen --model M [--backend T] [--base-url U] "Question"``), written once: the ``chat``
command takes them and ``massgen --help`` lists them without importing the run code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# (flag, parameter name, metavar, help)
QUICK_OPTIONS = (
    ("--model", "model", "MODEL", "The model to talk to (its backend follows from the name)."),
    ("--backend", "backend_type", "TYPE", "The backend type, when the model name does not tell (`massgen backends`)."),
    ("--base-url", "base_url", "URL", "The provider endpoint (as the provider's SDK means base_url)."),
    ("--system-message", "system_message", "TEXT", "The agent's system message."),
)
USAGE = 'massgen --model MODEL [--backend TYPE] [--base-url URL] [--mock] ["QUESTION"]'


def quick_options(command: F) -> F:
    for flag, name, metavar, text in reversed(QUICK_OPTIONS):
        command = click.option(flag, name, metavar=metavar, help=f"Quick mode: {text}")(command)
    return command
