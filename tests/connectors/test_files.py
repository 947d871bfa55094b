from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tracemalloc
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

import connectors.csv as csv_connector
from connectors.base import Connector, ReadRequest
from connectors.registry import build_connector
from hub import tables
from hub.config import HubConfig, parse_config
from hub.store import Store
from hub.sync import SyncEngine
from tests import department_source as src

pytestmark = pytest.mark.anyio

PINYIN = {
    "code": "XMDM",
    "name": "XMMC",
    "category": "XMLB",
    "owner_name": "XMDW",
    "district": "XZQH",
    "total_investment": "ZTZ",
    "registered_at": "DJRQ",
    "status": "XMZT",
}
CHINESE = {
    "code": "项目代码",
    "name": "项目名称",
    "category": "项目类别",
    "owner_name": "建设单位",
    "district": "行政区划",
    "total_investment": "总投资（万元）",
    "registered_at": "登记日期",
    "status": "项目状态",
}


def drop_config(
    folder: Path,
    store_url: str,
    *,
    kind: str = "csv",
    headers: dict[str, str] = CHINESE,
    stream: dict[str, Any] | None = None,
    **connector: Any,
) -> HubConfig:
    return parse_config(
        {
            "store": {"url": store_url},
            "connectors": [
                {
                    "name": "zjj",
                    "kind": kind,
                    "path": str(folder),
                    "settle_seconds": 0,
                    "department": "ZJJ",
                    "batch_size": 4,
                    "value_maps": {
                        "xmlb": {"01": "BUILDING", "02": "MUNICIPAL"},
                        "xmzt": {"1": "UNDER_APPROVAL", "2": "UNDER_CONSTRUCTION"},
                    },
                    "streams": [
                        {
                            "entity": "project",
                            "options": {"pattern": "xm_*.csv"} | (stream or {}),
                            "fields": {
                                field: {"column": header, "map": "xmlb"}
                                if field == "category"
                                else {"column": header, "map": "xmzt"}
                                if field == "status"
                                else header
                                for field, header in headers.items()
                            },
                        }
                    ],
                    **connector,
                }
            ],
        }
    )


def project_cells(n: int, **overrides: Any) -> list[Any]:
    """A project row in the order of ``PINYIN``/``CHINESE`` (values as a department exports)."""
    row = src.project_row(n, **overrides)
    return [row[column] for column in PINYIN.values()]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    headers: dict[str, str] = CHINESE,
    encoding: str = "utf-8-sig",
) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headers.values())
    writer.writerows(rows)
    data = text.getvalue().encode(encoding)
    path.write_bytes(data)
    return data


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    drops = tmp_path / "drops"
    drops.mkdir()
    return drops


@pytest.fixture
def store_config(store: Store) -> str:
    return store.url.render_as_string(hide_password=False)


sync = src.sync_once


async def source_files(store: Store) -> dict[str, Any]:
    async with store.read() as conn:
        rows = (await conn.execute(select(tables.source_files))).all()
    return {(r.path, r.checksum): r for r in rows}


async def project_names(store: Store) -> dict[str, str]:
    async with store.read() as conn:
        rows = (await conn.execute(select(tables.projects.c.code, tables.projects.c.name))).all()
    return dict(rows)  # type: ignore[arg-type]


async def count_changes(store: Store) -> int:
    async with store.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(tables.changes))).scalar())


async def test_each_file_is_applied_once_and_recorded_with_its_checksum(
    store: Store, store_config: str, folder: Path
) -> None:
    first = write_csv(folder / "xm_20140301.csv", [project_cells(n) for n in range(1, 7)])
    second = write_csv(folder / "xm_20140302.csv", [project_cells(n) for n in range(7, 11)])
    (folder / "readme.txt").write_text("not a drop")
    config = drop_config(folder, store_config)

    report = await sync(store, config)
    assert report.state == "succeeded", report.error
    assert (report.total("read"), report.total("inserted"), report.total("rejected")) == (10, 10, 0)
    names = await project_names(store)
    assert names["2014-440304-47-01-000001"] == "福田区第1小学改扩建工程"
    async with store.read() as conn:
        investment = (
            await conn.execute(
                select(tables.projects.c.total_investment).where(
                    tables.projects.c.code == "2014-440304-47-01-000007"
                )
            )
        ).scalar_one()
    assert investment == 7000.5  # exported as "7,000.50"
    recorded = await source_files(store)
    assert {
        (path, checksum): (r.state, r.rows, r.size, r.error)
        for (path, checksum), r in recorded.items()
    } == {
        ("xm_20140301.csv#project", hashlib.sha256(first).hexdigest()): (
            "applied",
            6,
            len(first),
            None,
        ),
        ("xm_20140302.csv#project", hashlib.sha256(second).hexdigest()): (
            "applied",
            4,
            len(second),
            None,
        ),
    }

    changes = await count_changes(store)
    again = await sync(store, config)
    assert again.state == "succeeded", again.error
    assert again.total("read") == 0
    assert await count_changes(store) == changes


async def test_a_changed_file_is_read_again_and_only_the_change_applies(
    store: Store, store_config: str, folder: Path
) -> None:
    path = folder / "xm_all.csv"
    write_csv(path, [project_cells(n) for n in range(1, 6)])
    config = drop_config(folder, store_config)
    await sync(store, config)
    changed = write_csv(
        path,
        [
            project_cells(n, **({"XMMC": "福田区第3小学（新校区）"} if n == 3 else {}))
            for n in range(1, 6)
        ],
    )
    report = await sync(store, config)
    assert (report.total("read"), report.total("updated"), report.total("inserted")) == (5, 1, 0)
    assert (await project_names(store))["2014-440304-47-01-000003"] == "福田区第3小学（新校区）"
    recorded = await source_files(store)
    assert len(recorded) == 2
    assert recorded[("xm_all.csv#project", hashlib.sha256(changed).hexdigest())].state == "applied"


async def test_gbk_file_is_read_with_encoding_gb18030(
    store: Store, store_config: str, folder: Path
) -> None:
    write_csv(folder / "xm_gbk.csv", [project_cells(n) for n in (1, 2)], encoding="gbk")
    report = await sync(store, drop_config(folder, store_config, encoding="gb18030"))
    assert report.state == "succeeded", report.error
    assert (await project_names(store))["2014-440304-47-01-000002"] == "福田区第2小学改扩建工程"


async def test_gbk_declared_as_utf8_fails_as_a_whole_and_is_kept(
    store: Store, store_config: str, folder: Path
) -> None:
    good = folder / "xm_a.csv"
    write_csv(good, [project_cells(n) for n in range(1, 4)], headers=PINYIN)
    # Rows 1-9 are ASCII and decode fine: more than two batches of 4 before the GBK name.
    rows = [
        project_cells(
            n, XMDW="Futian Works Bureau", XMMC="福田区第110小学" if n == 110 else f"School {n}"
        )
        for n in range(101, 112)
    ]
    gbk = folder / "xm_b.csv"
    data = write_csv(gbk, rows, headers=PINYIN, encoding="gbk")
    bad_offset = next(i for i, b in enumerate(data) if b >= 0x80)
    config = drop_config(folder, store_config, headers=PINYIN)

    report = await sync(store, config)
    assert report.state == "partial", report.error
    assert str(report.error).startswith(f"1 file failed and was skipped: file {gbk}, line 11")
    codes = set(await project_names(store))
    assert codes == {f"2014-440304-47-01-{n:06d}" for n in (1, 2, 3)}  # nothing of xm_b.csv
    failed = (await source_files(store))[("xm_b.csv#project", hashlib.sha256(data).hexdigest())]
    assert failed.state == "failed" and failed.rows == 0
    assert str(gbk) in failed.error
    assert f"line 11, byte offset {bad_offset}" in failed.error
    assert "not UTF-8 as declared; it reads as GBK/GB18030: " in failed.error
    assert "福田区第110小学" in failed.error
    assert 'set encoding = "gb18030"' in failed.error
    assert gbk.exists()

    fixed = drop_config(folder, store_config, headers=PINYIN, stream={"encoding": "gb18030"})
    report = await sync(store, fixed)
    assert report.total("inserted") == 11
    assert (await project_names(store))["2014-440304-47-01-000110"] == "福田区第110小学"
    assert (await source_files(store))[
        ("xm_b.csv#project", hashlib.sha256(data).hexdigest())
    ].state == "applied"


def test_undecodable_bytes_are_located_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_connector, "CHUNK", 5)
    path = tmp_path / "t.csv"
    # UTF-8 characters split across 5-byte chunks decode; the GBK bytes at offset 24 do not.
    data = "a,中文\n".encode() + "bb,文字\n".encode() + b"cc,\xd6\xd0\xce\xc4\n"
    path.write_bytes(codecs.BOM_UTF8 + data)
    lines = csv_connector.text_lines(path, "utf-8")
    assert next(lines) == "a,中文\n"
    assert next(lines) == "bb,文字\n"
    with pytest.raises(csv_connector.Undecodable) as caught:
        next(lines)
    assert (caught.value.line, caught.value.offset) == (3, 3 + data.index(b"\xd6"))
    assert caught.value.sample.decode("gb18030") == "中文"


async def test_a_file_without_a_mapped_header_fails_and_the_others_apply(
    store: Store, store_config: str, folder: Path
) -> None:
    write_csv(folder / "xm_1.csv", [project_cells(1)])
    renamed = dict(CHINESE, name="工程名称")
    write_csv(folder / "xm_2.csv", [project_cells(2)], headers=renamed)
    empty = folder / "xm_3.csv"
    empty.write_bytes(b"")
    report = await sync(store, drop_config(folder, store_config))
    assert report.state == "partial", report.error
    assert str(report.error).startswith("2 files failed and were skipped: file ")
    assert "xm_2.csv" in str(report.error) and "xm_3.csv" in str(report.error)
    assert set(await project_names(store)) == {"2014-440304-47-01-000001"}
    by_path = {path: r for (path, _), r in (await source_files(store)).items()}
    assert by_path["xm_1.csv#project"].state == "applied"
    assert by_path["xm_2.csv#project"].state == "failed"
    assert "line 1: the header has no column '项目名称'" in by_path["xm_2.csv#project"].error
    assert "工程名称" in by_path["xm_2.csv#project"].error  # the hint lists the header
    assert "the file has no header row" in by_path["xm_3.csv#project"].error


async def test_no_file_with_the_mapped_columns_is_a_mapping_error(
    store: Store, store_config: str, folder: Path
) -> None:
    write_csv(folder / "xm_1.csv", [project_cells(1)], headers=dict(CHINESE, name="工程名称"))
    report = await sync(store, drop_config(folder, store_config))
    assert report.state == "failed"
    assert "the source has no column '项目名称'" in str(report.error)
    assert "工程名称" in str(report.error)


async def test_a_row_with_more_values_than_the_header_fails_the_file(
    store: Store, store_config: str, folder: Path
) -> None:
    rows = [project_cells(n) for n in range(1, 6)]
    rows[3] = [*rows[3], "深圳", "福田"]
    write_csv(folder / "xm_1.csv", rows)
    report = await sync(store, drop_config(folder, store_config))
    assert report.total("read") == 0
    (failed,) = (await source_files(store)).values()
    assert "line 5: 10 values but the header has 8 columns" in failed.error


async def test_bad_values_are_rejected_row_by_row_and_the_file_applies(
    store: Store, store_config: str, folder: Path
) -> None:
    write_csv(
        folder / "xm_1.csv",
        [
            project_cells(1, ZTZ="12,345.60"),
            project_cells(2, DJRQ="0000-00-00"),
            project_cells(3, XMZT="9"),
            project_cells(4, XMMC=""),
            project_cells(5),
        ],
    )
    report = await sync(store, drop_config(folder, store_config))
    assert (report.total("inserted"), report.total("rejected")) == (2, 3)
    async with store.read() as conn:
        reasons = {
            r.raw["项目代码"]: r.reasons[0]
            for r in (await conn.execute(select(tables.rejects))).all()
        }
    assert "'0000-00-00' is not a valid date/time" in reasons["2014-440304-47-01-000002"]
    assert "'9' is not in value map 'xmzt'" in reasons["2014-440304-47-01-000003"]
    assert "required but empty" in reasons["2014-440304-47-01-000004"]
    (recorded,) = (await source_files(store)).values()
    assert (recorded.state, recorded.rows) == ("applied", 5)


class CrashingConnector:
    """Hands the engine the wrapped connector's first ``batches`` batches (all of them when
    None), then stops the run the way a crash would."""

    def __init__(self, connector: Connector, batches: int | None = None) -> None:
        self.connector = connector
        self.batches = batches

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connector, name)

    async def read(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        handed = 0
        async for batch in self.connector.read(*args, **kwargs):
            yield batch
            handed += 1
            if handed == self.batches:
                break
        raise RuntimeError("the process was killed")


@pytest.mark.parametrize("batches", [2, None], ids=["mid-file", "after-the-last-batch"])
async def test_a_crash_reads_the_file_again_without_loss_or_duplicates(
    store: Store, store_config: str, folder: Path, batches: int | None
) -> None:
    write_csv(folder / "xm_1.csv", [project_cells(n) for n in range(1, 11)])
    config = drop_config(folder, store_config)
    connector = build_connector(config.connectors[0], config)
    try:
        crashing = CrashingConnector(connector, batches)
        crashed = await SyncEngine(store, config).sync(crashing)  # type: ignore[arg-type]
    finally:
        await connector.close()
    assert crashed.state == "failed"
    stored = crashed.total("inserted")
    assert stored < 10 if batches else stored <= 10
    assert all(r.state != "applied" for r in (await source_files(store)).values())

    report = await sync(store, config)
    assert report.state == "succeeded", report.error
    assert (report.total("read"), report.total("inserted")) == (10, 10 - stored)
    assert await count_changes(store) == 10
    await sync(store, config)
    (recorded,) = (await source_files(store)).values()
    assert recorded.state == "applied"


async def test_a_file_still_being_copied_waits_for_the_next_run(
    store: Store, store_config: str, folder: Path
) -> None:
    write_csv(folder / "xm_1.csv", [project_cells(1)])
    report = await sync(store, drop_config(folder, store_config, settle_seconds=3600))
    assert report.total("read") == 0
    assert await source_files(store) == {}


def write_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表由住建局业务系统导出"])
    sheet = workbook.create_sheet("项目清单")
    sheet.append(["2014年3月在建项目清单"])
    sheet.append(list(CHINESE.values()))
    for n in (1, 2):
        cells = project_cells(n)
        cells[4] = 440304  # the district as a number
        cells[5] = n * 1000 + 0.5  # the investment as a number
        cells[6] = datetime(2014, 3, n, 9, 30)  # the date as a date cell
        sheet.append(cells)
    workbook.save(path)


async def test_excel_sheet_with_a_title_row_is_read_with_cell_types(
    store: Store, store_config: str, folder: Path
) -> None:
    write_workbook(folder / "xm_201403.xlsx")
    config = drop_config(
        folder,
        store_config,
        kind="excel",
        stream={"pattern": "*.xlsx", "sheet": "项目清单", "header_row": 2},
    )
    report = await sync(store, config)
    assert report.state == "succeeded", report.error
    assert report.total("inserted") == 2
    async with store.read() as conn:
        project = (
            await conn.execute(
                select(tables.projects).where(tables.projects.c.code == "2014-440304-47-01-000002")
            )
        ).one()
    assert (project.district, project.total_investment) == ("440304", 2000.5)
    assert project.registered_at == datetime(2014, 3, 2, 1, 30)  # 09:30 in Asia/Shanghai
    (recorded,) = (await source_files(store)).values()
    assert (recorded.path, recorded.state, recorded.rows) == (
        "xm_201403.xlsx#project",
        "applied",
        2,
    )


async def test_a_damaged_workbook_or_missing_sheet_fails_as_a_whole(
    store: Store, store_config: str, folder: Path
) -> None:
    (folder / "a.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    write_workbook(folder / "b.xlsx")
    config = drop_config(
        folder, store_config, kind="excel", stream={"pattern": "*.xlsx", "sheet": "清单"}
    )
    report = await sync(store, config)
    assert report.total("read") == 0
    errors = {path: r.error for (path, _), r in (await source_files(store)).items()}
    assert "not a readable workbook" in errors["a.xlsx#project"]
    assert "save it as an Excel workbook (.xlsx)" in errors["a.xlsx#project"]
    assert "the workbook has no sheet '清单'" in errors["b.xlsx#project"]
    assert "说明, 项目清单" in errors["b.xlsx#project"]


async def peak_memory_of_reading(folder: Path, store: Store, rows: int) -> tuple[int, int]:
    """(peak bytes allocated while the connector read a file of ``rows`` rows, file size)."""
    for old in folder.iterdir():
        old.unlink()
    with (folder / "xm_big.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CHINESE.values())
        writer.writerows(project_cells(n) for n in range(1, rows + 1))
    config = drop_config(folder, store.url.render_as_string(hide_password=False))
    connector = build_connector(config.connectors[0], config)
    read = 0
    tracemalloc.start()
    try:
        request = ReadRequest(config.connectors[0].streams[0], list(CHINESE.values()), 200)
        async for batch in connector.read(request):
            read += len(batch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await connector.close()
    assert read == rows
    return peak, (folder / "xm_big.csv").stat().st_size


async def test_memory_does_not_grow_with_the_file(tmp_path: Path, folder: Path) -> None:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    await store.migrate()
    try:
        small, _ = await peak_memory_of_reading(folder, store, 3_000)
        large, size = await peak_memory_of_reading(folder, store, 25_000)
    finally:
        await store.dispose()
    assert size > 3_000_000
    assert large < small * 1.3 and large < size / 3, (small, large, size)


async def test_bytes_no_known_encoding_decodes_are_not_text_and_no_encoding_is_suggested(
    store: Store, store_config: str, folder: Path
) -> None:
    # A workbook saved under a .csv name: a zip archive, not text in UTF-8 or GB18030.
    binary = folder / "xm_book.csv"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(128, 256)) * 4)
    gbk = folder / "xm_gbk.csv"
    write_csv(gbk, [project_cells(1, XMMC="福田区第1小学")], headers=PINYIN, encoding="gbk")
    await sync(store, drop_config(folder, store_config, headers=PINYIN))
    by_path = {path: r for (path, _), r in (await source_files(store)).items()}
    not_text = by_path["xm_book.csv#project"].error
    assert "the file is not text in any known encoding (utf-8, gb18030)" in not_text
    assert "set encoding" not in not_text
    assert 'set encoding = "gb18030"' in by_path["xm_gbk.csv#project"].error
