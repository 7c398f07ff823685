"""Every domain's tables, imported in one place so migrations see them all."""

from __future__ import annotations

from expacti_server.agent_sessions.models import AgentSession
from expacti_server.anomalies.models import AnomalyEvent
from expacti_server.approvals.models import ApprovalPolicy
from expacti_server.audit.models import AuditChainHead, AuditEvent
from expacti_server.commands.models import Command
from expacti_server.db.base import Base
from expacti_server.encryption.models import ReviewerKey
from expacti_server.identity.models import Agent, Credential, Org, Reviewer, ReviewerSession
from expacti_server.recording.models import Execution, Recording
from expacti_server.suggestions.models import RuleSuggestion
from expacti_server.targets.models import TargetGroup
from expacti_server.whitelist.models import WhitelistRule

metadata = Base.metadata

__all__ = [
    "Agent",
    "AgentSession",
    "AnomalyEvent",
    "ApprovalPolicy",
    "AuditChainHead",
    "AuditEvent",
    "Command",
    "Credential",
    "Execution",
    "Org",
    "Recording",
    "Reviewer",
    "ReviewerKey",
    "ReviewerSession",
    "RuleSuggestion",
    "TargetGroup",
    "WhitelistRule",
    "metadata",
]
