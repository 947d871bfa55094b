"""Nested connections: a project's filings, paged for every project of a page in one batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy import select

from hub import tables
from schema.errors import InvalidCursorError, UserInputError
from schema.filters import FilingFilter, condition
from schema.live import live
from schema.ordering import FILING_ORDER
from schema.pagination import Connection, page_of, paginate_groups
from schema.snapshot import Snapshot
from schema.types.filing import Filing

if TYPE_CHECKING:
    from schema.context import Context

BY_SUBMISSION = ("submitted_at",)


async def project_filings(
    code: str,
    info: strawberry.Info[Context, None],
    filter: FilingFilter | None,
    order_by: list[Any] | None,
    first: int | None,
    after: str | None,
) -> Connection[Filing]:
    context = info.context
    size = context.page_size(first)
    ordering = FILING_ORDER.ordering(order_by, default=BY_SUBMISSION)
    if after is not None:
        ordering.decode(after)  # a bad cursor fails here, before any statement
    f = tables.filings
    query = select(f).where(live(f), condition(filter))

    async def load(codes: list[str]) -> list[Connection[Filing]]:
        return await paginate_groups(
            context.store,
            query,
            ordering,
            f.c.project_code,
            codes,
            Filing.from_row,
            first=size,
            after=after,
        )

    return await context.loaders.per_field(info, load).load(code)


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
