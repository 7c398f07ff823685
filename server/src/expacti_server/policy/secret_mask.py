"""Find the values in a command that look like secrets, and mask them.

Suggestions learnt from past decisions show examples of the commands they
cover and may be built from them; neither may repeat a token or a password
an agent once typed. ``secret_spans`` says where the secret values are (the
value only: ``token=`` and ``Bearer`` stay readable), ``mask`` replaces each
with ``****``.

These are heuristics tuned to over-mask: a git commit hash is long hex and
is masked too. What they find:

* ``KEY=value`` / ``KEY: value`` where the key names a token, secret,
  password (passwd, pwd), API key, auth or credential, including options
  such as ``--password=…`` and ``--token …``;
* ``mysql -p…`` (the password glued to ``-p``), ``docker login -p …``,
  ``sshpass -p …``, ``curl -u user:…``;
* ``Authorization: Bearer …`` / ``Basic …`` and any ``Bearer …``;
* known token formats: expacti keys, AWS access key ids (AKIA/ASIA…),
  GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Slack (xox…), JWTs;
* PEM private keys, from the BEGIN line to the END line;
* passwords in URLs (``https://user:pass@host``);
* long high-entropy runs: 32+ characters of hex or base64.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

__all__ = ["MASK", "mask", "secret_spans"]

MASK = "****"

# A value: quoted as a whole, or a run of characters up to a blank or quote.
_VALUE = r"""(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s'"]+)"""
_SECRET_WORD = r"(?:token|secret|passw(?:or)?d|pwd|api[-_]?key|auth(?!or)|credential)"  # noqa: S105
# Bounded, so that a long run of word characters costs linear time, not quadratic.
_KEY = rf"[A-Za-z0-9_.-]{{0,64}}{_SECRET_WORD}[A-Za-z0-9_.-]{{0,64}}"
_WORD_START = r"(?<![A-Za-z0-9_.-])"

# Each finds a secret: the group "value" if it has one, else the whole match.
_RULES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(source)
    for source in (
        # KEY=value, --password=value, "password": value
        rf"(?i){_WORD_START}{_KEY}(?:\s*=|[\"']\s*:)\s*{_VALUE}",
        # X-Api-Key: value, password: value (a header or YAML; Authorization is below)
        rf"(?i){_WORD_START}{_KEY}:\s+(?!(?:bearer|basic|token|digest)\s){_VALUE}",
        # --password value, --token value (the option and its value as two words)
        rf"(?i){_WORD_START}--?{_KEY}\s+(?!-){_VALUE}",
        # curl -u user:password, --user user:password
        r"(?:^|\s)(?:-u|--user)\s*[^\s:'\"]+:(?P<value>[^\s'\"]+)",
        # mysql -psecret (the password glued to -p; -P is the port)
        r"\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n;|&]*?\s-p(?P<value>[^\s'\"]+)",
        # docker login -p secret, sshpass -p secret
        rf"\b(?:(?:docker|podman|nerdctl)\s+login|sshpass)\b[^\n;|&]*?\s-p\s*{_VALUE}",
        # Authorization: Bearer x / Basic x / Token x, and any "Bearer x"
        rf"(?i)authorization\s*:\s*(?:(?:bearer|basic|token|digest)\s+)?{_VALUE}",
        r"(?i)\bbearer\s+(?P<value>[A-Za-z0-9._~+/=-]+)",
        # scheme://user:password@host
        r"://[^/\s:@]+:(?P<value>[^/\s@]+)@",
        # Known token formats
        r"\bexpacti_(?:agent_|reviewer_)?[A-Za-z0-9_-]{16,}",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}",
        r"\bgithub_pat_[A-Za-z0-9_]{20,}",
        r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        # A PEM private key: the header stays readable, the rest is masked
        r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?P<value>.*?-----END [A-Z0-9 ]*-----|.*)",
    )
)

# Runs that might be random: base64 (standard and URL-safe) or hex, 32+ characters.
_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/_=-])")
_HEX = re.compile(r"[0-9a-fA-F]+")


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Where the secret values in ``text`` are: sorted, non-overlapping ``(start, end)``."""
    found = sorted(_candidates(text))
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask(text: str) -> str:
    """``text`` with every secret value replaced by ``****``."""
    spans = secret_spans(text)
    if not spans:
        return text
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(text[position:start])
        out.append(MASK)
        position = end
    out.append(text[position:])
    return "".join(out)


def _candidates(text: str) -> Iterator[tuple[int, int]]:
    for rule in _RULES:
        for match in rule.finditer(text):
            group = "value" if "value" in rule.groupindex else 0
            if not _is_reference(match.group(group)):
                yield match.span(group)
    for match in _RUN.finditer(text):
        if _looks_random(match.group(0)):
            yield match.span()


def _is_reference(value: str) -> bool:
    """``$TOKEN`` or ``${TOKEN}``: a variable's name, not its value, so nothing to hide."""
    return re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", value.strip("\"'")) is not None


def _looks_random(run: str) -> bool:
    body = run.rstrip("=")
    if "/" in body and all(len(segment) < 24 for segment in body.split("/")):
        return False  # a path, not a key: /usr/local/lib/python3/site-packages
    if _HEX.fullmatch(body):
        return _entropy(body) >= 3.0 and not body.isdigit()
    mixed = any(c.isupper() for c in body) and any(c.islower() for c in body)
    return mixed and any(c.isdigit() for c in body) and _entropy(body) >= 4.0


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
