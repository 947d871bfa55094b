"""Checks a stream's mapping against its source's columns as they are now, and remembers
them, so that columns which disappear or change type between runs stop the run (drift)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from hub import tables
from hub.clock import utcnow
from hub.config import HubConfig, StreamConfig
from hub.drift import find_drift
from hub.entities import ENTITIES
from hub.errors import MappingError, SchemaDriftError
from hub.mapping import RecordMapper
from hub.source import Source
from hub.store import Store
from hub.value_maps import ValueMaps


class SourceCheck:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def check(
        self,
        connector: Source,
        stream: StreamConfig,
        value_maps: ValueMaps,
        *,
        accept_drift: bool = False,
        remember: bool = True,
    ) -> StreamConfig:
        """Check the stream's mapping against the source's columns as they are now: a missing
        column or one whose type changed since the last run stops the run (optional fields
        are left out of this run instead). Returns the stream as it can be read."""
        source = await connector.columns(stream)
        available = {name.lower() for name in source.types}
        entity = ENTITIES[stream.entity]
        fields = dict(stream.fields)
        for name, mapping in stream.fields.items():
            gone = mapping.column is not None and mapping.column.lower() not in available
            if gone and mapping.optional and name != entity.key:
                del fields[name]
        usable = stream.model_copy(update={"fields": fields})
        mapper = RecordMapper(usable, value_maps, connector.config.timezone)
        wanted = mapper.columns + ([stream.cursor] if stream.cursor else [])
        missing = [c for c in wanted if c.lower() not in available]
        if missing:
            raise MappingError(
                connector.name,
                stream.stream_name,
                f"the source has no column {', '.join(repr(m) for m in missing)}",
                hint=f"its columns are: {', '.join(sorted(source.types))}",
            )
        before = await self._last_seen(connector.name, stream.stream_name)
        drift = find_drift(wanted, before, source.types) if before else []
        if drift and not accept_drift:
            raise SchemaDriftError(
                connector.name, stream.stream_name, [d.describe() for d in drift]
            )
        # Written only when the columns changed: a sync of an unchanged source writes nothing.
        if remember and dict(source.types) != before:
            await self._remember(connector.name, stream.stream_name, source.types)
        return usable

    async def _last_seen(self, connector: str, stream: str) -> dict[str, str]:
        schemas = tables.source_schemas
        seen = await self.store.scalar(
            select(schemas.c.columns).where(
                schemas.c.connector == connector, schemas.c.stream == stream
            )
        )
        return dict(seen or {})

    async def _remember(self, connector: str, stream: str, columns: Mapping[str, str]) -> None:
        schemas = tables.source_schemas
        now = utcnow()
        values = {
            "connector": connector,
            "stream": stream,
            "columns": dict(columns),
            "seen_at": now,
        }
        async with self.store.write() as conn:
            await conn.execute(self.store.upsert(schemas, values, ["connector", "stream"]))


def creation_warning(config: HubConfig, stream: StreamConfig) -> str | None:
    """What `hub check` warns about a stream that maps only some required fields of its entity:
    its records new to the store are rejected until another stream creates them."""
    missing = stream.unmapped_required
    if not missing:
        return None
    creators = [
        f"{c.name}/{s.stream_name}"
        for c in config.connectors
        for s in c.streams
        if s.entity == stream.entity and not s.unmapped_required
    ]
    return (
        f"maps no {', '.join(repr(m) for m in missing)}: a {stream.entity} new to the store is "
        f"rejected until {' or '.join(creators)} creates it"
    )
