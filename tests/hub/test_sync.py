from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.registry import build_connector
from hub import tables
from hub.errors import SyncLockedError
from hub.store import Store
from hub.sync import SyncEngine
from tests import department_source as src

pytestmark = pytest.mark.anyio


@pytest.fixture
async def source_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url)
    return url


run_sync = src.sync_once


async def count(store: Store, table: Any, *where: Any) -> int:
    async with store.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def changes(store: Store) -> list[Any]:
    async with store.read() as conn:
        return list(
            (await conn.execute(select(tables.changes).order_by(tables.changes.c.seq))).all()
        )


async def test_first_sync_stores_records_and_one_created_change_each(
    store: Store, source_url: str
) -> None:
    report = await run_sync(store, src.source_config(source_url))
    assert report.state == "succeeded", report.error
    assert (report.total("read"), report.total("inserted"), report.total("rejected")) == (30, 30, 0)
    assert await count(store, tables.projects) == 10
    assert await count(store, tables.filings) == 20
    logged = await changes(store)
    assert [c.op for c in logged] == ["created"] * 30
    assert [c.seq for c in logged] == sorted(c.seq for c in logged)
    first = next(c for c in logged if c.entity_key == "2014-440304-47-01-000001")
    assert first.new_value["name"] == "福田区第1小学改扩建工程"
    assert first.new_value["total_investment"] == 1000.5
    assert first.new_value["category"] == "BUILDING"
    assert first.connector == "fgw" and first.department_code == "FGW"
    assert first.sync_run_id == report.run_id
    # GXSJ 2014-03-01 08:00:01 in Asia/Shanghai is 00:00:01 UTC.
    assert first.source_time == datetime(2014, 3, 1, 0, 0, 1)
    async with store.read() as conn:
        project = (
            await conn.execute(
                select(tables.projects).where(tables.projects.c.code == "2014-440304-47-01-000001")
            )
        ).one()
        filing = (
            await conn.execute(select(tables.filings).where(tables.filings.c.key == "FGW-000001"))
        ).one()
    assert project.registered_at == date(2014, 3, 2)  # the day in China, as the source says
    assert project.src_connector == "fgw"
    assert filing.status == "IN_PROGRESS" and filing.department_code == "FGW"
    assert filing.submitted_at == datetime(2014, 3, 2, 1, 30)


async def test_second_sync_writes_nothing_and_emits_no_event(store: Store, source_url: str) -> None:
    config = src.source_config(source_url)
    await run_sync(store, config)
    before = await changes(store)
    for full in (False, True):
        report = await run_sync(store, config, full=full)
        assert report.state == "succeeded", report.error
        assert report.total("inserted") == report.total("updated") == 0
        assert report.total("unchanged") == report.total("read")
    assert await changes(store) == before


async def test_update_emits_one_change_per_changed_field(store: Store, source_url: str) -> None:
    config = src.source_config(source_url)
    await run_sync(store, config)
    seq = max(c.seq for c in await changes(store))
    code = "2014-440304-47-01-000003"
    await src.execute(
        source_url, src.rename_project(code, "福田区第3小学（新校区）", "2014-04-01 10:00:00")
    )
    report = await run_sync(store, config)
    assert report.total("updated") == 1
    # The incremental read starts at the stored cursor: far fewer rows than the source holds.
    assert report.total("read") < 30
    new = [c for c in await changes(store) if c.seq > seq]
    assert [(c.op, c.entity_key, c.field, c.old_value, c.new_value) for c in new] == [
        ("updated", code, "name", "福田区第3小学改扩建工程", "福田区第3小学（新校区）")
    ]
    assert new[0].project_code == code


async def test_bad_rows_go_to_rejects_and_the_rest_proceeds(store: Store, source_url: str) -> None:
    await src.execute(
        source_url,
        src.projects.insert(),
        [
            src.project_row(101, XMDM="XM2014-0001"),
            src.project_row(102, DJRQ="20140230"),
            src.project_row(103, XMZT="9"),
            src.project_row(104, XMMC=""),
            src.project_row(105, ZTZ="十万"),
        ],
    )
    report = await run_sync(store, src.source_config(source_url))
    assert report.state == "succeeded", report.error
    assert report.total("rejected") == 5
    assert await count(store, tables.projects) == 10
    async with store.read() as conn:
        rejects = {r.raw["XMDM"]: r for r in (await conn.execute(select(tables.rejects))).all()}
    assert (
        "field 'code' (column XMDM): 'XM2014-0001' is not a project code"
        in rejects["XM2014-0001"].reasons[0]
    )
    assert "'20140230' is not a valid date/time" in rejects["2014-440304-47-01-000102"].reasons[0]
    assert "'9' is not in value map 'xmzt'" in rejects["2014-440304-47-01-000103"].reasons[0]
    assert rejects["2014-440304-47-01-000104"].reasons == [
        "field 'name' (column XMMC): required but empty"
    ]
    assert "'十万' is not a number" in rejects["2014-440304-47-01-000105"].reasons[0]
    assert all(r.connector == "fgw" and r.sync_run_id == report.run_id for r in rejects.values())


async def test_unknown_code_from_source_code_table_is_rejected(
    store: Store, source_url: str
) -> None:
    await src.execute(source_url, src.filings.insert(), [src.filing_row(500, 1, ZT="7")])
    report = await run_sync(store, src.source_config(source_url))
    async with store.read() as conn:
        reject = (await conn.execute(select(tables.rejects))).one()
    assert reject.source_key == "FGW-000500"
    assert "'7' is not in value map 'sbzt' (known codes: 1, 2, 3)" in reject.reasons[0]
    assert report.total("inserted") == 30


async def test_filings_of_unknown_projects_are_kept_as_orphans(
    store: Store, source_url: str
) -> None:
    await src.execute(
        source_url, src.filings.insert(), [src.filing_row(600, 77), src.filing_row(601, 78)]
    )
    report = await run_sync(store, src.source_config(source_url))
    filings = next(s for s in report.streams if s.entity == "filing")
    assert filings.orphans == 2
    assert await count(store, tables.filings) == 22


async def test_missing_column_fails_the_run_with_its_name(store: Store, source_url: str) -> None:
    config = src.source_config(source_url)
    broken = config.model_copy(deep=True)
    stream = broken.connectors[0].streams[0]
    stream.fields["name"] = stream.fields["name"].model_copy(update={"column": "XMMC_NEW"})
    report = await run_sync(store, broken)
    assert report.state == "failed"
    assert "connector 'fgw', stream 'project': the source has no column 'XMMC_NEW'" in str(
        report.error
    )
    assert "XMMC" in str(report.error) and not report.transient
    assert await count(store, tables.projects) == 0
    async with store.read() as conn:
        run = (await conn.execute(select(tables.sync_runs))).one()
    assert run.state == "failed" and "XMMC_NEW" in run.error


async def test_unreachable_source_fails_transiently(store: Store, tmp_path: Path) -> None:
    config = src.source_config(f"sqlite:///{tmp_path / 'missing' / 'none.db'}")
    report = await run_sync(store, config)
    assert report.state == "failed" and report.transient
    assert "connector 'fgw': the SQLite database" in str(report.error)
    assert "does not exist" in str(report.error)


async def test_a_connector_syncs_once_at_a_time(store: Store, source_url: str) -> None:
    config = src.source_config(source_url)
    other = SyncEngine(store, config)
    await other.leases.acquire("fgw")
    connector = build_connector(config.connectors[0], config)
    with pytest.raises(SyncLockedError, match="'fgw' is already syncing"):
        await SyncEngine(store, config).sync(connector)
    await other.leases.release("fgw")
    assert (await SyncEngine(store, config).sync(connector)).state == "succeeded"
    await connector.close()


async def test_every_commit_that_logs_changes_wakes_the_feed(store: Store, source_url: str) -> None:
    config = src.source_config(source_url)
    wakeups: list[int] = []

    async def on_commit() -> None:
        async with store.read() as conn:
            wakeups.append(
                int((await conn.execute(select(func.max(tables.changes.c.seq)))).scalar_one())
            )

    connector = build_connector(config.connectors[0], config)
    engine = SyncEngine(store, config, on_commit=on_commit)
    try:
        await engine.sync(connector)
        assert len(wakeups) == 8  # 10 projects and 20 filings in batches of 4
        assert wakeups == sorted(wakeups) and wakeups[-1] == 30
        await engine.sync(connector)
    finally:
        await connector.close()
    assert len(wakeups) == 8  # an idempotent re-sync commits no changes and wakes nobody


async def test_pushed_rows_take_the_same_path_and_report_each_result(
    store: Store, source_url: str
) -> None:
    config = src.source_config(source_url)
    connector = build_connector(config.connectors[0], config)
    engine = SyncEngine(store, config)
    try:
        await engine.sync(connector)
        report, results = await engine.ingest(
            connector,
            "project",
            [
                src.project_row(1),
                src.project_row(2, XMMC="改名"),
                src.project_row(200),
                src.project_row(201, XMDM="bad"),
            ],
        )
    finally:
        await connector.close()
    assert report.state == "succeeded" and report.mode == "push"
    assert [(r.index, r.result) for r in results] == [
        (0, "unchanged"),
        (1, "updated"),
        (2, "inserted"),
        (3, "rejected"),
    ]
    assert "'bad' is not a project code" in results[3].reasons[0]
    async with store.read() as conn:
        run = (
            await conn.execute(
                select(tables.sync_runs).where(tables.sync_runs.c.id == report.run_id)
            )
        ).one()
    assert (run.mode, run.rows_inserted, run.rows_updated, run.rows_rejected) == ("push", 1, 1, 1)


async def test_a_bad_row_read_again_is_kept_once_in_rejects(store: Store, source_url: str) -> None:
    await src.execute(source_url, src.projects.insert(), [src.project_row(300, XMDM="XM-1")])
    config = src.source_config(source_url)
    for full in (False, True, True):
        report = await run_sync(store, config, full=full)
        assert report.total("rejected") == (1 if full or report.total("read") > 1 else 0)
    assert await count(store, tables.rejects) == 1
    await src.execute(source_url, src.projects.insert(), [src.project_row(301, XMDM="XM-2")])
    await run_sync(store, config, full=True)
    assert await count(store, tables.rejects) == 2
