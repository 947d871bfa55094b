"""The prerequisite engine (前置): for every filing, the state of each matter its matter requires
by the catalogue, in one set-based statement.

For a filing of project P and matter M, used at instant U (its acceptance; before it is
accepted, the end of the as-of day), each matter R that M's ``prerequisites`` lists is:

- SATISFIED by an approving outcome of a filing of P for R issued by U and valid on U's day
  (``valid_until`` empty or not before it); the latest such outcome is named;
- EXPIRED when outcomes were issued by U but every one's validity ended before U's day;
- SATISFIED_LATE when the only approving outcomes were issued after U (the filing was accepted
  before its prerequisite was approved); the earliest is named;
- MISSING when P has no approving outcome for R at all.

The catalogue is read in SQL (``hub.checks.sql.prerequisite_pairs``), so a change of a matter's
prerequisites counts at the next question without any re-registration.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.sql import Subquery

from hub import tables
from hub.checks.sql import live, prerequisite_pairs
from hub.entities import Decision, FilingStatus
from hub.sla import cutoff
from hub.store import Store


class PrerequisiteState(enum.Enum):
    SATISFIED = "SATISFIED"
    SATISFIED_LATE = "SATISFIED_LATE"
    EXPIRED = "EXPIRED"
    MISSING = "MISSING"


# Violations: a filing accepted while the prerequisite was not in force.
VIOLATIONS = frozenset(
    {PrerequisiteState.MISSING, PrerequisiteState.SATISFIED_LATE, PrerequisiteState.EXPIRED}
)
_RANK = {
    PrerequisiteState.SATISFIED: 0,
    PrerequisiteState.EXPIRED: 1,
    PrerequisiteState.SATISFIED_LATE: 2,
    PrerequisiteState.MISSING: 3,
}


def valid_through(store: Store, valid_until: ColumnElement[Any]) -> ColumnElement[Any]:
    """The first instant after a validity's last day in China time, as naive UTC (how the store
    keeps datetimes): a document valid until D may be used before D + 1 day - 8 hours."""
    if store.is_postgres:
        return cast(valid_until, DateTime()) + func.make_interval(0, 0, 0, 0, 16)
    return func.datetime(valid_until, "+16 hours")


def prerequisite_states(store: Store, as_of: date) -> Subquery:
    """Per live filing and required matter: ``filing_key``, ``project_code``, ``matter_code``,
    ``required_code``, ``used_at``, ``state`` and the outcome it names (``outcome_key``,
    ``issued_at``), one row each, from one statement."""
    f = tables.filings
    g = tables.filings.alias("prerequisite_filing")
    o = tables.outcomes
    pairs = prerequisite_pairs(store)
    used = func.coalesce(f.c.accepted_at, literal(cutoff(as_of), DateTime()))
    in_force = o.c.valid_until.is_(None) | (used < valid_through(store, o.c.valid_until))
    # An outcome without an issue time is taken as issued in time: no evidence against it.
    issued = func.coalesce(o.c.issued_at, used)
    rank = case(
        (o.c.key.is_(None), _RANK[PrerequisiteState.MISSING]),
        (and_(issued <= used, in_force), _RANK[PrerequisiteState.SATISFIED]),
        (issued <= used, _RANK[PrerequisiteState.EXPIRED]),
        else_=_RANK[PrerequisiteState.SATISFIED_LATE],
    )
    # Of several outcomes, the best state wins; within it the latest issued, except that a late
    # one is named by the earliest (how late the filing was accepted).
    late = rank == _RANK[PrerequisiteState.SATISFIED_LATE]
    order = (rank, case((late, o.c.issued_at)).asc(), o.c.issued_at.desc(), o.c.key)
    ranked = (
        select(
            f.c.key.label("filing_key"),
            f.c.project_code.label("project_code"),
            f.c.matter_code.label("matter_code"),
            pairs.c.required_code.label("required_code"),
            used.label("used_at"),
            rank.label("rank"),
            o.c.key.label("outcome_key"),
            o.c.issued_at.label("issued_at"),
            func.row_number()
            .over(partition_by=(f.c.key, pairs.c.required_code), order_by=order)
            .label("n"),
        )
        .select_from(
            f.join(pairs, pairs.c.matter_code == f.c.matter_code)
            .outerjoin(
                g,
                and_(
                    g.c.project_code == f.c.project_code,
                    g.c.matter_code == pairs.c.required_code,
                    live(g),
                ),
            )
            .outerjoin(
                o,
                and_(
                    o.c.filing_key == g.c.key,
                    o.c.decision == Decision.APPROVED.value,
                    live(o),
                ),
            )
        )
        .where(live(f))
        .subquery("ranked_prerequisites")
    )
    state = case(
        *((ranked.c.rank == n, literal(s.value)) for s, n in _RANK.items()),
    )
    return (
        select(
            ranked.c.filing_key,
            ranked.c.project_code,
            ranked.c.matter_code,
            ranked.c.required_code,
            ranked.c.used_at,
            state.label("state"),
            ranked.c.outcome_key,
            ranked.c.issued_at,
        )
        .where(ranked.c.n == 1)
        .subquery("prerequisite_states")
    )


def violations(store: Store, as_of: date) -> Select[Any]:
    """Accepted filings with a prerequisite not in force when they were accepted: one row per
    filing and required matter."""
    states = prerequisite_states(store, as_of)
    f = tables.filings
    return (
        select(states)
        .join(f, f.c.key == states.c.filing_key)
        .where(
            f.c.accepted_at.is_not(None),
            states.c.state.in_(sorted(s.value for s in VIOLATIONS)),
        )
    )


@dataclass(frozen=True, slots=True)
class PrerequisiteStatus:
    """One required matter of one filing, as of a day."""

    filing_key: str
    matter_code: str  # the required matter
    state: PrerequisiteState
    outcome_key: str | None
    issued_at: datetime | None


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open filing of a project waiting on a prerequisite, and the department that owes it."""

    project_code: str
    filing_key: str
    matter_code: str  # the waiting filing's matter
    required_code: str
    state: PrerequisiteState
    department_code: str | None  # the department of the required matter


OPEN_STATUSES = (
    FilingStatus.SUBMITTED.value,
    FilingStatus.ACCEPTED.value,
    FilingStatus.IN_PROGRESS.value,
    FilingStatus.SUPPLEMENT.value,
)


async def of_filings(
    store: Store, keys: Sequence[str], as_of: date
) -> dict[str, list[PrerequisiteStatus]]:
    """The prerequisites of the filings ``keys`` (by required matter code), one statement."""
    states = prerequisite_states(store, as_of)
    query = (
        select(states)
        .where(states.c.filing_key.in_(list(keys)))
        .order_by(states.c.filing_key, states.c.required_code)
    )
    found: dict[str, list[PrerequisiteStatus]] = defaultdict(list)
    async with store.read() as conn:
        for row in await conn.execute(query):
            found[row.filing_key].append(
                PrerequisiteStatus(
                    row.filing_key,
                    row.required_code,
                    PrerequisiteState(row.state),
                    row.outcome_key,
                    row.issued_at,
                )
            )
    return found


async def waiting_on(store: Store, codes: Sequence[str], as_of: date) -> dict[str, list[Waiting]]:
    """Per project of ``codes``: its open filings' prerequisites not in force, one statement."""
    states = prerequisite_states(store, as_of)
    f, m = tables.filings, tables.matters
    query = (
        select(states, m.c.department_code)
        .join(f, f.c.key == states.c.filing_key)
        .outerjoin(m, and_(m.c.code == states.c.required_code, live(m)))
        .where(
            states.c.project_code.in_(list(codes)),
            f.c.status.in_(OPEN_STATUSES),
            states.c.state != PrerequisiteState.SATISFIED.value,
        )
        .order_by(states.c.project_code, states.c.filing_key, states.c.required_code)
    )
    found: dict[str, list[Waiting]] = defaultdict(list)
    async with store.read() as conn:
        for row in await conn.execute(query):
            found[row.project_code].append(
                Waiting(
                    row.project_code,
                    row.filing_key,
                    row.matter_code,
                    row.required_code,
                    PrerequisiteState(row.state),
                    row.department_code,
                )
            )
    return found


async def next_matters(store: Store, codes: Sequence[str], as_of: date) -> dict[str, list[str]]:
    """Per project of ``codes``: the matters it can file now, one statement. A matter can be
    filed when it has prerequisites, each approved for the project by an outcome in force at
    the end of ``as_of``, and the project has no filing of it that is open or approved."""
    pairs = prerequisite_pairs(store)
    p, g, o, f = (
        tables.projects,
        tables.filings.alias("required_filing"),
        tables.outcomes,
        tables.filings,
    )
    moment = literal(cutoff(as_of), DateTime())
    in_force = exists().where(
        g.c.project_code == p.c.code,
        g.c.matter_code == pairs.c.required_code,
        live(g),
        o.c.filing_key == g.c.key,
        live(o),
        o.c.decision == Decision.APPROVED.value,
        func.coalesce(o.c.issued_at, moment) <= moment,
        o.c.valid_until.is_(None) | (moment < valid_through(store, o.c.valid_until)),
    )
    filed = exists().where(
        f.c.project_code == p.c.code,
        f.c.matter_code == pairs.c.matter_code,
        live(f),
        f.c.status.in_((*OPEN_STATUSES, FilingStatus.APPROVED.value)),
    )
    query = (
        select(p.c.code, pairs.c.matter_code)
        .select_from(p.join(pairs, true()))
        .where(p.c.code.in_(list(codes)), live(p), ~filed)
        .group_by(p.c.code, pairs.c.matter_code)
        .having(func.min(case((in_force, 1), else_=0)) == 1)
        .order_by(p.c.code, pairs.c.matter_code)
    )
    found: dict[str, list[str]] = defaultdict(list)
    async with store.read() as conn:
        for code, matter in await conn.execute(query):
            found[code].append(matter)
    return found
