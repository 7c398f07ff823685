"""The arguments of a command as the rules read them."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from expacti_server.policy.words import command_words

_PUNCTUATION = frozenset("<>&|();")


@functools.lru_cache(maxsize=256)  # as policy.words.words: every rule reads every part
def command_of(part: str) -> tuple[str, ...]:
    """``policy.words.command_words``, remembered."""
    return command_words(part)


def plain_args(args: Sequence[str]) -> list[str]:
    """The arguments before the first redirection or ``( )``: ``cp a b 2> log`` → a, b."""
    found: list[str] = []
    for arg in args:
        if arg and set(arg) <= _PUNCTUATION:
            if found and found[-1].isdigit():  # the "2" of "2>" is a file descriptor
                found.pop()
            break
        found.append(arg)
    return found


def operands(args: Sequence[str], takes_value: frozenset[str] = frozenset()) -> list[str]:
    """The plain arguments that are not options, nor the values of ``takes_value`` options."""
    found: list[str] = []
    skip = False
    ended = False
    for arg in plain_args(args):
        if skip:
            skip = False
        elif ended or not arg.startswith("-") or arg == "-":
            found.append(arg)
        elif arg == "--":
            ended = True
        else:
            skip = arg in takes_value
    return found


def option_values(args: Sequence[str], names: frozenset[str]) -> list[str]:
    """The values given to the options ``names``: ``-d x``, ``--data=x`` and ``-dx``."""
    values: list[str] = []
    plain = plain_args(args)
    for i, arg in enumerate(plain):
        if arg == "--":
            break
        if arg in names:
            if i + 1 < len(plain):
                values.append(plain[i + 1])
            continue
        name, sep, value = arg.partition("=")
        if sep and arg.startswith("--") and name in names:
            values.append(value)
        elif not arg.startswith("--") and len(arg) > 2 and arg[:2] in names:
            values.append(arg[2:])  # "-d@file", "-Tfile"
    return values
