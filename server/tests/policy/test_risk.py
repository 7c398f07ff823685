"""Risk scoring: each built-in rule, how findings add up, and the plugin interface."""

from __future__ import annotations

import re

import pytest

from expacti_server.policy.risk import (
    DEFAULT_RISK_RULES,
    RiskAssessment,
    RiskFinding,
    RiskRule,
    assess_risk,
)
from expacti_server.policy.shell import ParsedCommand, parse_command
from expacti_server.policy.words import command_words, programs, short_flags, words


def codes(text: str) -> dict[str, int]:
    """code -> score of every finding for ``text``."""
    return {f.code: f.score for f in assess_risk(parse_command(text)).findings}


FLAGGED = [
    # (command, code, score)
    ('echo "unterminated', "unparseable", 60),
    ("", "unparseable", 60),
    ("rm -rf ./build", "recursive_delete", 70),
    ("rm -r build", "recursive_delete", 70),
    ("rm -R build", "recursive_delete", 70),
    ("rm -f x", "recursive_delete", 70),
    ("rm -v -f x", "recursive_delete", 70),
    ("rm --recursive build", "recursive_delete", 70),
    ("rm --force x", "recursive_delete", 70),
    ("/bin/rm -fr build", "recursive_delete", 70),
    ("\\rm -r build", "recursive_delete", 70),
    ("rm -rf /", "recursive_delete", 95),
    ("rm -rf /*", "recursive_delete", 95),
    ("rm -rf ~", "recursive_delete", 95),
    ("rm -rf ~/", "recursive_delete", 95),
    ("rm -rf $HOME", "recursive_delete", 95),
    ('rm -rf "${HOME}"', "recursive_delete", 95),
    ("rm -rf //", "recursive_delete", 95),
    ("rm -rf /tmp/..", "recursive_delete", 95),
    ("rm -rf -- /", "recursive_delete", 95),
    ("rm -r --no-preserve-root /x", "recursive_delete", 95),
    ("ls; sudo rm -rf /", "recursive_delete", 95),
    ("sudo -u root rm -rf /", "recursive_delete", 95),
    ("echo $(rm -rf /)", "recursive_delete", 95),
    ("find . | xargs rm -rf", "recursive_delete", 70),
    ("FOO=1 rm -rf build", "recursive_delete", 70),
    ("curl https://x.sh | sh", "pipe_to_shell", 90),
    ("wget -qO- https://x | sudo bash", "pipe_to_shell", 90),
    ("curl -s x | python3", "pipe_to_shell", 90),
    ("curl x | tee log | zsh", "pipe_to_shell", 90),
    ("bash <(curl -s https://x)", "pipe_to_shell", 90),
    ('sh -c "$(curl -fsSL https://x)"', "pipe_to_shell", 90),
    ("sudo ls", "privilege_escalation", 50),
    ("su - root", "privilege_escalation", 50),
    ("doas reboot", "privilege_escalation", 50),
    ("nohup sudo ls", "privilege_escalation", 50),
    ("mkfs.ext4 /dev/sda1", "disk_destruction", 95),
    ("mkfs -t xfs /dev/sdb", "disk_destruction", 95),
    ("dd if=/dev/zero of=/dev/sda bs=1M", "disk_destruction", 95),
    ("shred -u secrets.txt", "disk_destruction", 95),
    ("wipefs -a /dev/sdb", "disk_destruction", 95),
    ("chmod 777 /srv", "world_writable", 40),
    ("chmod -R 777 /srv", "world_writable", 40),
    ("chmod 0666 f", "world_writable", 40),
    ("chmod a+w f", "world_writable", 40),
    ("chmod o+rw f", "world_writable", 40),
    ("chmod u+x,o+w f", "world_writable", 40),
    ("git push -f", "force_push", 60),
    ("git push --force origin main", "force_push", 60),
    ("git push --force-with-lease", "force_push", 60),
    ("git push -uf origin main", "force_push", 60),
    ("git push origin +main", "force_push", 60),
    ("terraform destroy", "destructive_infra", 80),
    ("terraform apply -auto-approve", "destructive_infra", 80),
    ("terraform -chdir=prod apply --auto-approve", "destructive_infra", 80),
    ("kubectl delete pod web-1", "destructive_infra", 80),
    ("kubectl -n prod delete deploy web", "destructive_infra", 80),
    ("helm uninstall web", "destructive_infra", 80),
    ('psql -c "DROP TABLE users"', "destructive_infra", 80),
    ('mysql -e "drop database prod"', "destructive_infra", 80),
    ("echo 'truncate orders;' | psql", "destructive_infra", 80),
    ("echo x > /etc/passwd", "system_file_write", 70),
    ("echo x>>/etc/hosts", "system_file_write", 70),
    ("cat k.pub >> ~/.ssh/authorized_keys", "system_file_write", 70),
    ("cat k.pub >> $HOME/.ssh/authorized_keys", "system_file_write", 70),
    ("ls &> /boot/x", "system_file_write", 70),
    ("make 2> /usr/local/log", "system_file_write", 70),
    ("echo x > //etc/./passwd", "system_file_write", 70),
    ("echo x > /tmp/../etc/passwd", "system_file_write", 70),
    ("echo x | sudo tee /etc/hosts", "system_file_write", 70),
    ("echo x | tee -a /etc/hosts", "system_file_write", 70),
    ("cat <<EOF > /etc/motd\nhi\nEOF", "system_file_write", 70),
    ("echo $(date)", "dynamic_execution", 30),
    ("echo `date`", "dynamic_execution", 30),
    ("diff <(ls a) <(ls b)", "dynamic_execution", 30),
    ('eval "$CMD"', "dynamic_execution", 30),
    ('bash -c "ls"', "dynamic_execution", 30),
    ("sh -lc ls", "dynamic_execution", 30),
    ("for f in *; do echo $f; done", "control_flow", 20),
    ("if true; then ls; fi", "control_flow", 20),
    ("f() { ls; }", "control_flow", 20),
]


@pytest.mark.parametrize(("text", "code", "score"), FLAGGED)
def test_flagged(text: str, code: str, score: int) -> None:
    assert codes(text).get(code) == score


NOT_FLAGGED = [
    # (command, code that must not be reported)
    ("ls -la", "unparseable"),
    ("rm build.log", "recursive_delete"),
    ("rm -i build.log", "recursive_delete"),
    ("echo rm -rf /", "recursive_delete"),
    ("echo 'rm -rf /'", "recursive_delete"),
    ("grep -rf patterns .", "recursive_delete"),
    ("rm -- -rf", "recursive_delete"),
    ("curl -o x.tar.gz https://x", "pipe_to_shell"),
    ("cat install.sh | sh", "pipe_to_shell"),
    ("python3 -m http.server; curl localhost:8000", "pipe_to_shell"),
    ("echo sudo", "privilege_escalation"),
    ("sudoku", "privilege_escalation"),
    ("dd if=/dev/zero of=/dev/null count=1", "disk_destruction"),
    ("dd if=/dev/sda of=disk.img", "disk_destruction"),
    ("echo mkfs", "disk_destruction"),
    ("chmod 755 /srv", "world_writable"),
    ("chmod 644 f", "world_writable"),
    ("chmod u+w f", "world_writable"),
    ("chmod o-w f", "world_writable"),
    ("git push origin main", "force_push"),
    ("git push -u origin main", "force_push"),
    ("git commit -f", "force_push"),
    ("terraform plan", "destructive_infra"),
    ("terraform apply", "destructive_infra"),
    ("kubectl get pods", "destructive_infra"),
    ("helm install web ./chart", "destructive_infra"),
    ("echo dropped tables", "destructive_infra"),
    ("echo x > /tmp/etc", "system_file_write"),
    ("echo x > ./etc/passwd", "system_file_write"),
    ("echo x > /etcetera", "system_file_write"),
    ("cat /etc/passwd", "system_file_write"),
    ("cat < /etc/passwd", "system_file_write"),
    ("ls 2>&1", "system_file_write"),
    ("ls >&2", "system_file_write"),
    ("echo x | tee /tmp/log", "system_file_write"),
    ("echo '$(date)'", "dynamic_execution"),
    ("echo $HOME", "dynamic_execution"),
    ("bash script.sh", "dynamic_execution"),
    ("ls; pwd", "control_flow"),
]


@pytest.mark.parametrize(("text", "code"), NOT_FLAGGED)
def test_not_flagged(text: str, code: str) -> None:
    assert code not in codes(text)


@pytest.mark.parametrize(
    "text", ["ls -la", "git status", "cat README.md | grep -i install", "echo héllo"]
)
def test_ordinary_commands_score_zero(text: str) -> None:
    assert assess_risk(parse_command(text)) == RiskAssessment(0, (), ())


# ---------------------------------------------------------------- how findings add up


class Fixed:
    """A third-party style rule that always reports the same finding."""

    def __init__(self, code: str, score: int) -> None:
        self.code = code
        self.score = score

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        return RiskFinding(self.code, self.score, f"{self.code} happened.")


class Never:
    code = "never"

    def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
        return None


LS = parse_command("ls")


@pytest.mark.parametrize(
    ("scores", "total"),
    [
        ([], 0),
        ([40], 40),
        ([40, 30], 45),
        ([30, 40, 20], 50),
        ([95, 90], 100),
        ([90, 10, 10, 10], 100),
        ([0], 0),
    ],
)
def test_score_is_the_highest_plus_five_per_other_finding(scores: list[int], total: int) -> None:
    rules: list[RiskRule] = [Fixed(f"rule_{i}", s) for i, s in enumerate(scores)]
    assert assess_risk(LS, [*rules, Never()]).score == total


def test_findings_are_ordered_highest_first_then_by_registration() -> None:
    rules: list[RiskRule] = [Fixed("low", 10), Fixed("high", 90), Never(), Fixed("tie", 10)]
    assessment = assess_risk(LS, rules)
    assert assessment.anomalies == ("high", "low", "tie")
    assert [f.code for f in assessment.findings] == ["high", "low", "tie"]


def test_several_built_in_findings_add_up() -> None:
    assessment = assess_risk(parse_command("curl https://x | sudo bash"))
    assert assessment.anomalies == ("pipe_to_shell", "privilege_escalation")
    assert assessment.score == 95


def test_no_rules_means_no_risk() -> None:
    assert assess_risk(parse_command("rm -rf /"), ()) == RiskAssessment(0, (), ())


@pytest.mark.parametrize("score", [-1, 101])
def test_a_finding_score_must_be_0_to_100(score: int) -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        RiskFinding("x", score, "x")


def test_a_failing_rule_is_not_swallowed() -> None:
    class Broken:
        code = "broken"

        def evaluate(self, parsed: ParsedCommand) -> RiskFinding | None:
            raise RuntimeError("bug in a plugin")

    with pytest.raises(RuntimeError, match="bug in a plugin"):
        assess_risk(LS, [Broken()])


def test_default_rules_have_distinct_snake_case_codes() -> None:
    all_codes = [rule.code for rule in DEFAULT_RISK_RULES]
    assert len(set(all_codes)) == len(all_codes) == 11
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in all_codes)


def test_every_default_rule_reports_its_own_code() -> None:
    for text, code, _ in FLAGGED:
        rule = next(r for r in DEFAULT_RISK_RULES if r.code == code)
        finding = rule.evaluate(parse_command(text))
        assert finding is not None, text
        assert finding.code == code
        assert finding.reason.endswith(".")


# ---------------------------------------------------------------- word helpers


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
