"""The commands a shell line runs, found with the standard library's ``shlex``, for the command-line policy.

``commands(line)`` lists every simple command of the line: the ones after ``;``, ``&&``, ``||``, ``|``,
``&`` and newlines, inside ``( )`` and ``{ }``, after ``if``/``then``/``do``/``!``..., inside ``$( )``,
backticks and ``<( )`` (also within double quotes), the command a wrapper runs (``sudo rm``, ``env X=1 rm``,
``timeout 5 rm``, ``xargs rm``, ``find -exec rm``) and the line a shell is handed (``sh -c '...'``,
``eval ...``). Each comes as its words after quote removal, with ``NAME=value`` prefixes and redirections
left out, so ``/bin/rm``, ``\\rm`` and ``'r'm`` all name ``rm``.

What a static reading cannot see (the policy refuses what it cannot read, but this list is not a sandbox):
a command name computed at run time (``$CMD``, ``$(echo rm)``; refused by the policy, since it cannot be
checked), a program that runs others itself (``python -c "os.remove(...)"``, ``make``, a script written
and then run), another name for the same program (a copy or link of ``/bin/rm``), and shell functions or
aliases defined earlier in the session. Use ``command_line_execution_mode: docker`` to contain a command.

bashlex would parse more exactly but is GPL-3.0-or-later, which this Apache-2.0 package cannot depend on.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass

# Words after which the next word starts a new command (bash's reserved words that precede a command).
_COMMAND_KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "coproc"}
_SKIPPED_KEYWORDS = {"fi", "done", "esac", "}", "in"}  # end a construct; the next word after them is no command
_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"}
# Wrappers: programs whose arguments name another command. Value: options that take a separate value.
_WRAPPERS: dict[str, set[str]] = {
    "sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"},
    "doas": {"-u", "-C"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir", "--split-string"},
    "command": set(), "builtin": set(), "exec": {"-a"}, "nohup": set(), "setsid": set(), "time": {"-f", "-o"},
    "nice": {"-n", "--adjustment"}, "ionice": {"-c", "-n", "-p"}, "chrt": set(), "stdbuf": {"-i", "-o", "-e"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"}, "xargs": {"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s"},
    "watch": {"-n", "-d"}, "flock": {"-w", "-E"}, "strace": {"-e", "-o", "-p"}, "busybox": set(),
}
_POSITIONAL_BEFORE_COMMAND = {"timeout": 1, "flock": 1, "chrt": 1}  # `timeout 5 rm`: the 5 comes first
_FIND_EXEC = {"-exec", "-execdir", "-ok", "-okdir"}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
_MAX_DEPTH = 16


class UnreadableCommand(ValueError):
    """The line cannot be split into commands (an unclosed quote, nesting beyond reason)."""


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command: ``words[0]`` is its name as written (after quote removal)."""

    words: tuple[str, ...]

    @property
    def name(self) -> str:
        """The program's basename: ``rm`` for ``/bin/rm``."""
        return os.path.basename(self.words[0]) or self.words[0]

    @property
    def dynamic(self) -> bool:
        """Whether the name is computed when the line runs (a variable, a substitution, a glob)."""
        return any(c in self.words[0] for c in "$`*?[")

    def forms(self) -> tuple[str, ...]:
        """The command as text, by its basename and as written: what the policy's patterns are matched on."""
        rest = self.words[1:]
        return tuple(dict.fromkeys(" ".join((first, *rest)) for first in (self.name, self.words[0])))


def commands(line: str) -> list[Command]:
    """Every simple command ``line`` would run; ``UnreadableCommand`` when it cannot be split."""
    found: list[Command] = []
    _scan(line, found, 0)
    return found


def _scan(line: str, found: list[Command], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise UnreadableCommand("the command nests substitutions too deeply to be checked")
    for inner in _substitutions(line):
        _scan(inner, found, depth + 1)
    lexer = shlex.shlex(line, posix=True, punctuation_chars="();<>|&\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""  # `#` starts a comment only at a word's start; kept as a word, it is harmless
    try:
        tokens = list(lexer)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise UnreadableCommand(f"the command cannot be read: {exc}") from None
    words: list[str] = []
    expect_target = False
    for index, token in enumerate(tokens):
        if _is_operator(token):
            if "<" in token or ">" in token:
                expect_target = not token.endswith("(")  # `<(` opens a process substitution: a command
                if not expect_target:
                    _finish(words, found, depth)
                continue
            _finish(words, found, depth)
            continue
        if expect_target:  # the file of a redirection
            expect_target = False
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token.isdigit() and _is_operator(following) and ("<" in following or ">" in following):
            continue  # `2>err`, `2>&1`: the 2 belongs to the redirection
        words.append(token)
    _finish(words, found, depth)


def _is_operator(token: str) -> bool:
    return bool(token) and all(c in "();<>|&\n" for c in token)


def _finish(words: list[str], found: list[Command], depth: int) -> None:
    """Record the command(s) in ``words`` (one simple command with its prefixes) and clear it."""
    rest = list(words)
    words.clear()
    while rest:
        while rest and (_ASSIGNMENT.match(rest[0]) or rest[0] in _SKIPPED_KEYWORDS):
            rest.pop(0)
        if rest and rest[0] in _COMMAND_KEYWORDS:
            rest.pop(0)
            continue
        if rest and rest[0] in ("for", "select", "case", "function"):
            return  # `for x in a b`, `case $x in`, `function f`: no command until the next separator
        if not rest:
            return
        command = Command(tuple(rest))
        found.append(command)
        name = command.name
        if name in _SHELLS and "-c" in rest[1:]:
            script = rest[rest.index("-c") + 1:]
            if script:
                _scan(script[0], found, depth + 1)
            return
        if name == "eval":
            _scan(" ".join(rest[1:]), found, depth + 1)
            return
        if name == "find":
            for index, word in enumerate(rest):
                if word in _FIND_EXEC and index + 1 < len(rest):
                    _finish([w for w in rest[index + 1:] if w not in (";", "+")], found, depth)
            return
        if name not in _WRAPPERS:
            return
        rest = _wrapped(name, rest[1:])


def _wrapped(wrapper: str, args: list[str]) -> list[str]:
    """The command a wrapper runs, from the wrapper's arguments (options and their values skipped)."""
    takes_value = _WRAPPERS[wrapper]
    positional = _POSITIONAL_BEFORE_COMMAND.get(wrapper, 0)
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            index += 1
            break
        if word.startswith("-") and len(word) > 1:
            if word == "-S" or word.startswith("--split-string"):  # env -S 'rm x': a line of its own
                return []
            index += 2 if word in takes_value else 1
            continue
        if wrapper == "env" and _ASSIGNMENT.match(word):
            index += 1
            continue
        if positional:
            positional -= 1
            index += 1
            continue
        break
    return args[index:]


def _substitutions(line: str) -> list[str]:
    """The text inside every ``$( )``, backtick pair, ``<( )`` and ``>( )`` of ``line``, whatever the
    quoting (a single-quoted one is checked too, which can only refuse more)."""
    found: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            end = line.find("`", index + 1)
            if end < 0:
                raise UnreadableCommand("the command has an unclosed backtick")
            found.append(line[index + 1:end])
            index = end + 1
            continue
        if line.startswith(("$(", "<(", ">("), index) and not line.startswith("$((", index):
            end = _closing(line, index + 2)
            found.append(line[index + 2:end])
            index = end + 1
            continue
        index += 1
    return found


def _closing(line: str, start: int) -> int:
    depth = 1
    for index in range(start, len(line)):
        if line[index] == "(":
            depth += 1
        elif line[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    raise UnreadableCommand("the command has an unclosed $( or <(")

