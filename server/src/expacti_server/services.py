"""The long-lived objects one server process runs on, built once at startup."""

from __future__ import annotations

from dataclasses import dataclass

from expacti_server.agent_sessions.service import AgentSessionService
from expacti_server.anomalies.service import AnomalyService
from expacti_server.approvals.members import MemberService
from expacti_server.approvals.service import ApprovalService
from expacti_server.commands.activity_loader import ActivityLoader
from expacti_server.commands.reviewer_news import ReviewerNews
from expacti_server.commands.service import CommandService
from expacti_server.commands.submission import Limits
from expacti_server.db.engine import Database
from expacti_server.encryption.service import ReviewerKeyService
from expacti_server.identity.authenticator import Authenticator
from expacti_server.identity.orgs import OrgService
from expacti_server.oversight.service import OversightService
from expacti_server.realtime.reviewer_feed import ReviewerFeed
from expacti_server.recording.retention import RecordingSweeper
from expacti_server.recording.service import RecordingService
from expacti_server.recording.store import FileRecordingStore
from expacti_server.settings import Settings
from expacti_server.suggestions.service import SuggestionService
from expacti_server.targets.service import TargetGroupService
from expacti_server.whitelist.cache import WhitelistCache
from expacti_server.whitelist.preview import RulePreviewer
from expacti_server.whitelist.service import WhitelistService


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a request handler may need."""

    settings: Settings
    database: Database
    authenticator: Authenticator
    orgs: OrgService
    whitelist: WhitelistService
    targets: TargetGroupService
    keys: ReviewerKeyService
    commands: CommandService
    approvals: ApprovalService
    members: MemberService
    sessions: AgentSessionService
    anomalies: AnomalyService
    oversight: OversightService
    suggestions: SuggestionService
    recordings: RecordingService
    recording_sweeper: RecordingSweeper

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Wire the services together (no I/O happens here)."""
        database = Database(
            settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        orgs = OrgService(database)
        cache = WhitelistCache()
        targets = TargetGroupService(database)
        previewer = RulePreviewer(database, targets, cache)
        keys = ReviewerKeyService(database)
        feed = ReviewerFeed()
        approvals = ApprovalService(database, orgs)
        sessions = AgentSessionService(database)
        commands = CommandService(
            database=database,
            limits=Limits(
                max_command_bytes=settings.max_command_bytes,
                max_metadata_bytes=settings.max_metadata_bytes,
            ),
            resume_window_seconds=settings.resume_window_seconds,
            max_pending_per_agent=settings.max_pending_per_agent,
            max_pending_per_org=settings.max_pending_per_org,
            orgs=orgs,
            whitelist=cache,
            targets=targets,
            keys=keys,
            news=ReviewerNews(feed, database),
            previewer=previewer,
            approvals=approvals,
            sessions=sessions,
            activity=ActivityLoader(database),
        )
        suggestions = SuggestionService(database, cache, previewer, targets)
        commands.observe_decisions(suggestions.observe)
        recordings = RecordingService(
            database,
            FileRecordingStore(settings.data_dir / "recordings"),
            orgs,
            max_bytes=settings.recording_max_bytes,
        )
        sessions.observe_end(recordings.finish_session)
        return cls(
            settings=settings,
            database=database,
            authenticator=Authenticator(database),
            orgs=orgs,
            whitelist=WhitelistService(database, cache, previewer),
            targets=targets,
            keys=keys,
            commands=commands,
            approvals=approvals,
            members=MemberService(database, feed, approvals),
            sessions=sessions,
            anomalies=AnomalyService(database),
            oversight=OversightService(orgs, approvals, feed, targets),
            suggestions=suggestions,
            recordings=recordings,
            recording_sweeper=RecordingSweeper(
                database, recordings, idle_seconds=settings.recording_idle_seconds
            ),
        )
