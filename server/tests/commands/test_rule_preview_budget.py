"""A rule preview that runs out of time says so, and saving then needs a confirmation."""

from __future__ import annotations

import pytest

from expacti_server.commands.submission import Submission
from expacti_server.errors import RuleMatchesDenied
from expacti_server.policy.patterns import RuleType
from expacti_server.services import Services
from expacti_server.whitelist import preview as preview_module
from expacti_server.whitelist.preview import RuleDraft
from tests.commands.conftest import principals


async def test_running_out_of_time_fails_closed(
    core: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent, reviewer = await principals(core)
    for number in range(3):
        await core.commands.submit(
            agent, Submission(request_id=f"b-{number}", command="make deploy"), origin="http"
        )
    draft = RuleDraft(pattern="make deploy", type=RuleType.EXACT, scope="global")
    previewer = core.whitelist.previewer

    full = await previewer.preview(reviewer.org_id, draft)
    assert (full.complete, full.scanned, full.matched) == (True, 3, 3)
    await previewer.refuse_if_denied_matches(reviewer.org_id, draft)  # nothing denied: fine

    monkeypatch.setattr(preview_module, "BUDGET_SECONDS", -1.0)
    cut = await previewer.preview(reviewer.org_id, draft)
    assert (cut.complete, cut.scanned) == (False, 0)
    with pytest.raises(RuleMatchesDenied) as refused:
        await previewer.refuse_if_denied_matches(reviewer.org_id, draft)
    assert refused.value.details["complete"] is False
    assert "could not be checked" in refused.value.message
