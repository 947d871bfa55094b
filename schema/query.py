"""The root Query."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from sqlalchemy import Select, Table, null, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import entities, tables
from hub.audit import read_entry
from hub.errors import ErrorCode
from hub.status import file_status
from hub.weeks import FutureWeekError, IsoWeek, MalformedWeekError
from schema.as_of import project_as_of
from schema.engine.internals import graphql_info
from schema.errors import ForbiddenError, UserInputError
from schema.filters import (
    FilingFilter,
    OutcomeFilter,
    ProcessEventFilter,
    ProjectFilter,
    condition,
)
from schema.idle_stats import idle_stats
from schema.lists import FILINGS, OUTCOMES, PROCESS_EVENTS, PROJECTS, RootList
from schema.live import live
from schema.nested import prefetch_project_filings
from schema.operators import naive_utc
from schema.ordering import FilingOrder, OutcomeOrder, ProcessEventOrder, ProjectOrder
from schema.pagination import Connection, Ordering, SortField, paginate
from schema.prefetch import node_field_names, prefetch_filing_children
from schema.report.weekly import build_weekly_report
from schema.stats import filing_stats, project_stats
from schema.supervision_stats import lead_time_stats, step_stats
from schema.types.applicant import Applicant, resolve_applicant
from schema.types.audit_entry import AuditEntry, AuditFilter
from schema.types.conflict import Conflict
from schema.types.department import Department
from schema.types.enums import Stage
from schema.types.filing import Filing
from schema.types.idle_stats import IdleGroup, IdleStats
from schema.types.lead_time import LeadTimeGroup, LeadTimeStats
from schema.types.matter import Matter
from schema.types.outcome import Outcome
from schema.types.process_event import ProcessEvent
from schema.types.project import Project
from schema.types.reject import Reject
from schema.types.source_file import SourceFile, SourceFileState
from schema.types.stats import FilingGroup, FilingStats, ProjectGroup, ProjectStats
from schema.types.step_stats import StepGroup, StepStats
from schema.types.sync_run import SyncRun, SyncRunFilter, sync_runs_query
from schema.types.verification import CertificateVerification, resolve_verify_certificate
from schema.types.weekly_report import WeeklyReport

if TYPE_CHECKING:
    from schema.context import Context


def _newest_first(table: Table) -> Ordering:
    return Ordering(f"{table.name}:-id", (SortField(table.c.id, descending=True),))


SYNC_RUNS_NEWEST = _newest_first(tables.sync_runs)
REJECTS_NEWEST = _newest_first(tables.rejects)
CONFLICTS_NEWEST = _newest_first(tables.conflicts)
AUDIT_NEWEST = _newest_first(tables.audit_entries)


async def _page(
    info: strawberry.Info[Context, None],
    query: Select[Any],
    ordering: Ordering,
    node: Any,
    first: int | None,
    after: str | None,
    conn: AsyncConnection | None = None,
) -> Connection[Any]:
    context = info.context
    return await paginate(
        context.store,
        query,
        ordering,
        node,
        first=context.page_size(first),
        after=after,
        conn=conn,
    )


def _operations(info: strawberry.Info[Context, None], what: str) -> None:
    """Sync runs, source files, rejects and conflicts are the operators' (hub.policy)."""
    viewer = info.context.viewer
    if not viewer.rules.operations:
        raise ForbiddenError(viewer.role, what)


async def _root_list(
    info: strawberry.Info[Context, None],
    root: RootList,
    given: Any | None,
    order_by: list[Any] | None,
    first: int | None,
    after: str | None,
    conn: AsyncConnection | None = None,
) -> Connection[Any]:
    scope = info.context.filter_scope
    ordering = root.ordering(order_by, scope.viewer)
    return await _page(info, root.query(given, scope), ordering, root.node, first, after, conn)


@strawberry.type
class Query:
    @strawberry.field(
        description="A project by its project code; null when there is none. With asOf, the "
        "project, its filings, events and outcomes as the hub knew them at that instant."
    )
    async def project(
        self, info: strawberry.Info[Context, None], code: str, as_of: datetime | None = None
    ) -> Project | None:
        if as_of is not None:
            context = info.context
            return await project_as_of(context.store, code, naive_utc(as_of), context.viewer)
        loader = info.context.loaders.project
        if loader.cache_map.get(code) is not None:
            return await loader.load(code)
        # The project (its loader's statement) and the filings pages it asks for, on one
        # connection (schema.prefetch).
        async with info.context.store.read() as conn:
            (found,) = await loader.load_fn([code], conn)  # type: ignore[call-arg]
            # The by-key batch answers rows, never exceptions (DataLoader's type allows both).
            project = cast("Project | None", found)
            loader.prime(code, project)
            if project is not None:
                await prefetch_project_filings(info, [code], conn, connection=False)
        return project

    @strawberry.field(description="Projects (a cursor connection), by code unless orderBy says.")
    async def projects(
        self,
        info: strawberry.Info[Context, None],
        filter: ProjectFilter | None = None,
        order_by: list[ProjectOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Project]:
        # The page, and the filings pages its nodes ask for, on one connection.
        async with info.context.store.read() as conn:
            page = await _root_list(info, PROJECTS, filter, order_by, first, after, conn)
            # Filings of these projects that ask for their project find it without a query.
            info.context.loaders.project.prime_many({node.code: node for node in page.nodes})
            await prefetch_project_filings(info, [node.code for node in page.nodes], conn)
        return page

    @strawberry.field(description="Filings (a cursor connection), orphans included; by key.")
    async def filings(
        self,
        info: strawberry.Info[Context, None],
        filter: FilingFilter | None = None,
        order_by: list[FilingOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Filing]:
        # The page and the children its nodes ask for, on one connection (schema.prefetch).
        async with info.context.store.read() as conn:
            page = await _root_list(info, FILINGS, filter, order_by, first, after, conn)
            names = node_field_names(graphql_info(info))
            await prefetch_filing_children(info.context.loaders, names, page.nodes, conn)
        return page

    @strawberry.field(description="Process events of all filings (a cursor connection); by key.")
    async def process_events(
        self,
        info: strawberry.Info[Context, None],
        filter: ProcessEventFilter | None = None,
        order_by: list[ProcessEventOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ProcessEvent]:
        return await _root_list(info, PROCESS_EVENTS, filter, order_by, first, after)

    @strawberry.field(
        description="One applicant by its credit code (统一社会信用代码): its projects, its "
        "certificates and every inconsistency found in them (业务真伪). Supervisors only (every "
        "record in full with sensitive clearance)."
    )
    async def applicant(self, info: strawberry.Info[Context, None], credit_code: str) -> Applicant:
        if not info.context.viewer.reads_applicants:
            raise ForbiddenError(info.context.viewer.role, "read applicants")
        return await resolve_applicant(info, credit_code)

    @strawberry.field(
        description="Verify a presented certificate (核验): its number and at least one of the "
        "holder's credit code, the holder's name and the document file's sha256. Audited."
    )
    async def verify_certificate(
        self,
        info: strawberry.Info[Context, None],
        document_number: str,
        holder_credit_code: str | None = None,
        holder_name: str | None = None,
        sha256: str | None = None,
    ) -> CertificateVerification:
        return await resolve_verify_certificate(
            info, document_number, holder_credit_code, holder_name, sha256
        )

    @strawberry.field(
        description="Outcomes of all filings (a cursor connection); by key. Filtered by "
        "documentNumber, it verifies a document (核验), which is audited."
    )
    async def outcomes(
        self,
        info: strawberry.Info[Context, None],
        filter: OutcomeFilter | None = None,
        order_by: list[OutcomeOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Outcome]:
        page = await _root_list(info, OUTCOMES, filter, order_by, first, after)
        context = info.context
        if filter is not None and filter.document_number is not None and context.audit:
            name = graphql_info(info).operation.name
            context.audit.record(
                read_entry(
                    context.viewer,
                    "verification",
                    operation=name.value if name else None,
                    fields=["outcome.document_number"],
                    records=len(page.nodes),
                )
            )
        return page

    @strawberry.field(
        description="Filings grouped by the given keys (none: one row of totals), counted and "
        "timed in SQL; groups ordered by their keys."
    )
    async def filing_stats(
        self,
        info: strawberry.Info[Context, None],
        group_by: list[FilingGroup],
        filter: FilingFilter | None = None,
        as_of: date | None = None,
    ) -> list[FilingStats]:
        context = info.context
        day = context.clock.business_day(as_of)
        return await filing_stats(context.filter_scope, group_by, filter, day)

    @strawberry.field(
        description="Working days per process step (from an event to the filing's next one), "
        "grouped; median and p90 are nearest-rank. One SQL statement."
    )
    async def step_stats(
        self,
        info: strawberry.Info[Context, None],
        group_by: list[StepGroup],
        filter: FilingFilter | None = None,
    ) -> list[StepStats]:
        context = info.context
        scope = context.filter_scope
        where = condition(filter, scope)
        return await step_stats(
            context.store,
            context.clock.clock.calendar,
            group_by,
            where,
            lambda events: scope.related("process_event", events),
        )

    @strawberry.field(
        description="Projects that reached stage `to`: working days from their first filing of "
        "stage `from` (its submission) to the completion of their first approved filing of `to`."
    )
    async def lead_time_stats(
        self,
        info: strawberry.Info[Context, None],
        from_: Annotated[Stage, strawberry.argument(name="from")],
        to: Stage,
        group_by: list[LeadTimeGroup],
        filter: ProjectFilter | None = None,
    ) -> list[LeadTimeStats]:
        context = info.context
        where = condition(filter, context.filter_scope)
        calendar = context.clock.clock.calendar
        return await lead_time_stats(context.store, calendar, from_, to, group_by, where)

    @strawberry.field(
        description="Idle projects as of a business day (default: the configured day) with no "
        "activity for more than `months` months (default [idle] months, 2), grouped by the "
        "given keys (none: one row of totals): count, share, annotated and inferred causes. "
        "One SQL statement."
    )
    async def idle_stats(
        self,
        info: strawberry.Info[Context, None],
        group_by: list[IdleGroup],
        as_of: date | None = None,
        months: int | None = None,
        filter: ProjectFilter | None = None,
    ) -> list[IdleStats]:
        context = info.context
        return await idle_stats(
            context.filter_scope, context.idle_config, group_by, filter, as_of, months
        )

    @strawberry.field(description="Projects grouped by the given keys, counted and summed in SQL.")
    async def project_stats(
        self,
        info: strawberry.Info[Context, None],
        group_by: list[ProjectGroup],
        filter: ProjectFilter | None = None,
    ) -> list[ProjectStats]:
        return await project_stats(info.context.filter_scope, group_by, filter)

    @strawberry.field(
        description="The weekly supervision report (周报) of an ISO week (e.g. 2014-W52): its "
        "figures as of the week's last day, each with the previous week's; what `hub report "
        "weekly` prints."
    )
    async def weekly_report(self, info: strawberry.Info[Context, None], week: str) -> WeeklyReport:
        context = info.context
        if not context.viewer.reads_reports:
            raise ForbiddenError(context.viewer.role, "read the weekly report")
        try:
            chosen = IsoWeek.parse(week)
            connectors = context.connector_departments
            built = await build_weekly_report(context.filter_scope, chosen, connectors)
        except MalformedWeekError as exc:
            raise UserInputError(str(exc), code=ErrorCode.BAD_WEEK) from None
        except FutureWeekError as exc:
            raise UserInputError(str(exc), code=ErrorCode.FUTURE_WEEK) from None
        return WeeklyReport.of(built)

    @strawberry.field(description="All departments, by code.")
    async def departments(self, info: strawberry.Info[Context, None]) -> list[Department]:
        d = tables.departments
        async with info.context.store.read() as conn:
            rows = (await conn.execute(select(d).where(live(d)).order_by(d.c.code))).all()
        return [Department.from_row(row) for row in rows]

    @strawberry.field(
        description="The matter catalogue by code, optionally of one department or stage."
    )
    async def matters(
        self,
        info: strawberry.Info[Context, None],
        department: str | None = None,
        stage: Stage | None = None,
    ) -> list[Matter]:
        m = tables.matters
        query = select(m).where(live(m)).order_by(m.c.code)
        if department is not None:
            query = query.where(m.c.department_code == department)
        if stage is not None:
            query = query.where(m.c.stage == entities.Stage(stage).value)
        async with info.context.store.read() as conn:
            rows = (await conn.execute(query)).all()
        return [Matter.from_row(row) for row in rows]

    @strawberry.field(
        description="The audit log, newest first (a cursor connection); for the auditor role."
    )
    async def audit_log(
        self,
        info: strawberry.Info[Context, None],
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        viewer = info.context.viewer
        if not viewer.rules.audit_log:
            raise ForbiddenError(viewer.role, "read the audit log")
        query = (filter or AuditFilter()).query()
        return await _page(info, query, AUDIT_NEWEST, AuditEntry.from_row, first, after)

    @strawberry.field(description="Sync runs, newest first (a cursor connection).")
    async def sync_runs(
        self,
        info: strawberry.Info[Context, None],
        filter: SyncRunFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[SyncRun]:
        _operations(info, "read sync runs")
        query = sync_runs_query(filter)
        return await _page(info, query, SYNC_RUNS_NEWEST, SyncRun.from_row, first, after)

    @strawberry.field(description="Drop files of csv and excel connectors and their state.")
    async def source_files(
        self,
        info: strawberry.Info[Context, None],
        connector: str | None = None,
        state: SourceFileState | None = None,
    ) -> list[SourceFile]:
        _operations(info, "read source files")
        rows = await file_status(
            info.context.store, connector=connector, state=state.value if state else None
        )
        return [SourceFile.from_status(row) for row in rows]

    @strawberry.field(description="Rejected source rows, newest first (a cursor connection).")
    async def rejects(
        self,
        info: strawberry.Info[Context, None],
        connector: str | None = None,
        stream: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Reject]:
        _operations(info, "read rejected rows")
        r = tables.rejects
        viewer = info.context.viewer
        shown = [
            null().label(c.name)
            if viewer.is_sensitive("reject", c.name) and not viewer.rules.sensitive
            else c
            for c in r.c
        ]
        query = select(*shown)
        if connector is not None:
            query = query.where(r.c.connector == connector)
        if stream is not None:
            query = query.where(r.c.stream == stream)
        return await _page(info, query, REJECTS_NEWEST, Reject.from_row, first, after)

    @strawberry.field(
        description="Values offered by non-authoritative sources, newest first (a cursor "
        "connection)."
    )
    async def conflicts(
        self,
        info: strawberry.Info[Context, None],
        entity: str | None = None,
        key: str | None = None,
        field: str | None = None,
        connector: str | None = None,
        unresolved: Annotated[
            bool | None,
            strawberry.argument(description="true: only open conflicts; false: resolved ones."),
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Conflict]:
        _operations(info, "read conflicts")
        c = tables.conflicts
        query = select(c)
        for column, value in (
            (c.c.entity, entity),
            (c.c.entity_key, key),
            (c.c.field, field),
            (c.c.connector, connector),
        ):
            if value is not None:
                query = query.where(column == value)
        if unresolved is not None:
            query = query.where(
                c.c.resolved_at.is_(None) if unresolved else c.c.resolved_at.is_not(None)
            )
        return await _page(info, query, CONFLICTS_NEWEST, Conflict.from_row, first, after)
