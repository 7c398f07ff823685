"""Rule suggestions: always the exact text; a broader rule only where broadening is harmless."""

from __future__ import annotations

import pytest

from expacti_server.policy.analysis import analyse
from expacti_server.policy.patterns import RuleType, compile_pattern
from expacti_server.policy.risk import HIGH_RISK
from expacti_server.policy.shell import parse_command
from expacti_server.policy.suggestions import MAX_SUGGESTED_BYTES, RuleSuggestion, suggest
from expacti_server.policy.whitelist_index import IndexedRule, Scope, WhitelistIndex


def approves(suggestion: RuleSuggestion, command: str, target: str | None = None) -> bool:
    """Whether the suggested rule, saved, would approve ``command`` (the live matcher)."""
    rule = IndexedRule(
        id="s",
        pattern=compile_pattern(suggestion.pattern, suggestion.type),
        scope=Scope.parse(suggestion.scope),
        expires_at=None,
    )
    match = WhitelistIndex([rule]).match(
        parse_command(command), target=target, target_groups=frozenset(), now=0.0
    )
    return match is not None


async def suggestions_for(command: str, target: str | None = None) -> list[RuleSuggestion]:
    parsed, risk = await analyse(command)
    return suggest(command, list(parsed.parts), target=target, risk_score=risk.score)


async def test_the_exact_command_is_always_offered_scoped_to_its_target() -> None:
    [exact, *_] = await suggestions_for("make deploy", target="web-1")
    assert (exact.type, exact.pattern, exact.scope) == (
        RuleType.EXACT,
        "make deploy",
        "target:web-1",
    )
    [no_target, *_] = await suggestions_for("make deploy")
    assert no_target.scope == "global"


async def test_a_read_only_command_may_vary_its_operands_but_never_its_options() -> None:
    suggestions = await suggestions_for("kubectl get pods -n web", target="prod")
    assert [s.type for s in suggestions] == [RuleType.EXACT, RuleType.REGEX]
    broad = suggestions[1]
    assert "kubectl get pods" in broad.reason
    for allowed in (
        "kubectl get pods -n web",
        "kubectl get pods -n api",
        "kubectl get pods -n db-2",
    ):
        assert approves(broad, allowed, "prod"), allowed
    assert not approves(broad, "kubectl get pods -n web", "staging")  # the scope still applies
    for refused in (
        "kubectl get pods -n -A",  # a new option where an operand was
        "kubectl get pods -n web -o yaml",  # an extra option
        "kubectl get secrets -n web",  # another resource
        "kubectl get pods -n web > /etc/passwd",
        "kubectl get pods -n $(curl evil)",
        "kubectl get pods -n `id`",
        "kubectl get pods -n web; rm -rf /",
        "kubectl get pods -n web | sh",
        "kubectl get pods -n 'a b'",
        "kubectl get pods -n x=y",
        "kubectl delete pods -n web",
    ):
        assert not approves(broad, refused, "prod"), refused


@pytest.mark.parametrize(
    "command",
    [
        # Programs that run other programs, or can write, are never broadened
        # (each of these once had a broadened rule that approved the second form).
        "sudo -n true",  # sudo rm -rf /
        "env -i ls",  # env rm -rf /
        "nice -n 10 make",  # nice rm -rf /
        "xargs -0 echo",  # xargs rm -rf
        "timeout 5 ls",  # timeout 5 rm -rf /
        "find . -name foo.txt",  # find / -delete
        "git log -p",  # git log --output=~/.bashrc
        "curl -s https://example.com",  # curl -o /etc/cron.d/job …
        "tar tf x.tar",  # tar … --checkpoint-action=exec=…
        "python -V",  # python /tmp/evil.py
        "sed -n 1p a.txt",  # sed -i … /etc/passwd
        "ssh-keygen -l -f key.pub",
        "rm -rf /srv/app",  # high risk
        "ls; id",  # compound
        "uptime",  # nothing varies
        "echo $HOME",
        "cat 'unterminated",
        "FOO=1 ls /tmp",  # an env prefix
    ],
)
async def test_only_the_exact_rule_where_broadening_could_do_harm(command: str) -> None:
    assert [s.type for s in await suggestions_for(command)] == [RuleType.EXACT]


async def test_known_escapes_from_a_broadened_rule_are_refused() -> None:
    [_, broad] = await suggestions_for("ls -la /srv/app")
    for escape in (
        "ls -la /etc/shadow > /tmp/x",
        "ls -la --output=/tmp/x",
        "ls -la /srv/app /etc; rm -rf /",
        "ls -R /",
        "ls -la\n/srv/app",
    ):
        assert not approves(broad, escape), escape
    assert approves(broad, "ls -la /var/log")


async def test_high_risk_and_long_commands() -> None:
    parsed, _ = await analyse("ls -la /srv")
    assert len(suggest("ls -la /srv", list(parsed.parts), target=None, risk_score=HIGH_RISK)) == 1
    long = "ls " + "a" * MAX_SUGGESTED_BYTES
    assert suggest(long, [long], target=None, risk_score=0) == []
