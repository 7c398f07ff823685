"""The eight built-in risk rules, one module each, written as a third party would write one."""

from __future__ import annotations

from expacti_server.policy.risk.rules.destructive import Destructive
from expacti_server.policy.risk.rules.exfiltration import Exfiltration
from expacti_server.policy.risk.rules.novelty import Novelty
from expacti_server.policy.risk.rules.obfuscation import Obfuscation
from expacti_server.policy.risk.rules.privilege_escalation import PrivilegeEscalation
from expacti_server.policy.risk.rules.remote_code import RemoteCode
from expacti_server.policy.risk.rules.secret_access import SecretAccess
from expacti_server.policy.risk.rules.unusual_activity import UnusualActivity

__all__ = [
    "Destructive",
    "Exfiltration",
    "Novelty",
    "Obfuscation",
    "PrivilegeEscalation",
    "RemoteCode",
    "SecretAccess",
    "UnusualActivity",
]
