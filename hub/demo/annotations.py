"""The causes of the demo's idle projects (项目滞后原因), as the platform's supervision module
(督办) records them, and the figures ``idleStats`` must show.

The projects idle as of the demo day are found here by ``hub.idle``'s rule on the demo's own data,
with the cause the default ``[idle]`` rules infer from each one's next required matter. Where that
inference already gives the cause the seed's shares call for, nobody annotates the project;
the others get an annotation from a supervisor, dated within their idle spell, so that the causes
in all follow ``CAUSE_SHARES`` (the seed: 67.96% for the seven non-land causes, 4.85% for land).
A few projects that moved on since carry an older annotation, which no longer counts. Choices are
drawn from a random stream of their own, never the planner's.
"""

from __future__ import annotations

import enum
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from hub.config import DEFAULT_CAUSES, CauseRule, IdleConfig
from hub.demo.dataset import Dataset, generate
from hub.demo.filings import OPEN, Filing
from hub.demo.names import person
from hub.demo.projects import Project
from hub.entities import FilingStatus, Stage
from hub.idle import STAGE_RANK, WAITING_RANK, months_before

MONTHS = 2  # the window the shares are planned for
# The seed's shares of the causes: the first seven sum to 67.96%, land is 4.85%.
CAUSE_SHARES: Mapping[str, float] = {
    "TENDERING": 0.15,
    "REPORT_WRITING": 0.12,
    "DESIGN": 0.12,
    "EXPERT_REVIEW": 0.07,
    "ORGANISATION": 0.09,
    "SCHEME_CHANGE": 0.06,
    "SLOW_EARLY_WORK": 0.0696,
    "LAND": 0.0485,
    "FUNDING": 0.12,
    "OTHER": 0.1519,
}
STALE_ANNOTATIONS = 12  # of projects active again since; they must not count
# The platform's cause codes (滞后原因代码), in the taxonomy's order.
CauseCode = enum.Enum("CauseCode", {c.code: c.code for c in DEFAULT_CAUSES})  # type: ignore[misc]
_NOTES = {
    "TENDERING": "施工招标尚未完成，待确定中标单位",
    "REPORT_WRITING": "评价报告编制中，尚未送审",
    "DESIGN": "施工图设计未完成",
    "EXPERT_REVIEW": "待组织专家论证",
    "ORGANISATION": "建设单位报建材料组织缓慢",
    "SCHEME_CHANGE": "建设方案调整，需重新论证",
    "SLOW_EARLY_WORK": "前期工作推进缓慢",
    "LAND": "用地尚未落实",
    "FUNDING": "建设资金未落实",
    "OTHER": "其他原因，待进一步核实",
}


@dataclass(frozen=True, slots=True)
class IdleProject:
    """A project idle at the demo day, with what ``hub.idle`` concludes about it."""

    project: Project
    since: datetime
    next_matter: str | None
    inferred: str


@dataclass(slots=True)
class DemoAnnotation:
    native_id: int
    project_code: str
    cause: enum.Enum
    note: str
    author: str
    noted_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class IdleFigures:
    """What ``idleStats`` must show as of the demo day: idle projects per cause, and of them
    the ones whose cause an annotation gives."""

    by_cause: Mapping[str, int]
    annotated: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_cause.values())


def _activity(filings: Sequence[Filing]) -> datetime | None:
    instants = [
        moment
        for f in filings
        for moment in (
            f.submitted_at,
            f.accepted_at,
            f.completed_at,
            *(e.occurred_at for e in f.events),
            f.outcome.issued_at if f.outcome is not None else None,
        )
        if moment is not None
    ]
    return max(instants, default=None)


def _approved(filings: Sequence[Filing], stage: Stage) -> bool:
    return any(f.status is FilingStatus.APPROVED and f.matter.stage is stage for f in filings)


def _next_matter(data: Dataset, filings: Sequence[Filing]) -> tuple[str, str] | None:
    """(matter code, waiting) of the project's next required matter, as ``hub.idle`` ranks it."""
    approved = {f.matter.code for f in filings if f.status is FilingStatus.APPROVED}
    filed = {f.matter.code for f in filings}
    candidates = [
        (f.matter.code, "SUPPLEMENT" if f.status is FilingStatus.SUPPLEMENT else "OPEN")
        for f in filings
        if f.status in OPEN
    ]
    candidates += [
        (f.matter.code, "REJECTED")
        for f in filings
        if f.status is FilingStatus.REJECTED and f.matter.code not in approved
    ]
    candidates += [
        (m.code, "NOT_FILED")
        for m in data.catalogue.matters
        if m.prerequisites and set(m.prerequisites) <= approved and m.code not in filed
    ]
    if not candidates:
        return None
    stage = {m.code: m.stage for m in data.catalogue.matters}
    return min(candidates, key=lambda c: (WAITING_RANK[c[1]], STAGE_RANK[stage[c[0]]], c[0]))


def _infer(data: Dataset, found: tuple[str, str] | None, config: IdleConfig) -> str:
    if found is None:
        return config.default_cause
    code, waiting = found
    matter = data.catalogue.matter(code)

    def matches(rule: CauseRule) -> bool:
        return (
            (not rule.matters or code in rule.matters)
            and (not rule.name_contains or any(t in matter.name for t in rule.name_contains))
            and (not rule.stages or matter.stage in rule.stages)
            and (not rule.waiting or waiting in rule.waiting)
        )

    return next((rule.cause for rule in config.rules if matches(rule)), config.default_cause)


def idle_projects(data: Dataset, months: int = MONTHS) -> list[IdleProject]:
    """The projects idle as of the demo day by ``hub.idle``'s rule (default ``[idle]``)."""
    config = IdleConfig()
    spell_starts = datetime.combine(months_before(data.as_of.date(), months), datetime.min.time())
    by_project: dict[int, list[Filing]] = {}
    for filing in data.filings:
        if filing.project is not None:
            by_project.setdefault(id(filing.project), []).append(filing)
    found: list[IdleProject] = []
    for project in data.projects:
        filings = by_project.get(id(project), [])
        since = _activity(filings) or project.registered_at
        if since >= spell_starts:
            continue
        withdrawn = bool(filings) and all(f.status is FilingStatus.WITHDRAWN for f in filings)
        building = _approved(filings, Stage.CONSTRUCTION_PERMIT)
        if withdrawn or building or _approved(filings, Stage.COMPLETION_ACCEPTANCE):
            continue
        next_matter = _next_matter(data, filings)
        inferred = _infer(data, next_matter, config)
        found.append(IdleProject(project, since, next_matter and next_matter[0], inferred))
    return found


def _targets(total: int) -> dict[str, int]:
    """Idle projects per cause for ``total`` of them, by largest remainder of the shares."""
    exact = {cause: share * total for cause, share in CAUSE_SHARES.items()}
    counts = {cause: int(value) for cause, value in exact.items()}
    rest = sorted(exact, key=lambda c: (counts[c] - exact[c], c))
    for cause in rest[: total - sum(counts.values())]:
        counts[cause] += 1
    return counts


def plan(data: Dataset) -> tuple[list[DemoAnnotation], IdleFigures]:
    """The platform's annotations and the figures they make."""
    rng = random.Random(f"{data.seed}/{data.scale!r}/annotations")
    idle = idle_projects(data)
    rng.shuffle(idle)
    remaining = _targets(len(idle))
    annotate: list[IdleProject] = []
    for item in idle:
        if remaining[item.inferred] > 0:
            remaining[item.inferred] -= 1
        else:
            annotate.append(item)
    owed = [cause for cause, n in remaining.items() for _ in range(n)]
    annotations: list[tuple[Project, str, datetime]] = []
    for item, cause in zip(annotate, owed, strict=True):
        spell = max(1, (data.as_of - item.since).days - 1)
        noted = item.since + timedelta(days=rng.randint(1, spell), minutes=rng.randint(0, 600))
        annotations.append((item.project, cause, min(noted, data.as_of - timedelta(hours=1))))
    # Older annotations of projects that moved on since (their activity came later).
    idle_ids = {id(item.project) for item in idle}
    recent = data.as_of - timedelta(days=365)
    moved_on = [p for p in data.projects if id(p) not in idle_ids and p.last_activity > recent]
    for project in rng.sample(moved_on, min(STALE_ANNOTATIONS, len(moved_on))):
        noted = project.last_activity - timedelta(days=rng.randint(5, 60))
        annotations.append((project, rng.choice(list(CAUSE_SHARES)), noted))
    annotations.sort(key=lambda a: (a[2], a[0].code))
    rows = [
        DemoAnnotation(
            native_id=number,
            project_code=project.code,
            cause=CauseCode[cause],
            note=_NOTES[cause],
            author=person(rng),
            noted_at=noted.replace(microsecond=0),
            updated_at=noted.replace(microsecond=0) + timedelta(minutes=rng.randint(1, 30)),
        )
        for number, (project, cause, noted) in enumerate(annotations, start=1)
    ]
    annotated_ids = {id(item.project) for item in annotate}
    by_cause = Counter(item.inferred for item in idle if id(item.project) not in annotated_ids)
    by_cause.update(owed)
    figures = IdleFigures(dict(by_cause), dict(Counter(owed)))
    return rows, figures


@lru_cache(maxsize=4)
def expected_idle(scale: float = 1.0, seed: int = 2014) -> IdleFigures:
    """The figures of ``build_demo(target, scale=scale, seed=seed)``."""
    return plan(generate(float(scale), seed))[1]
