"""The demo's consistency with its permits, and the data problems planted in it on purpose so
that each data-check rule (``hub.checks``) has a handful of violations to find.

The generator lays a project's filings out first and gives it the status of the phase it
reached; ``settle_statuses`` then makes the status agree with its permits (a project is only
UNDER_CONSTRUCTION with an approved construction permit, only COMPLETED with a completion
acceptance as well) and ``extend_validity`` extends (延续) a permit that a later filing of the
same project relies on beyond the day it is used. ``plant`` then breaks exactly
``PLANTED[rule]`` records per rule, chosen by their own random stream from filings that no
other figure of the demo depends on (closed long before the demo day, in stages the lead-time
and overdue stories do not read), and returns them so tests can tell planted from generated.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from hub.demo.catalogue import Catalogue, Matter
from hub.demo.filings import Filing
from hub.demo.projects import Project
from hub.entities import Decision, EventStep, FilingStatus, ProjectStatus, Stage

# The matters whose approval is a construction permit, and a completion acceptance, by name
# (their variants, e.g. （变更）, count too).
CONSTRUCTION_PERMITS = ("建筑工程施工许可证核发", "公路建设项目施工许可")
COMPLETION_ACCEPTANCES = ("建设工程竣工验收备案", "水利工程竣工验收", "公路工程交工验收")
# Violations planted per rule; stale_source has none: the demo's sources are synced when read.
PLANTED = {
    "unknown_matter_code": 3,
    "unknown_department_code": 2,
    "filing_before_project": 2,
    "events_out_of_order": 3,
    "status_contradicts_outcome": 3,
    "project_status_contradicts_permits": 3,
    "prerequisite_violation": 3,
    "duplicate_document_number": 4,  # two pairs of outcomes sharing a number
}
# Filings the other stories read: the lead time runs from 立项 to the construction permit.
_READ_STAGES = (Stage.LAND_PLANNING, Stage.CONSTRUCTION_PERMIT)
_QUIET_BEFORE = datetime(2013, 1, 1)  # planted filings closed before this


def permit_codes(catalogue: Catalogue, names: tuple[str, ...]) -> list[str]:
    """The codes of the matters called ``names`` or a variant of one."""
    return [m.code for m in catalogue.matters if m.name.startswith(names)]


def settle_statuses(catalogue: Catalogue, projects: list[Project], filings: list[Filing]) -> None:
    """Each project's status as its approved permits allow; ``reached_construction`` keeps
    whether its phase was building (the demo's idle projects are the others)."""
    permits = set(permit_codes(catalogue, CONSTRUCTION_PERMITS))
    acceptances = set(permit_codes(catalogue, COMPLETION_ACCEPTANCES))
    approved: dict[int, set[str]] = defaultdict(set)
    for filing in filings:
        if filing.project is not None and filing.status is FilingStatus.APPROVED:
            approved[filing.project.index].add(filing.matter.code)
    for project in projects:
        building = project.status in (ProjectStatus.UNDER_CONSTRUCTION, ProjectStatus.COMPLETED)
        project.reached_construction = building
        if not building:
            continue
        have = approved[project.index]
        if not have & permits:
            project.status = ProjectStatus.UNDER_APPROVAL
        elif project.status is ProjectStatus.COMPLETED and not have & acceptances:
            project.status = ProjectStatus.UNDER_CONSTRUCTION


def extend_validity(filings: list[Filing], as_of: datetime) -> None:
    """A permit used by a later filing of its project is extended to 90 days past that use."""
    by_matter: dict[tuple[str, str], list[Filing]] = defaultdict(list)
    for filing in filings:
        if filing.project is not None:
            by_matter[(filing.project_code, filing.matter.code)].append(filing)
    for filing in filings:
        if filing.project is None:
            continue
        used = (filing.accepted_at or as_of).date()
        for code in filing.matter.prerequisites:
            for required in by_matter.get((filing.project_code, code), ()):
                outcome = required.outcome
                if outcome is None or outcome.valid_until is None:
                    continue
                if outcome.valid_until < used:
                    outcome.valid_until = used + timedelta(days=90)


@dataclass(slots=True)
class Planted:
    """What ``plant`` broke, per rule: the filings, projects or outcomes' filings."""

    filings: dict[str, list[Filing]] = field(default_factory=dict)
    projects: dict[str, list[Project]] = field(default_factory=dict)

    def count(self, rule: str) -> int:
        """How many violations of ``rule`` were planted (fewer than ``PLANTED`` says at small
        scales, where fewer records qualify)."""
        return len(self.filings.get(rule, ())) + len(self.projects.get(rule, ()))

    def touched(self) -> set[int]:
        """The ids of every planted filing (of every rule)."""
        return {id(f) for chosen in self.filings.values() for f in chosen}


def plant(
    seed: int, catalogue: Catalogue, projects: list[Project], filings: list[Filing]
) -> Planted:
    """Break ``PLANTED`` records, each of a different filing (see the module docstring)."""
    rng = random.Random(f"{seed}/planted")
    planted = Planted()
    required = {code for m in catalogue.matters for code in m.prerequisites}
    permits = set(permit_codes(catalogue, CONSTRUCTION_PERMITS + COMPLETION_ACCEPTANCES))
    used: set[int] = set()
    quiet = [
        f
        for f in filings
        if f.project is not None
        and f.status is FilingStatus.APPROVED
        and f.outcome is not None
        and f.completed_at is not None
        and f.completed_at < _QUIET_BEFORE
        and f.matter.stage not in _READ_STAGES
        and f.matter.code not in required
        and f.matter.code not in permits
        and not f.overdue
        and not f.special
    ]

    def pick(rule: str, count: int, pool: list[Filing]) -> list[Filing]:
        free = [f for f in pool if id(f) not in used]
        chosen = rng.sample(free, min(count, len(free)))
        used.update(id(f) for f in chosen)
        planted.filings.setdefault(rule, []).extend(chosen)
        return chosen

    platform = [f for f in quiet if f.source == "platform"]
    for number, filing in enumerate(pick("unknown_matter_code", 3, platform), start=1):
        code = f"{filing.matter.department_code}-9{number:02d}"
        filing.matter = _renamed(filing.matter, code=code)
    for filing in pick("unknown_department_code", 2, platform):
        filing.matter = _renamed(filing.matter, department_code="JXB")
    for filing in pick("filing_before_project", 2, _first_filings(quiet)):
        assert filing.project is not None
        filing.submitted_at = filing.project.registered_at - timedelta(days=3, hours=-10)
    disorders = (_complete_before_accept, _receive_before_request, _submit_after_accept)
    chosen = pick("events_out_of_order", len(disorders), _with_supplements(quiet))
    for filing, disorder in zip(chosen, disorders, strict=False):
        disorder(filing)
    contradictions = (_drop_outcome, _drop_outcome, _reopen)
    chosen = pick("status_contradicts_outcome", len(contradictions), quiet)
    for filing, contradiction in zip(chosen, contradictions, strict=False):
        contradiction(filing)
    _plant_project_statuses(rng, projects, planted)
    _plant_prerequisites(rng, filings, permits, used, planted)
    paired = pick("duplicate_document_number", 4, quiet)
    if len(paired) % 2:  # a number is shared by pairs
        used.discard(id(paired.pop()))
        planted.filings["duplicate_document_number"] = paired
    for original, copy in zip(paired[0::2], paired[1::2], strict=True):
        assert original.outcome is not None and copy.outcome is not None
        copy.outcome.document_number = original.outcome.document_number
    return planted


def _renamed(matter: Matter, *, code: str = "", department_code: str = "") -> Matter:
    """A matter the catalogue does not have (its code or department changed)."""
    return replace(
        matter, code=code or matter.code, department_code=department_code or matter.department_code
    )


def _first_filings(filings: list[Filing]) -> list[Filing]:
    """Of ``filings``, those submitted first in their project."""
    first: dict[str, Filing] = {}
    for filing in sorted(filings, key=lambda f: f.submitted_at):
        first.setdefault(filing.project_code, filing)
    return sorted(first.values(), key=lambda f: (f.project_code, f.matter.code))


def _with_supplements(filings: list[Filing]) -> list[Filing]:
    return [
        f
        for f in filings
        if any(e.step is EventStep.SUPPLEMENT_REQUESTED for e in f.events)
        and any(e.step is EventStep.SUPPLEMENT_RECEIVED for e in f.events)
    ]


def _complete_before_accept(filing: Filing) -> None:
    assert filing.accepted_at is not None
    filing.completed_at = filing.accepted_at - timedelta(days=1)


def _submit_after_accept(filing: Filing) -> None:
    assert filing.accepted_at is not None
    filing.submitted_at = filing.accepted_at + timedelta(hours=1)


def _drop_outcome(filing: Filing) -> None:
    """APPROVED, but its outcome never reached the hub."""
    filing.outcome = None


def _reopen(filing: Filing) -> None:
    """Still IN_PROGRESS by its status, with its outcome issued."""
    filing.status = FilingStatus.IN_PROGRESS


def _receive_before_request(filing: Filing) -> None:
    """The supplement's receipt recorded an hour before its request."""
    requested = next(e for e in filing.events if e.step is EventStep.SUPPLEMENT_REQUESTED)
    received = next(e for e in filing.events if e.step is EventStep.SUPPLEMENT_RECEIVED)
    requested.occurred_at = received.occurred_at + timedelta(hours=1)
    requested.updated_at = max(requested.updated_at, requested.occurred_at)


def _plant_project_statuses(rng: random.Random, projects: list[Project], planted: Planted) -> None:
    """Two projects UNDER_CONSTRUCTION without a permit, one COMPLETED without acceptance."""
    old = [p for p in projects if p.registered_at < datetime(2011, 1, 1)]
    approval = [p for p in old if p.status is ProjectStatus.UNDER_APPROVAL]
    building = [p for p in old if p.status is ProjectStatus.UNDER_CONSTRUCTION]
    without_permit = rng.sample(approval, min(2, len(approval)))
    without_acceptance = rng.sample(building, min(1, len(building)))
    for project in without_permit:
        project.status = ProjectStatus.UNDER_CONSTRUCTION
    for project in without_acceptance:
        project.status = ProjectStatus.COMPLETED
    planted.projects["project_status_contradicts_permits"] = without_permit + without_acceptance


def _plant_prerequisites(
    rng: random.Random,
    filings: list[Filing],
    permits: set[str],
    used: set[int],
    planted: Planted,
) -> None:
    """Three accepted filings whose one prerequisite is then not in force: its permit expired
    before, was issued after, or was refused."""
    of: dict[tuple[str, str], list[Filing]] = defaultdict(list)
    for filing in filings:
        if filing.project is not None:
            of[(filing.project_code, filing.matter.code)].append(filing)
    pairs: list[tuple[Filing, Filing]] = []
    for filing in filings:
        if (
            filing.project is None
            or filing.accepted_at is None
            or filing.completed_at is None
            or filing.completed_at >= _QUIET_BEFORE
            or len(filing.matter.prerequisites) != 1
        ):
            continue
        (code,) = filing.matter.prerequisites
        found = of.get((filing.project_code, code), [])
        if len(found) != 1 or found[0].outcome is None or code in permits:
            continue
        if found[0].matter.stage in _READ_STAGES:
            continue
        (required,) = found
        # The prerequisite serves this filing alone, so breaking it breaks one finding.
        dependents = [
            f
            for f in filings
            if f.project_code == filing.project_code and code in f.matter.prerequisites
        ]
        if len(dependents) == 1 and id(required) not in used and id(filing) not in used:
            pairs.append((filing, required))
    breaks = (_expire, _issue_late, _refuse)
    chosen = rng.sample(pairs, min(len(breaks), len(pairs)))
    for (dependent, required), breaking in zip(chosen, breaks, strict=False):
        used.update((id(dependent), id(required)))
        breaking(dependent, required)
    planted.filings["prerequisite_violation"] = [dependent for dependent, _ in chosen]


def _expire(dependent: Filing, required: Filing) -> None:
    assert dependent.accepted_at is not None and required.outcome is not None
    required.outcome.valid_until = dependent.accepted_at.date() - timedelta(days=1)


def _issue_late(dependent: Filing, required: Filing) -> None:
    assert dependent.accepted_at is not None and required.outcome is not None
    required.outcome.issued_at = dependent.accepted_at + timedelta(days=2)
    required.outcome.valid_until = None


def _refuse(dependent: Filing, required: Filing) -> None:
    assert required.outcome is not None
    required.status = FilingStatus.REJECTED
    required.outcome.decision = Decision.REJECTED
    required.outcome.document_type = "不予行政许可决定书"
    required.outcome.valid_until = None
