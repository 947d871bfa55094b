"""Root point lookups: ``node(id:)``/``nodes(ids:)`` by global id, and each entity by its key
(``filing(key:)``, ``outcome(key:)`` or ``outcome(documentNumber:)``, ...). Every lookup goes
through the request's DataLoaders, so lookups in one request batch into one statement per type.
``project(code:)`` is the root Query's own (it has ``asOf``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy import select

from hub import tables
from schema.errors import UserInputError
from schema.live import live
from schema.types.department import Department
from schema.types.district import District
from schema.types.filing import Filing
from schema.types.matter import Matter
from schema.types.node import NODE_ENTITIES, Node, parse_global_id
from schema.types.outcome import Outcome
from schema.types.process_event import ProcessEvent

if TYPE_CHECKING:
    from schema.context import Context


async def _node(info: strawberry.Info[Context, None], id: str) -> Any:
    type_name, key = parse_global_id(id)
    return await getattr(info.context.loaders, NODE_ENTITIES[type_name]).load(key)


@strawberry.type
class LookupQuery:
    @strawberry.field(description="The object with this global id; null when there is none.")
    async def node(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> Node | None:
        found: Node | None = await _node(info, id)
        return found

    @strawberry.field(description="The objects with these global ids, in order (null: none).")
    async def nodes(
        self, info: strawberry.Info[Context, None], ids: list[strawberry.ID]
    ) -> list[Node | None]:
        return list(await asyncio.gather(*(_node(info, id) for id in ids)))

    @strawberry.field(description="A department by its code; null when there is none.")
    async def department(
        self, info: strawberry.Info[Context, None], code: str
    ) -> Department | None:
        return await info.context.loaders.department.load(code)

    @strawberry.field(
        description="Administrative divisions by code, those within `parent` when given."
    )
    async def divisions(
        self, info: strawberry.Info[Context, None], parent: str | None = None
    ) -> list[District]:
        d = tables.divisions
        query = select(d.c.code).where(live(d)).order_by(d.c.code)
        if parent is not None:
            query = query.where(d.c.parent == parent)
        async with info.context.store.read() as conn:
            return [District(code=code) for code in (await conn.execute(query)).scalars()]

    @strawberry.field(description="A matter of the catalogue by its code; null when there is none.")
    async def matter(self, info: strawberry.Info[Context, None], code: str) -> Matter | None:
        return await info.context.loaders.matter.load(code)

    @strawberry.field(description="A filing by its key; null when there is none.")
    async def filing(self, info: strawberry.Info[Context, None], key: str) -> Filing | None:
        return await info.context.loaders.filing.load(key)

    @strawberry.field(description="A process event by its key; null when there is none.")
    async def process_event(
        self, info: strawberry.Info[Context, None], key: str
    ) -> ProcessEvent | None:
        return await info.context.loaders.process_event.load(key)

    @strawberry.field(
        description="An outcome by its key, or by its document number (文号; of several, the "
        "latest issued); exactly one of them. Null when there is none."
    )
    async def outcome(
        self,
        info: strawberry.Info[Context, None],
        key: str | None = None,
        document_number: str | None = None,
    ) -> Outcome | None:
        if (key is None) == (document_number is None):
            raise UserInputError(
                "outcome: give exactly one of key and documentNumber", code="BAD_USER_INPUT"
            )
        if key is not None:
            return await info.context.loaders.outcome.load(key)
        o = tables.outcomes
        query = (
            select(o)
            .where(o.c.document_number == document_number, live(o))
            .order_by(o.c.issued_at.desc().nulls_last(), o.c.key.desc())
            .limit(1)
        )
        async with info.context.store.read() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Outcome.from_row(row)
