"""The filterable root lists (projects, filings, process events, outcomes): their table, filter
input, sort fields and default order. GraphQL connections and the streaming export read the
same definitions, so a filter means the same rows in both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table

from hub import tables
from hub.policy import SYSTEM, Viewer
from schema.filters import (
    FilingFilter,
    FilterScope,
    OutcomeFilter,
    ProcessEventFilter,
    ProjectFilter,
    condition,
)
from schema.live import live
from schema.ordering import EVENT_ORDER, FILING_ORDER, OUTCOME_ORDER, PROJECT_ORDER, OrderSpec
from schema.pagination import Ordering
from schema.types.filing import Filing
from schema.types.outcome import Outcome
from schema.types.process_event import ProcessEvent
from schema.types.project import Project


@dataclass(frozen=True, slots=True)
class RootList:
    name: str
    table: Table
    filter: type
    order: OrderSpec
    node: Callable[[Any], Any]

    def query(self, given: Any | None, scope: FilterScope) -> Select[Any]:
        """The live rows matching a filter (None: all) that the scope's viewer may read, as it
        reads them; unordered."""
        return scope.viewer.select(self.table).where(live(self.table), condition(given, scope))

    def ordering(self, order_by: list[Any] | None, viewer: Viewer = SYSTEM) -> Ordering:
        return self.order.ordering(order_by, viewer=viewer)


PROJECTS = RootList("projects", tables.projects, ProjectFilter, PROJECT_ORDER, Project.from_row)
FILINGS = RootList("filings", tables.filings, FilingFilter, FILING_ORDER, Filing.from_row)
PROCESS_EVENTS = RootList(
    "processEvents", tables.process_events, ProcessEventFilter, EVENT_ORDER, ProcessEvent.from_row
)
OUTCOMES = RootList("outcomes", tables.outcomes, OutcomeFilter, OUTCOME_ORDER, Outcome.from_row)

ROOT_LISTS: dict[str, RootList] = {
    each.name: each for each in (PROJECTS, FILINGS, PROCESS_EVENTS, OUTCOMES)
}
