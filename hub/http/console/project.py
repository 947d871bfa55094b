"""A project's page (``/console/projects/{code}``): its filings on a timeline (a Gantt of
steps, suspensions shaded), each filing's clock, its outcomes (certificates) with their
authenticity (``Outcome.authenticity``), its open data-check findings and its change history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from starlette.requests import Request

from hub.auth import Principal
from hub.http.console.board import chosen_day
from hub.http.console.gantt import STEP_COLORS, gantt_svg
from hub.http.console.page import FINDING_FRAGMENT, ConsolePage, PageError

PROJECT = (
    """
query ProjectPage($code: String!, $day: Date!) {
  project(code: $code) {
    code name status category funding totalInvestment registeredAt
    district { code name }
    owner { name creditCode }
    provenance { connector department { shortName } syncedAt }
    filings(first: 200) {
      totalCount
      nodes {
        key status submittedAt acceptedAt completedAt timeLimitDays
        matter { code name stage }
        department { shortName }
        events { key step division actor occurredAt opinion }
        outcome {
          key decision documentType documentNumber issuedAt validUntil issuer holder
          authenticity { state keyId algorithm reason checkedAt }
        }
        sla(asOf: $day) {
          state reason limitDays elapsedWorkingDays suspendedWorkingDays remainingWorkingDays
          dueOn currentStep
        }
      }
    }
    history { seq op field oldValue newValue connector recordedAt }
  }
  findings(filter: {projectCode: $code}, first: 200) {
    totalCount
    nodes { ...ConsoleFinding }
  }
}
"""
    + FINDING_FRAGMENT
)


class ProjectPage(ConsolePage):
    path = "/console/projects/{code}"
    template = "console/project.html"
    switch = "supervise"

    async def values(self, request: Request, principal: Principal) -> Mapping[str, Any]:
        code = request.path_params["code"]
        day = chosen_day(request, request.app.state.supervision.business_day())
        data = await self.query(request, PROJECT, code=code, day=day.isoformat())
        project = data["project"]
        if project is None:
            raise PageError(404, f"There is no project with the code {code!r}.")
        filings = sorted(project["filings"]["nodes"], key=lambda f: f["submittedAt"] or f["key"])
        # Our own SVG: every text in it is escaped where it is built (hub.http.console.gantt).
        gantt = Markup(gantt_svg(filings, day))  # noqa: S704
        return {
            "project": project,
            "findings": data["findings"],
            "filings": filings,
            "gantt": gantt,
            "day": day,
            "colors": STEP_COLORS,
        }
