from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from hub import tables
from hub.batch import BatchWriter, MappedRecord
from hub.changelog import ChangeLog, Provenance
from hub.entities import FILING, MATTER, Entity
from hub.store import Store

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1)
SOURCE = Provenance("fgw", "FGW", None)
FILING_FIELDS = ("key", "project_code", "matter_code", "status")


async def _write(store: Store, writer: BatchWriter, *rows: tuple[Any, ...]) -> None:
    records = [MappedRecord(values, str(values[0])) for values in rows]
    async with ChangeLog(store).write() as transaction:
        await writer.apply(transaction, records, SOURCE, NOW)


async def _set_time_limit(store: Store, days: int) -> None:
    fields = ("code", "name", "department_code", "stage", "time_limit_days")
    await _write(store, BatchWriter(MATTER, fields), ("M1", "立项", "FGW", "LAND_PLANNING", days))


async def _time_limits(store: Store) -> dict[str, int | None]:
    f = tables.filings
    async with store.read() as conn:
        rows = await conn.execute(select(f.c.key, f.c.time_limit_days))
        return {key: days for key, days in rows}


async def test_a_new_filing_keeps_the_time_limit_its_matter_had(store: Store) -> None:
    await _set_time_limit(store, 10)
    writer = BatchWriter(FILING, FILING_FIELDS)
    await _write(store, writer, ("F1", "P1", "M1", "SUBMITTED"), ("F2", "P1", "M9", "SUBMITTED"))
    await _set_time_limit(store, 20)
    await _write(store, writer, ("F1", "P1", "M1", "ACCEPTED"), ("F3", "P1", "M1", "SUBMITTED"))
    # F1 keeps 10 through its update, F2's matter is unknown, F3 arrived under the new limit.
    assert await _time_limits(store) == {"F1": 10, "F2": None, "F3": 20}


async def test_a_stream_that_maps_the_field_keeps_its_own_value(store: Store) -> None:
    await _set_time_limit(store, 10)
    writer = BatchWriter(FILING, (*FILING_FIELDS, "time_limit_days"))
    await _write(store, writer, ("F1", "P1", "M1", "SUBMITTED", 3))
    assert await _time_limits(store) == {"F1": 3}


async def test_the_declaration_drives_the_snapshot(store: Store) -> None:
    await _set_time_limit(store, 10)
    undeclared: Entity = replace(FILING, snapshots=())
    await _write(store, BatchWriter(undeclared, FILING_FIELDS), ("F1", "P1", "M1", "SUBMITTED"))
    assert await _time_limits(store) == {"F1": None}
