"""Administrative divisions (行政区划) as reference data: the divisions a region lists in
``hub.toml`` (``[[divisions]]``: code, name, parent) are written to the store's ``divisions``
table at every start, beside any a connector syncs (a stream of entity ``division``); the graph
names a project's district from there, and a field mapped with ``map = "divisions"`` takes a
division's name and stores its code.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select, update

from hub import tables
from hub.clock import utcnow
from hub.config import DivisionConfig
from hub.store import Store

CONFIGURED = "hub.toml"  # the src_connector of the divisions hub.toml lists


async def install(store: Store, divisions: Sequence[DivisionConfig]) -> None:
    """Write the configured ``divisions`` (new ones inserted, changed ones updated) and mark
    those hub.toml listed before and no longer does deleted. Several instances may start at
    once: each write is an upsert."""
    d = tables.divisions
    now = utcnow()
    codes = [division.code for division in divisions]
    async with store.write() as conn:
        for division in divisions:
            values = {
                "code": division.code,
                "name": division.name,
                "parent": division.parent,
                "src_connector": CONFIGURED,
                "src_key": division.code,
                "synced_at": now,
                "deleted_at": None,
            }
            await conn.execute(store.upsert(d, values, ["code"]))
        await conn.execute(
            update(d)
            .where(
                and_(d.c.src_connector == CONFIGURED, d.c.deleted_at.is_(None)),
                d.c.code.not_in(codes),
            )
            .values(deleted_at=now)
        )


async def name_map(store: Store) -> dict[str, str]:
    """Division name -> code, for ``map = "divisions"``; a name that several divisions share
    (two cities' 城区) is left out, so it is reported as unknown instead of guessed."""
    d = tables.divisions
    async with store.read() as conn:
        rows = (
            await conn.execute(select(d.c.name, d.c.code).where(d.c.deleted_at.is_(None)))
        ).all()
    by_name: dict[str, str] = {}
    shared: set[str] = set()
    for name, code in rows:
        if name in by_name:
            shared.add(name)
        by_name[name] = code
    return {name: code for name, code in by_name.items() if name not in shared}
