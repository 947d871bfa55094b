"""人居环境委 (Environment): an Oracle-style system (VARCHAR2/NUMBER columns, TB_ prefixes,
times as 'YYYY-MM-DD HH:MM:SS.0', dates as midnight timestamps). Its tables carry no update
time; the hub follows an integer row version SCN instead (like ORA_ROWSCN), raised on every write
across the schema. Materials are a list separated by full-width commas '，'."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from hub.demo.dataset import Dataset
from hub.demo.sources.common import SCHEDULE, BadRow, dumps, source_url, write_database
from hub.entities import Decision, EventStep, FilingStatus

NAME = "rjw"
DEPARTMENT = "RJW"
FIRST_SCN = 8_800_000

STATUSES = {
    FilingStatus.SUBMITTED: ("A", "待受理"),
    FilingStatus.SUPPLEMENT: ("B", "补正中"),
    FilingStatus.ACCEPTED: ("C", "已受理"),
    FilingStatus.IN_PROGRESS: ("D", "审查中"),
    FilingStatus.APPROVED: ("E", "批准"),
    FilingStatus.REJECTED: ("F", "不予批准"),
    FilingStatus.WITHDRAWN: ("G", "撤回"),
}
STEPS = {
    EventStep.ACCEPT: ("01", "受理"),
    EventStep.HANDLE: ("02", "承办"),
    EventStep.REVIEW: ("03", "审核"),
    EventStep.DECIDE: ("04", "审批"),
    EventStep.SUPPLEMENT_REQUESTED: ("05", "补正通知"),
    EventStep.SUPPLEMENT_RECEIVED: ("06", "补正接收"),
    EventStep.COMPLETE: ("09", "办结"),
}
RESULTS = {Decision.APPROVED: ("1", "批准"), Decision.REJECTED: ("0", "不予批准")}
_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"

SCHEMA = """
CREATE TABLE TB_XT_DM (DMLB VARCHAR2(20), DM VARCHAR2(10), DMMC VARCHAR2(50),
    PRIMARY KEY (DMLB, DM));
CREATE TABLE TB_HPSP_SQ (SQ_ID NUMBER(12) PRIMARY KEY, XMBH VARCHAR2(32), SXDM VARCHAR2(20),
    SQSJ VARCHAR2(25), SLSJ VARCHAR2(25), BJSJ VARCHAR2(25), SQZT VARCHAR2(2), FDSX NUMBER(4),
    SQCL VARCHAR2(2000), SCN NUMBER(20) NOT NULL);
CREATE INDEX IX_TB_HPSP_SQ_SCN ON TB_HPSP_SQ (SCN);
CREATE TABLE TB_HPSP_LC (LC_ID NUMBER(12) PRIMARY KEY, SQ_ID NUMBER(12), XMBH VARCHAR2(32),
    JDDM VARCHAR2(4), CLBM VARCHAR2(100), CLR VARCHAR2(50), CLSJ VARCHAR2(25),
    CLYJ VARCHAR2(2000), SCN NUMBER(20) NOT NULL);
CREATE INDEX IX_TB_HPSP_LC_SCN ON TB_HPSP_LC (SCN);
CREATE TABLE TB_HPSP_PF (PF_ID NUMBER(12) PRIMARY KEY, SQ_ID NUMBER(12), XMBH VARCHAR2(32),
    SPJG VARCHAR2(2), PFLX VARCHAR2(100), PFWH VARCHAR2(100), PFRQ VARCHAR2(25),
    YXQ VARCHAR2(25), PFDW VARCHAR2(200), JSDW VARCHAR2(400), FJXX VARCHAR2(4000),
    SCN NUMBER(20) NOT NULL);
CREATE INDEX IX_TB_HPSP_PF_SCN ON TB_HPSP_PF (SCN);
"""

_BAD_SQ = {
    "SXDM": "RJW-002",
    "SLSJ": None,
    "BJSJ": None,
    "SQZT": "A",
    "FDSX": 15,
    "SQCL": "申请表，环境影响评价文件",
}
BAD_ROWS = (
    BadRow(
        "filing",
        "TB_HPSP_SQ",
        "project code HP-2014-001 is not a project code",
        {
            **_BAD_SQ,
            "SQ_ID": 990001,
            "XMBH": "HP-2014-001",
            "SQSJ": "2014-05-05 09:00:00.0",
            "SCN": FIRST_SCN - 5,
        },
    ),
    BadRow(
        "filing",
        "TB_HPSP_SQ",
        "applied on 2014-02-30",
        {
            **_BAD_SQ,
            "SQ_ID": 990002,
            "XMBH": "2014-440310-76-01-990041",
            "SQSJ": "2014-02-30 00:00:00.0",
            "SCN": FIRST_SCN - 4,
        },
    ),
    BadRow(
        "filing",
        "TB_HPSP_SQ",
        "status Q is not in the code table TB_XT_DM",
        {
            **_BAD_SQ,
            "SQ_ID": 990003,
            "XMBH": "2014-440310-76-01-990042",
            "SQSJ": "2014-05-06 09:00:00.0",
            "SQZT": "Q",
            "SCN": FIRST_SCN - 3,
        },
    ),
    BadRow(
        "process_event",
        "TB_HPSP_LC",
        "step time 0000-00-00 00:00:00.0",
        {
            "LC_ID": 990001,
            "SQ_ID": 990003,
            "XMBH": "2014-440310-76-01-990042",
            "JDDM": "01",
            "CLBM": "人居环境委行政服务窗口",
            "CLR": "张敏",
            "CLSJ": "0000-00-00 00:00:00.0",
            "CLYJ": "予以受理",
            "SCN": FIRST_SCN - 2,
        },
    ),
    BadRow(
        "outcome",
        "TB_HPSP_PF",
        "decision missing",
        {
            "PF_ID": 990001,
            "SQ_ID": 990003,
            "XMBH": "2014-440310-76-01-990042",
            "SPJG": None,
            "PFLX": "环境影响报告表批复",
            "PFWH": "深环批[2014]9001号",
            "PFRQ": "2014-06-06 00:00:00.0",
            "PFDW": "深圳市人居环境委员会",
            "JSDW": "深圳市某某实业有限公司",
            "FJXX": "{}",
            "SCN": FIRST_SCN - 1,
        },
    ),
)


def write(path: Path, data: Dataset) -> None:
    filings = data.filings_of(NAME)
    # Row versions in the order the rows were last written, across all tables.
    writes: list[tuple[datetime, int, int, list[Any]]] = []
    for f in filings:
        row = [
            f.native_id,
            f.project_code,
            f.matter.code,
            _stamp(f.submitted_at),
            _stamp(f.accepted_at),
            _stamp(f.completed_at),
            STATUSES[f.status][0],
            f.time_limit_days,
            "，".join(f.materials),
        ]
        writes.append((f.updated_at, 0, f.native_id, row))
    for f, e in data.events_of(NAME):
        row = [
            e.native_id,
            f.native_id,
            f.project_code,
            STEPS[e.step][0],
            e.division,
            e.actor,
            _stamp(e.occurred_at),
            e.opinion,
        ]
        writes.append((e.updated_at, 1, e.native_id, row))
    for f in filings:
        if (o := f.outcome) is not None:
            row = [
                o.native_id,
                f.native_id,
                f.project_code,
                RESULTS[o.decision][0],
                o.document_type,
                o.document_number,
                _stamp(o.issued_at),
                _midnight(o.valid_until),
                o.issuer,
                o.holder,
                dumps(o.attributes),
            ]
            writes.append((o.updated_at, 2, o.native_id, row))
    writes.sort(key=lambda w: w[:3])
    rows: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    for scn, (_, table, _, row) in enumerate(writes, start=FIRST_SCN):
        rows[table].append((*row, scn))
    codes = (
        [("SQZT", c, n) for c, n in STATUSES.values()]
        + [("JDDM", c, n) for c, n in STEPS.values()]
        + [("SPJG", c, n) for c, n in RESULTS.values()]
    )
    tables: dict[str, tuple[tuple[str, ...], Any]] = {
        "TB_XT_DM": (("DMLB", "DM", "DMMC"), codes),
        "TB_HPSP_SQ": (
            ("SQ_ID", "XMBH", "SXDM", "SQSJ", "SLSJ", "BJSJ", "SQZT", "FDSX", "SQCL", "SCN"),
            sorted(rows[0]),
        ),
        "TB_HPSP_LC": (
            ("LC_ID", "SQ_ID", "XMBH", "JDDM", "CLBM", "CLR", "CLSJ", "CLYJ", "SCN"),
            sorted(rows[1]),
        ),
        "TB_HPSP_PF": (
            (
                "PF_ID",
                "SQ_ID",
                "XMBH",
                "SPJG",
                "PFLX",
                "PFWH",
                "PFRQ",
                "YXQ",
                "PFDW",
                "JSDW",
                "FJXX",
                "SCN",
            ),
            sorted(rows[2]),
        ),
    }
    write_database(path, SCHEMA, tables, BAD_ROWS)


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ") + ".0"


def _midnight(value: date | None) -> str | None:
    return None if value is None else f"{value.isoformat()} 00:00:00.0"


def connector() -> dict[str, Any]:
    return {
        "name": NAME,
        "kind": "sql",
        "url": source_url(NAME),
        "department": DEPARTMENT,
        "schedule": SCHEDULE,
        "value_maps": {
            "sqzt": {c: m.value for m, (c, _) in STATUSES.items()},
            "jddm": {c: m.value for m, (c, _) in STEPS.items()},
            "spjg": {c: m.value for m, (c, _) in RESULTS.items()},
        },
        "streams": [
            {
                "entity": "filing",
                "table": "TB_HPSP_SQ",
                "cursor": "SCN",
                "fields": {
                    "key": {"expr": "'RJW-' || SQ_ID"},
                    "project_code": "XMBH",
                    "matter_code": "SXDM",
                    "department_code": {"default": DEPARTMENT},
                    "submitted_at": "SQSJ",
                    "accepted_at": "SLSJ",
                    "completed_at": "BJSJ",
                    "status": {"column": "SQZT", "map": "sqzt"},
                    "time_limit_days": "FDSX",
                    "materials": {"column": "SQCL", "split": "，"},
                },
            },
            {
                "entity": "process_event",
                "table": "TB_HPSP_LC",
                "cursor": "SCN",
                "fields": {
                    "key": {"expr": "'RJW-L' || LC_ID"},
                    "filing_key": {"expr": "'RJW-' || SQ_ID"},
                    "project_code": "XMBH",
                    "step": {"column": "JDDM", "map": "jddm"},
                    "division": "CLBM",
                    "actor": "CLR",
                    "occurred_at": "CLSJ",
                    "opinion": "CLYJ",
                },
            },
            {
                "entity": "outcome",
                "table": "TB_HPSP_PF",
                "cursor": "SCN",
                "fields": {
                    "key": {"expr": "'RJW-P' || PF_ID"},
                    "filing_key": {"expr": "'RJW-' || SQ_ID"},
                    "project_code": "XMBH",
                    "decision": {"column": "SPJG", "map": "spjg"},
                    "document_type": "PFLX",
                    "document_number": "PFWH",
                    "issued_at": "PFRQ",
                    "valid_until": {"column": "YXQ", "formats": [_TIMESTAMP]},
                    "issuer": "PFDW",
                    "holder": "JSDW",
                    "attributes": "FJXX",
                },
            },
        ],
    }
