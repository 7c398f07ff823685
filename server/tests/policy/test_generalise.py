"""The narrowest pattern covering a family of approved commands, and what it never covers."""

from __future__ import annotations

import pytest

from expacti_server.policy.generalise import Family, families
from expacti_server.policy.patterns import RuleType, compile_pattern


def patterns(*commands: str, min_distinct: int = 3) -> list[str]:
    return [family.pattern for family in families(commands, min_distinct=min_distinct)]


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        pytest.param(
            ["rm /tmp/build-12.log", "rm /tmp/build-13.log", "rm /tmp/build-9.log"],
            [r"rm /tmp/build-[0-9]+\.log"],
            id="numbered build, digit runs widened (9 and 12 both fit)",
        ),
        pytest.param(
            ["ls /srv/releases/r-1/bin", "ls /srv/releases/r-2/bin", "ls /srv/releases/r-30/bin"],
            ["ls /srv/releases/r-[0-9]+/bin"],
            id="middle of a path",
        ),
        pytest.param(
            ["kubectl get pods -n web", "kubectl get pods -n api", "kubectl get pods -n db"],
            ["kubectl get pods -n [A-Za-z0-9_][A-Za-z0-9_.-]*"],
            id="option value varies as a whole, never as an option",
        ),
        pytest.param(
            [
                "git pull origin release-1.4",
                "git pull origin release-1.5",
                "git pull origin release-1.6",
            ],
            [r"git pull origin release-1\.[0-9]+"],
            id="equal words stay literal",
        ),
        pytest.param(
            ["deploy.sh v1.2.3", "deploy.sh v1.2.10", "deploy.sh v1.3.0"],
            [r"deploy\.sh v1\.[0-9]+(?:\.[0-9]+)+"],
            id="versions",
        ),
        pytest.param(
            ["docker logs web-7d9f8b6c5d-x2x4z", "docker logs web-6c5d-abcde", "docker logs web-q"],
            ["docker logs web-[A-Za-z0-9_.-]+"],
            id="names after a literal prefix",
        ),
        pytest.param(
            ["cat a.txt", "cat b.txt", "cat notes.txt"],
            [r"cat [A-Za-z0-9_][A-Za-z0-9_.-]*\.txt"],
            id="word start: no leading dash or dot",
        ),
        pytest.param(
            ["cat /srv/data/a/x.txt", "cat /srv/data/b/y/z.txt", "cat /srv/data/c.txt"],
            [
                r"cat /srv/data/[A-Za-z0-9_][A-Za-z0-9_.-]*"
                r"(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\.txt"
            ],
            id="slashes only when a middle had one, no '..' segment",
        ),
        pytest.param(
            [
                "tail -n 100 /var/log/web-1.log",
                "tail -n 20 /var/log/web-2.log",
                "tail -n 5 /var/log/web-3.log",
            ],
            [r"tail -n [0-9]+ /var/log/web-[0-9]+\.log"],
            id="several words vary",
        ),
        pytest.param(
            ["echo 'x1'", "echo 'x2'", "echo 'x3'"],
            ["echo 'x[0-9]+'"],
            id="quotes kept as written",
        ),
        pytest.param(
            [
                "sudo -u deploy ls /srv/a-1",
                "sudo -u deploy ls /srv/a-2",
                "sudo -u deploy ls /srv/a-3",
            ],
            ["sudo -u deploy ls /srv/a-[0-9]+"],
            id="wrapper and program literal",
        ),
        pytest.param(
            ["kill 1234", "kill 99", "kill 4711"],
            ["kill [0-9]+"],
            id="digits may vary as a whole",
        ),
    ],
)
def test_families_get_the_narrowest_pattern(commands: list[str], expected: list[str]) -> None:
    assert patterns(*commands) == expected


@pytest.mark.parametrize(
    "commands",
    [
        pytest.param(
            ["git pull origin main", "git push origin main", "git fetch origin main"],
            id="subcommands never vary",
        ),
        pytest.param(
            ["systemctl restart nginx", "systemctl restart redis", "systemctl restart app"],
            id="letter words are the shape",
        ),
        pytest.param(
            ["cat /etc/a", "cat /srv/b", "cat /var/c"], id="whole operand without a literal"
        ),
        pytest.param(["rm -rf a-1", "rm -r a-2", "rm a-3"], id="options differ"),
        pytest.param(["ls a-1 b", "ls a-2", "ls a-3 b c"], id="word counts differ"),
        pytest.param(
            ["/opt/a.sh x-1", "/opt/b.sh x-2", "/opt/c.sh x-3"], id="program never varies"
        ),
        pytest.param(
            ["sudo -u deploy /opt/a.sh", "sudo -u deploy /opt/b.sh", "sudo -u deploy /opt/c.sh"],
            id="program behind a wrapper",
        ),
        pytest.param(
            ["bash build-1.sh", "bash build-2.sh", "bash build-3.sh"],
            id="interpreter runs its operand",
        ),
        pytest.param(
            ["ssh web-1 uptime", "ssh web-2 uptime", "ssh web-3 uptime"], id="remote command"
        ),
        pytest.param(
            ["find /srv/a-1 -delete", "find /srv/a-2 -delete", "find /srv/a-3 -delete"], id="find"
        ),
        pytest.param(
            [
                "kubectl exec web-1 -- ls a-1",
                "kubectl exec web-1 -- ls a-2",
                "kubectl exec web-1 -- ls a-3",
            ],
            id="after --",
        ),
        pytest.param(
            ["rm -rf build-1; ls", "rm -rf build-2; ls", "rm -rf build-3; ls"], id="compound"
        ),
        pytest.param(["echo $HOME-1", "echo $HOME-2", "echo $HOME-3"], id="expansion"),
        pytest.param(["ls > out-1", "ls > out-2", "ls > out-3"], id="redirection"),
        pytest.param(["echo `id`-1", "echo `id`-2", "echo `id`-3"], id="backticks"),
        pytest.param(["cat a\\ 1", "cat a\\ 2", "cat a\\ 3"], id="escapes"),
        pytest.param(["ls build-1", "ls  build-2", "ls build-3"], id="odd spacing drops a member"),
        pytest.param(["ls x-1", "ls x-2"], id="too few"),
        pytest.param(["ls x-1", "ls x-1", "ls x-1"], id="one distinct command"),
        pytest.param(["ls x-1", "ls x-", "ls x-3"], id="an empty middle"),
        pytest.param(
            ["cat /srv/../a-1", "cat /srv/../a-2", "cat /srv/.."], id="dot-dot in a middle"
        ),
        pytest.param(["ls 'a 1 x'", "ls 'b 2 y'", "ls 'c 3 z'"], id="a middle with a space"),
        pytest.param(
            ["if true; then ls a-1; fi", "if true; then ls a-2; fi", "if true; then ls a-3; fi"],
            id="control flow",
        ),
    ],
)
def test_never_generalised(commands: list[str]) -> None:
    assert patterns(*commands) == []


def test_families_are_counted_by_distinct_commands_and_the_threshold_is_configurable() -> None:
    assert patterns("ls x-1", "ls x-2", min_distinct=2) == ["ls x-[0-9]+"]
    found = families(["ls x-2", "  ls x-1", "ls x-2", "ls x-3 "])
    assert found == [Family("ls x-[0-9]+", ("ls x-1", "ls x-2", "ls x-3"))]


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        pytest.param(
            ["deploy --token=abc1 web-1", "deploy --token=zz-2 web-2", "deploy --token=q.3 web-3"],
            ["deploy --token=[A-Za-z0-9_.-]+ web-[0-9]+"],
            id="option with a secret value",
        ),
        pytest.param(
            ["mysql -u r -pS3cret db-1", "mysql -u r -pS3cret db-2", "mysql -u r -pS3cret db-3"],
            ["mysql -u r -p[A-Za-z0-9_.-]+ db-[0-9]+"],
            id="the same secret everywhere is still never literal",
        ),
        pytest.param(
            [
                'curl -H "Authorization: Bearer t0k3n-a" https://x/1',
                'curl -H "Authorization: Bearer t0k3n-b" https://x/2',
                'curl -H "Authorization: Bearer t0k3n-c" https://x/3',
            ],
            ['curl -H "Authorization: Bearer [A-Za-z0-9_.-]+" https://x/[0-9]+'],
            id="bearer token inside quotes",
        ),
        pytest.param(
            [
                "gh run list --repo a/b ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
                "gh run list --repo a/b ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2",
                "gh run list --repo a/b ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3",
            ],
            ["gh run list --repo a/b [A-Za-z0-9_][A-Za-z0-9_.-]*"],
            id="a whole-word token",
        ),
    ],
)
def test_secrets_always_vary(commands: list[str], expected: list[str]) -> None:
    found = patterns(*commands)
    assert found == expected
    assert not any(s in found[0] for s in ("S3cret", "abc1", "t0k3n", "ghp_"))


def test_a_secret_that_cannot_be_covered_safely_drops_the_family() -> None:
    # base64 with '+' and '=' is not a name: no class covers it.
    assert patterns(*(f"deploy --password=a+b{n}= x" for n in range(3))) == []


SHELL_SYNTAX = [";", "|", "&", "$", "`", "<", ">", "(", ")", "\n", "\\", "#"]
FAMILIES = [
    ["rm /tmp/build-12.log", "rm /tmp/build-13.log", "rm /tmp/build-9.log"],
    ["kubectl get pods -n web", "kubectl get pods -n api", "kubectl get pods -n db"],
    ["cat /srv/data/a/x.txt", "cat /srv/data/b/y/z.txt", "cat /srv/data/c.txt"],
    ["deploy --token=abc1 web-1", "deploy --token=zz-2 web-2", "deploy --token=q.3 web-3"],
    ["docker logs web-7d9f8b6c5d-x2x4z", "docker logs web-6c5d-abcde", "docker logs web-q"],
]


@pytest.mark.parametrize("commands", FAMILIES)
def test_no_pattern_matches_shell_syntax_anywhere(commands: list[str]) -> None:
    (family,) = families(commands)
    compiled = compile_pattern(family.pattern, RuleType.REGEX)
    for member in commands:
        assert compiled.matches(member)
        for position in range(len(member) + 1):
            for char in SHELL_SYNTAX:
                probe = member[:position] + char + member[position:]
                assert not compiled.matches(probe), (family.pattern, probe)
        for tail in ("; rm -rf /", " && id", " | sh", " > /etc/passwd", " $(id)", "\nid"):
            assert not compiled.matches(member + tail)


@pytest.mark.parametrize(
    ("commands", "escape"),
    [
        (FAMILIES[1], "kubectl get pods -n -A"),
        (FAMILIES[1], "kubectl get pods -n --all-namespaces"),
        (FAMILIES[2], "cat /srv/data/../../etc/shadow.txt"),
        (FAMILIES[2], "cat /srv/data/a/../../../etc/shadow.txt"),
        (FAMILIES[2], "cat /srv/data/.ssh/id.txt"),
        (FAMILIES[0], "rm /tmp/build-1.log /etc/passwd"),
        (FAMILIES[0], "rm -rf /tmp/build-1.log"),
    ],
)
def test_patterns_never_admit_options_traversal_or_extra_words(
    commands: list[str], escape: str
) -> None:
    (family,) = families(commands)
    assert not compile_pattern(family.pattern, RuleType.REGEX).matches(escape)


def test_a_glob_star_would_match_shell_syntax_so_patterns_are_regexes() -> None:
    # The reason the generaliser never writes globs: '*' matches any character but newline.
    glob = compile_pattern("rm /tmp/build-*.log", RuleType.GLOB)
    assert glob.matches("rm /tmp/build-1.log; rm -rf /; echo .log")
    assert glob.matches("rm /tmp/build-$(id).log")
