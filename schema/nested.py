"""Nested connections: a project's filings, paged for every project of a page in one batch."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import strawberry
from graphql import FieldNode, GraphQLError, GraphQLObjectType, GraphQLResolveInfo
from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types.arguments import convert_arguments

from hub import tables
from hub.entities import PROJECT
from schema.engine.internals import graphql_info, scalar_registry, strawberry_field
from schema.errors import InvalidCursorError, UserInputError
from schema.filters import FilingFilter, condition
from schema.live import live
from schema.ordering import FILING_ORDER
from schema.pagination import Connection, page_of, paginate_groups
from schema.prefetch import (
    cached_or_load,
    children,
    field_key,
    node_field_names,
    node_fields,
    prefetch_filing_children,
)
from schema.snapshot import Snapshot
from schema.types.filing import Filing

if TYPE_CHECKING:
    from schema.context import Context

BY_SUBMISSION = ("submitted_at",)


class FilingPages(Protocol):
    """The batch function of a project's ``filings`` field (its connection is optional)."""

    def __call__(
        self, codes: list[str], conn: AsyncConnection | None = None
    ) -> Awaitable[list[Connection[Filing]]]: ...


def filing_pages(
    context: Context,
    names: Callable[[], set[str]],
    filter: FilingFilter | None,
    order_by: list[Any] | None,
    first: int | None,
    after: str | None,
) -> FilingPages:
    """The batch function of a project's ``filings`` field with these arguments: the pages of
    many projects in one statement, then the children their nodes ask for (``names``, the
    field names selected on the nodes) on the same connection (schema.prefetch). Argument
    errors raise here, before any statement."""
    size = context.page_size(first)
    ordering = FILING_ORDER.ordering(order_by, default=BY_SUBMISSION, viewer=context.viewer)
    if after is not None:
        ordering.decode(after)  # a bad cursor fails here, before any statement
    link = PROJECT.link("filings")
    f = tables.entity_tables[link.target]
    group = f.c[link.remote_field]
    query = context.viewer.select(f).where(live(f), condition(filter, context.filter_scope))

    async def load(codes: list[str], conn: AsyncConnection | None = None) -> list[Any]:
        async with context.store.connection(conn) as reader:
            pages = await paginate_groups(
                context.store,
                query,
                ordering,
                group,
                codes,
                Filing.from_row,
                first=size,
                after=after,
                conn=reader,
            )
            filings = [node for page in pages for node in page.nodes]
            await prefetch_filing_children(context.loaders, names(), filings, reader)
        return pages

    return load


def project_filings(
    code: str,
    info: strawberry.Info[Context, None],
    filter: FilingFilter | None,
    order_by: list[Any] | None,
    first: int | None,
    after: str | None,
) -> Any:
    """The page of ``code``'s filings: already there when the projects' resolver prefetched
    it (``prefetch_project_filings``), else an awaitable of the field's batch."""
    context = info.context

    def make_load() -> FilingPages:
        names = functools.partial(node_field_names, graphql_info(info))
        return filing_pages(context, names, filter, order_by, first, after)

    return cached_or_load(context.loaders.per_field(info, make_load), code)


async def prefetch_project_filings(
    info: strawberry.Info[Context, None],
    codes: list[str],
    conn: AsyncConnection,
    *,
    connection: bool = True,
) -> None:
    """Load the ``filings`` pages that a page of projects (``codes``) asks for on its nodes,
    on the page's connection, and prime the fields' loaders: each project's ``filings`` then
    resolves without an awaitable. Fields with bad arguments are left to their resolver,
    which reports the error at its path. ``connection=False``: ``info`` resolves one project,
    not a connection of them."""
    raw = graphql_info(info)
    context = info.context
    project_type = raw.schema.get_type("Project")
    if not isinstance(project_type, GraphQLObjectType) or not codes:
        return
    field_def = project_type.fields["filings"]
    strawberry_schema = info.schema
    root = field_key(raw.path)
    # strawberry hands resolvers the coerced variables as a dict; graphql-core wants its own.
    variables = raw.variable_values
    if isinstance(variables, dict):
        variables = VariableValues(sources={}, coerced=variables)
    fields = node_fields(raw) if connection else [((), n) for n in children(raw, raw.field_nodes)]
    for below, node in fields:
        if node.name.value != "filings":
            continue
        key = (node.alias.value if node.alias else node.name.value, *reversed(below), *root)
        if context.loaders.has_field(key):
            continue
        try:
            arguments = convert_arguments(
                get_argument_values(field_def, node, variables),
                strawberry_field(field_def).arguments,  # type: ignore[union-attr]
                scalar_registry=scalar_registry(strawberry_schema),
                config=strawberry_schema.config,
            )
            load = filing_pages(
                context,
                functools.partial(_names_under, raw, node),
                arguments.get("filter"),
                arguments.get("order_by"),
                arguments.get("first"),
                arguments.get("after"),
            )
        except GraphQLError:
            continue
        pages = await load(codes, conn)
        context.loaders.prime_field(key, load, dict(zip(codes, pages, strict=True)))


def _names_under(raw: GraphQLResolveInfo[Any], node: FieldNode) -> set[str]:
    return {n.name.value for _, n in node_fields(raw, [node])}


def snapshot_filings(
    snapshot: Snapshot,
    info: strawberry.Info[Context, None],
    filter: FilingFilter | None,
    order_by: list[Any] | None,
    first: int | None,
    after: str | None,
) -> Connection[Filing]:
    """A page of a project's filings as of a past instant. The snapshot is fixed, so the cursor
    is the position after the filing whose key it names."""
    if filter is not None or order_by is not None:
        raise UserInputError(
            "filings of a project read asOf take first and after only (no filter or orderBy)"
        )
    size = info.context.page_size(first)
    ordering = FILING_ORDER.ordering(None)  # the key alone: cursors name the filing
    start = 0
    if after is not None:
        (key,) = ordering.decode(after)
        keys = [filing.key for filing in snapshot.filings]
        if key not in keys:
            raise InvalidCursorError(after)
        start = keys.index(key) + 1

    async def count() -> int:
        return len(snapshot.filings)

    page = snapshot.filings[start : start + size + 1]  # a filing's key is its cursor's value
    return page_of(
        page, ordering, lambda filing: filing, size, None if after is None else (after,), count
    )
