"""Filings (申报), their process events (办理过程) and outcomes (办理结果).

A project files for a set of matters in stage order; a matter whose prerequisites are in the
set is filed only after they were approved. Every step happens on a working day, durations are
planned in working days, and the project's timeline is placed so that its activity class holds at
``as_of``: ACTIVE projects have open filings and activity in the last weeks, IDLE ones nothing for
more than two months, DONE ones only closed filings.

The time-limit rule the data is built for is ``hub.sla``'s: the working days after the day a
filing was accepted, up to the day it was completed (or ``as_of`` while open), less the working
days its clock stood still, are compared to the matter's limit. Supplement loops (补齐补正) happen
before acceptance, where they stop nothing, and after it (about one filing in eight, most filings
of ``SLOW_SUPPLEMENT_MATTERS``), where the days from 补正告知 to 补正接收 do not count; a few
filings go through a special procedure (特别程序: expert review, public notice, hearing), which
stops the clock the same way. Overdue filings are at least two net working days over the limit
and the others at least one under it, so counting the acceptance day as well gives the same
answer. An open filing waiting for the applicant or a special procedure is suspended, never
overdue; the open overdue ones sit in 承办 at ``OVERDUE_DEPARTMENTS``.

The seed's story of the approval reform (审批制度改革): projects that reach a construction permit
(施工许可) and were registered before it (2010-2011) took about ``PRE_REFORM_LEAD_DAYS`` working
days from their first 立项 filing (stage LAND_PLANNING, its submission) to the completion of their
first approved CONSTRUCTION_PERMIT filing; those registered from 2012 take ``REFORM_SHARE`` of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from hub.calendar import WorkingCalendar
from hub.demo.catalogue import Catalogue, Department, Matter
from hub.demo.idle import settle_quiet
from hub.demo.names import BRANDS, person
from hub.demo.projects import Activity, Project
from hub.entities import (
    Decision,
    EventStep,
    FilingStatus,
    Funding,
    ProjectCategory,
    ProjectStatus,
    Stage,
    TimeLimitClass,
)

FILING_COUNT = 7550  # valid filings of registered projects at scale 1
OPEN_OVERDUE = 32  # open filings past their limit at scale 1 (办理环节超时)
# The departments where those sit, all in 承办 (HANDLE), at least one in each.
OVERDUE_DEPARTMENTS = ("GHJ", "RJW", "ZJJ", "SWJ", "QXJ")
# Matters (财政委, 住建局) whose filings mostly wait long for supplements after acceptance: the
# six slowest in 补齐补正, slowness being the mean of hub.sla's suspended working days over a
# matter's filings on the clock (accepted by as_of), among matters with at least five of them.
SLOW_SUPPLEMENT_MATTERS = ("CZW-001", "CZW-002", "CZW-003", "ZJJ-005", "ZJJ-006", "ZJJ-007")
SPECIAL_PROCEDURES = 8  # filings with a 特别程序 at scale 1, a quarter of them still in it
SPECIAL_DEPARTMENTS = ("GHJ", "RJW")
# Working days from the first 立项 filing to the first 施工许可 before the reform, per category.
PRE_REFORM_LEAD_DAYS = {ProjectCategory.BUILDING: 518, ProjectCategory.MUNICIPAL: 473}
OTHER_LEAD_DAYS = 495
REFORM_SHARE = 0.6  # of the pre-reform lead time, for projects registered from 2012
PRE_REFORM_SHARE = 0.4  # of the projects that reach a construction permit
PRE_REFORM_YEARS = (2010, 2011)
REFORM_YEARS = (2012, 2014)
OVERDUE_SHARE = 0.05  # of all valid filings, open or closed
MAX_FILINGS_PER_PROJECT = 12

OPEN = frozenset(
    {
        FilingStatus.SUBMITTED,
        FilingStatus.SUPPLEMENT,
        FilingStatus.ACCEPTED,
        FilingStatus.IN_PROGRESS,
    }
)
_FILINGS_PER_PROJECT = (16, 16, 15, 13, 10, 8, 6, 5, 4, 3, 2, 2)  # weights of 1..12
_OPEN_STATES = (
    FilingStatus.SUBMITTED,
    FilingStatus.SUPPLEMENT,
    FilingStatus.ACCEPTED,
    FilingStatus.IN_PROGRESS,
)
_OPEN_WEIGHTS = (10, 20, 15, 55)
# The matter every project files first: 立项 by funding.
_ENTRY = {
    Funding.GOVERNMENT: (("政府投资项目建议书审批", 0.6), ("政府投资项目可行性研究报告审批", 0.4)),
    Funding.SOCIAL: (("企业投资项目备案", 0.7), ("企业投资项目核准", 0.3)),
}
# Steps a division takes (the window takes the others); the decision is the decider's.
_DIVISION_STEPS = (
    EventStep.HANDLE,
    EventStep.REVIEW,
    EventStep.SPECIAL_PROCEDURE_STARTED,
    EventStep.SPECIAL_PROCEDURE_ENDED,
)
_PERMIT_RANK = 3.0  # Matter.stage_rank of CONSTRUCTION_PERMIT
_OFFICE_MINUTES = tuple(range(9 * 60, 11 * 60 + 50)) + tuple(range(14 * 60, 17 * 60 + 50))
_LATEST = 21 * 60  # same-day steps after this are one minute apart
_RECEIVED = "已收到补正材料，材料齐全"
_ACCEPTED = "材料齐全，符合法定形式，予以受理"
_HANDLED = "已承办，进入审查"
# Special procedures: what starts one and what ends it.
_SPECIAL = (
    ("专家评审", "专家评审结束，形成评审意见"),
    ("公示", "公示期满，无异议"),
    ("听证", "听证会已举行，听证结束"),
)
# Opinions of review, decision and completion, approved or not.
_YES = ("经审查，符合相关规定，拟同意", "同意", "办结，准予许可")
_NO = ("经审查，不符合相关规定，拟不予许可", "不同意", "办结，不予许可")


@dataclass(slots=True)
class Event:
    step: EventStep
    occurred_at: datetime
    division: str
    actor: str
    opinion: str
    updated_at: datetime
    native_id: int = 0


@dataclass(slots=True)
class Outcome:
    decision: Decision
    document_type: str
    issued_at: datetime
    valid_until: date | None
    issuer: str
    holder: str
    attributes: dict[str, Any]
    updated_at: datetime
    document_number: str = ""
    native_id: int = 0
    # Authenticity (hub.demo.signing): what the issuing department signs, and with which key.
    holder_credit_code: str | None = None
    document_sha256: str | None = None
    signing_key_id: str | None = None
    signature_algorithm: str | None = None
    signature: str | None = None  # written into the source by hub.demo.signing.sign_sources
    plant: str | None = None  # the hub.demo.signing.Plant it is, if planted
    signed_valid_until: date | None = None  # the altered plant's valid_until when signed


@dataclass(slots=True, eq=False)
class Filing:
    project: Project | None  # None for an orphan (its project is not registered)
    matter: Matter
    source: str
    status: FilingStatus = FilingStatus.APPROVED
    overdue: bool = False
    special: bool = False  # goes through a special procedure (特别程序)
    orphan_code: str = ""
    submitted_at: datetime = datetime(2000, 1, 1)
    accepted_at: datetime | None = None
    completed_at: datetime | None = None
    updated_at: datetime = datetime(2000, 1, 1)
    events: list[Event] = field(default_factory=list)
    outcome: Outcome | None = None
    native_id: int = 0

    @property
    def project_code(self) -> str:
        return self.project.code if self.project is not None else self.orphan_code

    @property
    def department_code(self) -> str:
        return self.matter.department_code

    @property
    def time_limit_days(self) -> int:
        return self.matter.time_limit_days

    @property
    def materials(self) -> tuple[str, ...]:
        return self.matter.materials


@dataclass(frozen=True, slots=True)
class _Suspension:
    """A pause of the clock ``days`` working days long, ``at`` net working days after acceptance:
    its opening step and, unless it is still open at as_of, its closing step."""

    at: int
    days: int
    opening: tuple[EventStep, str]
    closing: tuple[EventStep, str] | None


@dataclass(slots=True)
class _Plan:
    """A filing's steps in working-day offsets: (day, step, opinion)."""

    submitted: int
    steps: list[tuple[int, EventStep, str]]
    end: int  # the last day with a step (or the submission)
    now: int = 0  # for an open filing: working days from submission to as_of

    def shifted(self, by: int) -> _Plan:
        return _Plan(
            self.submitted + by, [(d + by, s, o) for d, s, o in self.steps], self.end + by, self.now
        )


def filing_counts(rng: random.Random, projects: list[Project], total: int) -> None:
    """Give each project a number of filings so that they add up to exactly ``total``."""
    sizes = range(1, MAX_FILINGS_PER_PROJECT + 1)
    for project in projects:
        project.filing_count = rng.choices(sizes, _FILINGS_PER_PROJECT)[0]
    if not len(projects) <= total <= len(projects) * MAX_FILINGS_PER_PROJECT:
        raise ValueError(f"cannot spread {total} filings over {len(projects)} projects")
    difference = total - sum(p.filing_count for p in projects)
    while difference:
        project = projects[rng.randrange(len(projects))]
        if difference > 0 and project.filing_count < MAX_FILINGS_PER_PROJECT:
            project.filing_count += 1
            difference -= 1
        elif difference < 0 and project.filing_count > 1:
            project.filing_count -= 1
            difference += 1


class FilingPlanner:
    """Chooses matters and statuses (phase 1), overdue and special-procedure filings (phase 2)
    and lays out the timelines with events and outcomes (phase 3), each project's in its
    cohort."""

    def __init__(
        self, rng: random.Random, catalogue: Catalogue, calendar: WorkingCalendar, as_of: datetime
    ) -> None:
        self.rng = rng
        self.catalogue = catalogue
        self.calendar = calendar
        self.as_of = as_of
        self.earliest = date(as_of.year - 7, 1, 1)  # timelines start in the seven years before
        # The last working day whose steps (all before 22:00) are before as_of.
        last_day = as_of.date() if as_of.time() >= time(22, 0) else as_of.date() - timedelta(days=1)
        self.now_index = calendar.working_index(last_day)
        by_name = {m.name: m for m in catalogue.matters}
        self._entry = {
            funding: ([by_name[n] for n, _ in options], [w for _, w in options])
            for funding, options in _ENTRY.items()
        }
        self._pools: dict[tuple[Any, Any], tuple[list[Matter], list[float]]] = {}
        self._closure: dict[str, tuple[str, ...]] = {}
        self._order = {m.code: i for i, m in enumerate(catalogue.matters)}
        self._system = {d.code: d.system for d in catalogue.departments}
        self.staff = {d.code: [person(rng) for _ in range(12)] for d in catalogue.departments}

    # -- phase 1: matters and statuses ---------------------------------------------------------

    def choose(self, project: Project) -> list[Filing]:
        """The project's filings in stage order, with their final statuses."""
        matters = self._select(project)
        filings = [Filing(project, m, self._system[m.department_code]) for m in matters]
        self._statuses(project, filings)
        return filings

    def _select(self, project: Project) -> list[Matter]:
        rng = self.rng
        options, weights = self._entry[project.funding]
        entry = rng.choices(options, weights)[0]
        if project.funding is Funding.GOVERNMENT:
            project.approval_type = "01"
        else:
            project.approval_type = "02" if "核准" in entry.name else "03"
        chosen: dict[str, Matter] = {entry.code: entry}
        pool, cumulative = self._pool(project)
        eligible = {m.code for m in pool}
        tries = 0
        while len(chosen) < project.filing_count and tries < 200:
            tries += 1
            candidate = rng.choices(pool, cum_weights=cumulative)[0]
            if candidate.code in chosen:
                continue
            needed = [c for c in self._closure_of(candidate) if c not in chosen]
            if any(c not in eligible for c in needed):
                continue
            if len(chosen) + len(needed) + 1 > project.filing_count:
                continue
            for code in needed:
                chosen[code] = self.catalogue.matter(code)
            chosen[candidate.code] = candidate
        if len(chosen) < project.filing_count:  # fill with matters that need nothing first
            free = [m for m in pool if not m.prerequisites and m.code not in chosen]
            for matter in rng.sample(free, project.filing_count - len(chosen)):
                chosen[matter.code] = matter
        order = self._order
        return sorted(chosen.values(), key=lambda m: (m.stage_rank, order[m.code]))

    def _pool(self, project: Project) -> tuple[list[Matter], list[float]]:
        key = (project.category, project.funding)
        if key not in self._pools:
            pool = [
                m
                for m in self.catalogue.matters
                if (m.funding is None or m.funding is project.funding)
                and (not m.categories or project.category in m.categories)
            ]
            cumulative: list[float] = []
            running = 0.0
            for matter in pool:
                running += matter.weight
                cumulative.append(running)
            self._pools[key] = (pool, cumulative)
        return self._pools[key]

    def _closure_of(self, matter: Matter) -> tuple[str, ...]:
        if matter.code not in self._closure:
            found: list[str] = []
            for code in matter.prerequisites:
                for inner in (*self._closure_of(self.catalogue.matter(code)), code):
                    if inner not in found:
                        found.append(inner)
            self._closure[matter.code] = tuple(found)
        return self._closure[matter.code]

    def _statuses(self, project: Project, filings: list[Filing]) -> None:
        rng = self.rng
        required = {code for f in filings for code in f.matter.prerequisites}
        leaves = [f for f in filings if f.matter.code not in required]
        # A 立项 filing stays closed once the project files for its construction permit, so the
        # first 立项 filing precedes the permit.
        permit = any(f.matter.stage is Stage.CONSTRUCTION_PERMIT for f in filings)
        can_open = [
            f
            for f in leaves
            if f.matter.time_limit_class is not TimeLimitClass.IMMEDIATE
            and not (permit and f.matter.stage is Stage.LAND_PLANNING)
        ]
        opened: list[Filing] = []
        if project.activity is Activity.ACTIVE:
            if not can_open:
                project.activity = Activity.DONE
            else:
                roll = rng.random()
                count = min(len(can_open), 1 if roll < 0.7 else 2 if roll < 0.95 else 3)
                opened = rng.sample(can_open[-max(count, 3) :], count)
                for filing in opened:
                    filing.status = rng.choices(_OPEN_STATES, _OPEN_WEIGHTS)[0]
        elif project.activity is Activity.IDLE and can_open and rng.random() < 0.6:
            filing = can_open[-1]
            filing.status = (
                FilingStatus.SUPPLEMENT if rng.random() < 0.45 else FilingStatus.IN_PROGRESS
            )
            opened.append(filing)
        closed_leaves = [f for f in leaves if f not in opened]
        for filing in closed_leaves:
            roll = rng.random()
            if roll < 0.03:
                filing.status = FilingStatus.REJECTED
            elif roll < 0.045:
                filing.status = FilingStatus.WITHDRAWN
        idle = project.activity is Activity.IDLE
        if idle and not opened and closed_leaves and rng.random() < 0.25:
            closed_leaves[-1].status = FilingStatus.REJECTED

    # -- phase 2: overdue and special procedures ---------------------------------------------------

    def mark_overdue(self, filings: list[Filing], *, open_target: int, total_target: int) -> None:
        """Mark exactly ``open_target`` open and ``total_target`` filings in all as overdue
        (fewer if there are not enough candidates). Open overdue filings are in 承办 at
        ``OVERDUE_DEPARTMENTS``, at least one in each: filings stuck in an idle project there
        are overdue by nature and counted first; the other stuck ones wait for a supplement
        instead."""
        rng = self.rng
        in_progress = [f for f in filings if f.status is FilingStatus.IN_PROGRESS]
        stuck = [f for f in in_progress if f.project and f.project.activity is Activity.IDLE]
        active = [f for f in in_progress if f.project and f.project.activity is not Activity.IDLE]
        rng.shuffle(stuck)
        late: list[Filing] = []
        for department in OVERDUE_DEPARTMENTS:
            if len(late) >= open_target:
                break
            mine = [f for f in stuck if f.department_code == department]
            mine = mine[:1] or [f for f in active if f.department_code == department]
            if mine:
                late.append(rng.choice(mine))
        chosen = {id(f) for f in late}
        eligible = [
            f for f in stuck if f.department_code in OVERDUE_DEPARTMENTS and id(f) not in chosen
        ]
        late += eligible[: max(0, open_target - len(late))]
        chosen = {id(f) for f in late}
        for filing in stuck:
            if id(filing) not in chosen:
                filing.status = FilingStatus.SUPPLEMENT
        pool = [
            f for f in active if f.department_code in OVERDUE_DEPARTMENTS and id(f) not in chosen
        ]
        late += rng.sample(pool, min(len(pool), max(0, open_target - len(late))))
        closed = [f for f in filings if f.status in (FilingStatus.APPROVED, FilingStatus.REJECTED)]
        late += rng.sample(closed, min(len(closed), max(0, total_target - len(late))))
        for filing in late:
            filing.overdue = True

    def mark_special(self, filings: list[Filing], target: int) -> None:
        """Send ``target`` filings of ``SPECIAL_DEPARTMENTS`` through a special procedure: three
        quarters of them closed (approved, on time or not), the rest still in it at as_of."""
        rng = self.rng

        def eligible(filing: Filing) -> bool:
            matter = filing.matter
            return (
                matter.department_code in SPECIAL_DEPARTMENTS
                and matter.time_limit_days >= 10
                and matter.code not in SLOW_SUPPLEMENT_MATTERS
            )

        still = round(target / 4)
        open_pool = [
            f
            for f in filings
            if f.status is FilingStatus.IN_PROGRESS
            and not f.overdue
            and f.project is not None
            and f.project.activity is Activity.ACTIVE
            and eligible(f)
        ]
        closed_pool = [f for f in filings if f.status is FilingStatus.APPROVED and eligible(f)]
        chosen = rng.sample(open_pool, min(len(open_pool), still))
        chosen += rng.sample(closed_pool, min(len(closed_pool), target - len(chosen)))
        for filing in chosen:
            filing.special = True

    # -- phase 3: timelines ----------------------------------------------------------------------

    def lay_out(self, project: Project, filings: list[Filing]) -> None:
        rng = self.rng
        project.status = self._project_status(project, filings)
        first = rng.randint(2, 60)
        closed = [f for f in filings if f.status not in OPEN]
        opened = [f for f in filings if f.status in OPEN]
        plans: dict[int, _Plan] = {}
        ends: dict[str, int] = {}
        previous: int | None = None
        for filing in closed:
            start = first if previous is None else previous + rng.randint(0, 20)
            for code in filing.matter.prerequisites:
                if code in ends:
                    start = max(start, ends[code] + rng.randint(3, 60))
            plan = self._closed_plan(filing, start)
            plans[id(filing)] = plan
            ends[filing.matter.code] = plan.end
            previous = start
        settled = max((p.end for p in plans.values()), default=first)
        if opened:
            relative = [(f, self._open_plan(f)) for f in opened]
            now = max(settled + rng.randint(1, 10) + plan.now for _, plan in relative)
            tail = now - settled
        else:
            tail = self._quiet_days(project)
        # The registration's working-day index: the timeline ends as planned at as_of, unless
        # the project reaches its construction permit and moves into its cohort.
        offset = self.now_index - tail - settled
        lead = self._lead_time(closed, plans)
        if lead is not None:
            offset = self._stretch(project, closed, plans, lead, settled + tail)
        if opened:
            now = self.now_index - offset
            for filing, plan in relative:
                plans[id(filing)] = plan.shifted(now - plan.now)
        registered = self.calendar.nth_working_day(offset)
        if registered < self.earliest:
            raise ValueError(f"project {project.index}'s timeline starts before {self.earliest}")
        project.registered_at = datetime(registered.year, registered.month, registered.day)
        last = project.registered_at
        for filing in filings:
            self._stamp_filing(filing, plans[id(filing)], offset)
            last = max(last, filing.submitted_at, *(e.occurred_at for e in filing.events))
        project.last_activity = last
        project.updated_at = min(last + timedelta(minutes=rng.randint(5, 90)), self.as_of)

    @staticmethod
    def _lead_time(closed: list[Filing], plans: dict[int, _Plan]) -> int | None:
        """Working days from the first 立项 filing's submission to the completion of the first
        approved construction permit, as planned (None if the project gets no permit)."""
        land = [plans[id(f)].submitted for f in closed if f.matter.stage is Stage.LAND_PLANNING]
        permits = [
            plans[id(f)].end
            for f in closed
            if f.matter.stage is Stage.CONSTRUCTION_PERMIT and f.status is FilingStatus.APPROVED
        ]
        if not land or not permits:
            return None
        return min(permits) - min(land)

    def _stretch(
        self,
        project: Project,
        closed: list[Filing],
        plans: dict[int, _Plan],
        lead: int,
        span: int,
    ) -> int:
        """Place a project that reaches its construction permit in its cohort: registered in
        ``PRE_REFORM_YEARS`` or ``REFORM_YEARS``, with the cohort's lead time to the permit (the
        permit stage and later move later). ``span`` is the planned working days from
        registration to as_of; returns the registration's working-day index."""
        rng = self.rng
        base = PRE_REFORM_LEAD_DAYS.get(project.category, OTHER_LEAD_DAYS)
        latest = self.now_index - span  # the registration that keeps the planned tail
        reform_starts = self.calendar.working_index(date(REFORM_YEARS[0], 1, 1)) + 1
        # A timeline too long to start after 2012 began belongs to the earlier cohort.
        pre_reform = rng.random() < PRE_REFORM_SHARE or latest < reform_starts
        years = PRE_REFORM_YEARS if pre_reform else REFORM_YEARS
        low = self.calendar.working_index(date(years[0], 1, 1)) + 1
        high = self.calendar.working_index(date(years[1], 12, 31))
        target = round(base * (1.0 if pre_reform else REFORM_SHARE) * rng.uniform(0.8, 1.2))
        # The later cohort must still start after 2012 began; the earlier one may start sooner.
        room = target if pre_reform else latest - low
        delay = max(0, min(target - lead, room))
        if delay:
            for filing in closed:
                if filing.matter.stage_rank >= _PERMIT_RANK:
                    plans[id(filing)] = plans[id(filing)].shifted(delay)
        latest -= delay
        latest = min(latest, high)
        return rng.randint(low, latest) if low <= latest else latest

    def _project_status(self, project: Project, filings: list[Filing]) -> ProjectStatus:
        approved = {f.matter.stage for f in filings if f.status is FilingStatus.APPROVED}
        if project.activity is Activity.IDLE:
            suspended = self.rng.random() < 0.3
            return ProjectStatus.SUSPENDED if suspended else ProjectStatus.UNDER_APPROVAL
        if project.activity is Activity.DONE and Stage.COMPLETION_ACCEPTANCE in approved:
            return ProjectStatus.COMPLETED
        if Stage.CONSTRUCTION_PERMIT in approved:
            return ProjectStatus.UNDER_CONSTRUCTION
        if project.activity is Activity.DONE and len(filings) == 1:
            return ProjectStatus.PLANNING
        return ProjectStatus.UNDER_APPROVAL

    def _quiet_days(self, project: Project) -> int:
        """Working days between a project's last step and as_of when nothing is open."""
        rng = self.rng
        if project.activity is Activity.IDLE:
            return rng.randint(45, 180)
        if project.status in (ProjectStatus.UNDER_CONSTRUCTION, ProjectStatus.COMPLETED):
            return rng.randint(0, 400)
        quiet = rng.randint(0, 30) if rng.random() < 0.5 else rng.randint(45, 400)
        return settle_quiet(project, quiet)

    def _supplements(self, matter: Matter, start: int, loops: int, out: list[Any]) -> int:
        rng = self.rng
        current = start
        for _ in range(loops):
            requested = current + rng.randint(0, 2)
            wait = rng.randint(15, 40) if rng.random() < 0.12 else rng.randint(1, 10)
            out.append((requested, EventStep.SUPPLEMENT_REQUESTED, _missing(rng, matter)))
            out.append((requested + wait, EventStep.SUPPLEMENT_RECEIVED, _RECEIVED))
            current = requested + wait
        return current

    def _pauses(self, filing: Filing, handled: int, net: int) -> list[_Suspension]:
        """The clock's pauses after acceptance, between 承办 (``handled``) and the end (``net``
        working days after acceptance, not counting the pauses): supplement loops, for slow
        matters most of the time and long, and the filing's special procedure."""
        rng = self.rng
        if net <= handled:
            return []
        matter = filing.matter
        pauses: list[_Suspension] = []
        slow = matter.code in SLOW_SUPPLEMENT_MATTERS
        if rng.random() < (0.85 if slow else 0.12):
            for _ in range(rng.randint(1, 2) if slow else 1):
                pauses.append(
                    _Suspension(
                        rng.randint(handled, net - 1),
                        rng.randint(20, 45) if slow else rng.randint(1, 10),
                        (EventStep.SUPPLEMENT_REQUESTED, _missing(rng, matter)),
                        (EventStep.SUPPLEMENT_RECEIVED, _RECEIVED),
                    )
                )
        if filing.special:
            started, ended = rng.choice(_SPECIAL)
            pauses.append(
                _Suspension(
                    rng.randint(handled, net - 1),
                    rng.randint(5, 20),
                    (EventStep.SPECIAL_PROCEDURE_STARTED, started),
                    (EventStep.SPECIAL_PROCEDURE_ENDED, ended),
                )
            )
        return sorted(pauses, key=lambda pause: pause.at)

    @staticmethod
    def _paused(
        accepted: int,
        milestones: list[tuple[int, EventStep, str]],
        pauses: list[_Suspension],
        end: int,
    ) -> tuple[list[tuple[int, EventStep, str]], int]:
        """The steps after acceptance on the working-day line, ``milestones`` given in net days
        after acceptance, every pause moving what follows it later; and ``end``'s day."""
        steps: list[tuple[int, EventStep, str]] = []
        shift = 0
        pending = list(pauses)
        for offset, step, opinion in [*milestones, (end, None, "")]:
            while pending and pending[0].at < offset:
                pause = pending.pop(0)
                steps.append((accepted + pause.at + shift, *pause.opening))
                shift += pause.days
                if pause.closing is not None:
                    steps.append((accepted + pause.at + shift, *pause.closing))
            if step is not None:
                steps.append((accepted + offset + shift, step, opinion))
        return steps, accepted + end + shift

    def _closed_plan(self, filing: Filing, start: int) -> _Plan:
        rng = self.rng
        matter = filing.matter
        limit = matter.time_limit_days
        immediate = matter.time_limit_class is TimeLimitClass.IMMEDIATE
        steps: list[tuple[int, EventStep, str]] = []
        roll = rng.random()
        loops = 0 if roll < 0.7 else 1 if roll < 0.92 else 2
        accepted = self._supplements(matter, start, loops, steps)
        accepted += 0 if immediate else rng.randint(0, 1)
        # Net working days on the clock, pauses not counted.
        if filing.overdue:
            net = rng.randint(limit + 2, limit + 2 + max(3, limit // 2))
        elif immediate:
            net = 0
        else:
            net = rng.randint(max(1, limit // 4), limit - 1)
        steps.append((accepted, EventStep.ACCEPT, _ACCEPTED))
        status = filing.status
        pauses: list[_Suspension] = []
        if status is FilingStatus.WITHDRAWN:
            net = rng.randint(0, max(0, min(net, limit - 1)))
            milestones = [
                (net // 2, EventStep.HANDLE, _HANDLED),
                (net, EventStep.COMPLETE, "申请人申请撤回，终止办理"),
            ]
        elif immediate and not filing.overdue:
            done = "即办件，当场办结" if status is FilingStatus.APPROVED else "办结，不予许可"
            milestones = [(0, EventStep.COMPLETE, done)]
        else:
            yes = status is FilingStatus.APPROVED
            review, decide, complete = _YES if yes else _NO
            handled = round(net * 0.25)
            milestones = [
                (handled, EventStep.HANDLE, _HANDLED),
                (round(net * 0.6), EventStep.REVIEW, review),
                (round(net * 0.9), EventStep.DECIDE, decide),
                (net, EventStep.COMPLETE, complete),
            ]
            if not immediate:
                pauses = self._pauses(filing, handled, net)
        handling, end = self._paused(accepted, milestones, pauses, net)
        return _Plan(start, steps + handling, end)

    def _open_plan(self, filing: Filing) -> _Plan:
        """An open filing's plan from its submission (day 0); ``now`` is as_of's offset."""
        rng = self.rng
        matter = filing.matter
        limit = matter.time_limit_days
        idle = filing.project is not None and filing.project.activity is Activity.IDLE
        steps: list[tuple[int, EventStep, str]] = []
        status = filing.status
        if status is FilingStatus.SUBMITTED:
            return _Plan(0, steps, 0, now=rng.randint(0, 4))
        current = self._supplements(matter, 0, 1 if rng.random() < 0.25 else 0, steps)
        waiting = status is FilingStatus.SUPPLEMENT
        if waiting and (idle or rng.random() < 0.5):  # asked for more before acceptance
            requested = current + rng.randint(0, 3)
            steps.append((requested, EventStep.SUPPLEMENT_REQUESTED, _missing(rng, matter)))
            wait = rng.randint(45, 150) if idle else rng.randint(1, 25)
            return _Plan(0, steps, requested, now=requested + wait)
        accepted = current + rng.randint(0, 1)
        steps.append((accepted, EventStep.ACCEPT, _ACCEPTED))
        if status is FilingStatus.ACCEPTED:
            return _Plan(0, steps, accepted, now=accepted + rng.randint(0, min(limit - 1, 10)))
        handled = rng.randint(0, min(3, limit - 1))
        if waiting or filing.special:  # the clock stands still at as_of
            steps.append((accepted + handled, EventStep.HANDLE, _HANDLED))
            paused = accepted + rng.randint(handled, limit - 1)
            if waiting:
                steps.append((paused, EventStep.SUPPLEMENT_REQUESTED, _missing(rng, matter)))
                return _Plan(0, steps, paused, now=paused + rng.randint(1, 25))
            steps.append((paused, EventStep.SPECIAL_PROCEDURE_STARTED, rng.choice(_SPECIAL)[0]))
            return _Plan(0, steps, paused, now=paused + rng.randint(1, 15))
        if idle:
            net = max(limit + 2, handled + rng.randint(45, 150))
        elif filing.overdue:
            net = rng.randint(limit + 2, limit + 2 + max(3, limit // 2))
        else:
            net = rng.randint(max(1, handled), limit - 1)
        milestones = [(handled, EventStep.HANDLE, _HANDLED)]
        # Overdue filings are still in 承办 at as_of; the others may be under review.
        if not idle and not filing.overdue and net - handled > 15:
            milestones.append(
                (net - rng.randint(0, 10), EventStep.REVIEW, "审查中，已组织现场踏勘")
            )
        elif not idle and not filing.overdue and net - handled >= 2 and rng.random() < 0.5:
            milestones.append((rng.randint(handled, net), EventStep.REVIEW, "审查中"))
        pauses = [] if idle or filing.overdue else self._pauses(filing, handled, net)
        handling, now = self._paused(accepted, milestones, pauses, net)
        steps += handling
        return _Plan(0, steps, steps[-1][0], now=now)

    def _stamp_filing(self, filing: Filing, plan: _Plan, offset: int) -> None:
        rng = self.rng
        department = self.catalogue.department(filing.department_code)
        staff = self.staff[department.code]
        division = rng.choice(department.divisions)
        clerk, handler, decider = rng.choice(staff), rng.choice(staff), rng.choice(staff)
        filing.submitted_at = current = self._stamp(plan.submitted + offset, None)
        events: list[Event] = []
        for day, step, opinion in sorted(plan.steps, key=lambda s: s[0]):
            current = self._stamp(day + offset, current)
            if step in _DIVISION_STEPS:
                where, who = division, handler
            elif step is EventStep.DECIDE:
                where, who = division, decider
            else:
                where, who = department.window, clerk
            updated = min(current + timedelta(minutes=rng.randint(1, 20)), self.as_of)
            events.append(Event(step, current, where, who, opinion, updated))
            if step is EventStep.ACCEPT:
                filing.accepted_at = current
            elif step is EventStep.COMPLETE:
                filing.completed_at = current
        filing.events = events
        filing.updated_at = min(current + timedelta(minutes=rng.randint(1, 30)), self.as_of)
        if filing.status in (FilingStatus.APPROVED, FilingStatus.REJECTED):
            filing.outcome = self._outcome(filing, department)

    def _stamp(self, index: int, after: datetime | None) -> datetime:
        day = self.calendar.nth_working_day(index)
        if after is not None and after.date() >= day:
            minutes = after.hour * 60 + after.minute
            step = self.rng.randint(3, 40) if minutes < _LATEST else 1
            return after + timedelta(minutes=step)
        minute = self.rng.choice(_OFFICE_MINUTES)
        second = self.rng.randint(0, 59)
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60, second)

    def _outcome(self, filing: Filing, department: Department) -> Outcome:
        rng = self.rng
        project = filing.project
        assert project is not None and filing.completed_at is not None
        approved = filing.status is FilingStatus.APPROVED
        issued = filing.completed_at
        document = filing.matter.document_type if approved else "不予行政许可决定书"
        valid_until = None
        if approved and ("许可证" in document or "批复" in document):
            valid_until = _years_later(issued.date(), 2) - timedelta(days=1)
        elif approved and "意见" in document:
            valid_until = _years_later(issued.date(), 1) - timedelta(days=1)
        return Outcome(
            decision=Decision.APPROVED if approved else Decision.REJECTED,
            document_type=document,
            issued_at=issued,
            valid_until=valid_until,
            issuer=department.name,
            holder=project.owner_name,
            attributes=_attributes(rng, filing, project),
            updated_at=min(issued + timedelta(minutes=rng.randint(5, 60)), self.as_of),
        )

    # -- orphans ---------------------------------------------------------------------------------

    def orphan(self, matter: Matter, code: str) -> Filing:
        """A filing submitted for a project code that is not (yet) registered."""
        system = self.catalogue.department(matter.department_code).system
        filing = Filing(None, matter, system, status=FilingStatus.SUBMITTED, orphan_code=code)
        filing.submitted_at = self._stamp(self.now_index - self.rng.randint(0, 15), None)
        filing.updated_at = filing.submitted_at + timedelta(minutes=self.rng.randint(1, 30))
        return filing


def number_documents(filings: list[Filing], catalogue: Catalogue) -> None:
    """Document numbers run per issuing abbreviation and year in the order of issue, e.g.
    深规许字[2014]0123号; refusals are numbered 深规不许字[2014]0007号."""
    outcomes = sorted(
        ((f.outcome.issued_at, f.source, f.native_id, f) for f in filings if f.outcome),
        key=lambda t: t[:3],
    )
    counters: dict[tuple[str, int], int] = {}
    for issued, _, _, filing in outcomes:
        assert filing.outcome is not None
        abbr = catalogue.department(filing.department_code).doc_abbr
        kind = filing.matter.doc_code if filing.outcome.decision is Decision.APPROVED else "不许"
        key = (abbr + kind, issued.year)
        counters[key] = counters.get(key, 0) + 1
        filing.outcome.document_number = f"{abbr}{kind}字[{issued.year}]{counters[key]:04d}号"


def _missing(rng: random.Random, matter: Matter) -> str:
    return f"材料不齐全，请补正：{rng.choice(matter.materials)}"


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _attributes(rng: random.Random, filing: Filing, project: Project) -> dict[str, Any]:
    department = filing.department_code
    if department == "GHJ":
        return {
            "parcel": project.parcel,
            "land_area_m2": project.land_area,
            "floor_area_m2": project.floor_area,
            "land_use": project.land_use,
            "plot_ratio": round(project.floor_area / project.land_area, 1),
        }
    if department == "ZJJ":
        return {
            "floor_area_m2": project.floor_area,
            "contract_price_wan": round(project.total_investment * rng.uniform(0.55, 0.8), 2),
            "contractor": f"深圳市{rng.choice(BRANDS)}建筑工程有限公司",
        }
    if department == "FGW":
        return {"total_investment_wan": project.total_investment, "scale": project.description}
    if department == "RJW":
        name = filing.matter.name
        category = "报告书" if "报告书" in name else "登记表" if "登记表" in name else "报告表"
        return {"eia_category": category, "total_investment_wan": project.total_investment}
    return {"scale": project.description}
