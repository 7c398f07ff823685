"""The word helpers the risk rules read commands with (``policy.words``)."""

from __future__ import annotations

import pytest

from expacti_server.policy.words import command_words, programs, short_flags, words


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("ls -la", ("ls", "-la")),
        ("echo 'a b' \"c d\"", ("echo", "a b", "c d")),
        ("ls>/etc/x", ("ls", ">", "/etc/x")),
        ("ls 2>&1", ("ls", "2", ">&", "1")),
        ("echo a#b", ("echo", "a#b")),
        ("echo don't", ("echo", "don't")),  # unbalanced quote: plain split
    ],
)
def test_words(part: str, expected: tuple[str, ...]) -> None:
    assert words(part) == expected


@pytest.mark.parametrize(
    ("part", "chain", "command"),
    [
        ("ls -la", ("ls",), ("ls", "-la")),
        ("FOO=1 BAR=2 ls", ("ls",), ("ls",)),
        ("sudo -E env X=1 /bin/rm -r d", ("sudo", "env", "rm"), ("rm", "-r", "d")),
        ("sudo -u root rm x", ("sudo", "rm"), ("rm", "x")),
        ("nice -n 5 make", ("nice", "make"), ("make",)),
        ("FOO=1", (), ()),
    ],
)
def test_programs_and_command_words(
    part: str, chain: tuple[str, ...], command: tuple[str, ...]
) -> None:
    assert programs(part) == chain
    assert command_words(part) == command


def test_short_flags_stop_at_double_dash() -> None:
    assert short_flags(["-rf", "--force", "-v", "--", "-x"]) == "rfv"
