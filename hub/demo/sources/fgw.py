"""发改委 (Development & Reform): the project register (XM_JBXX, 项目基本信息) with its code
tables, and the commission's own approvals (立项): XM_SPSX 审批事项, XM_SPLC 审批流程 whose step
codes are Chinese words, XM_PFWJ 批复文件. Total investment is text with thousands separators
(万元), the registration date 'YYYYMMDD', approval times 'YYYY-MM-DD HH:MM', document dates
'YYYY.M.D'."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from hub.demo.dataset import Dataset
from hub.demo.names import credit_code
from hub.demo.sources.common import (
    SCHEDULE,
    BadRow,
    code_rows,
    dumps,
    iso,
    iso_date,
    source_url,
    write_database,
)
from hub.entities import (
    Decision,
    EventStep,
    FilingStatus,
    Funding,
    ProjectCategory,
    ProjectStatus,
)

NAME = "fgw"
DEPARTMENT = "FGW"

CATEGORIES = {
    ProjectCategory.BUILDING: ("01", "房屋建筑"),
    ProjectCategory.MUNICIPAL: ("02", "市政基础设施"),
    ProjectCategory.TRANSPORT: ("03", "交通运输"),
    ProjectCategory.WATER: ("04", "水利水务"),
    ProjectCategory.OTHER: ("99", "其他"),
}
FUNDING = {Funding.GOVERNMENT: ("1", "政府投资"), Funding.SOCIAL: ("2", "社会投资")}
PROJECT_STATUSES = {
    ProjectStatus.PLANNING: ("1", "前期"),
    ProjectStatus.UNDER_APPROVAL: ("2", "审批中"),
    ProjectStatus.UNDER_CONSTRUCTION: ("3", "在建"),
    ProjectStatus.COMPLETED: ("4", "竣工"),
    ProjectStatus.SUSPENDED: ("5", "暂停"),
}
STATUSES = {
    FilingStatus.SUBMITTED: ("1", "已申请"),
    FilingStatus.ACCEPTED: ("2", "已受理"),
    FilingStatus.IN_PROGRESS: ("3", "审批中"),
    FilingStatus.SUPPLEMENT: ("4", "补正中"),
    FilingStatus.APPROVED: ("5", "已批复"),
    FilingStatus.REJECTED: ("6", "不予批复"),
    FilingStatus.WITHDRAWN: ("7", "已撤回"),
}
STEPS = {
    EventStep.ACCEPT: "受理",
    EventStep.HANDLE: "承办",
    EventStep.REVIEW: "审核",
    EventStep.DECIDE: "审批",
    EventStep.SUPPLEMENT_REQUESTED: "补正通知",
    EventStep.SUPPLEMENT_RECEIVED: "补正接收",
    EventStep.COMPLETE: "办结",
}
DECISIONS = {Decision.APPROVED: "同意", Decision.REJECTED: "不同意"}

SCHEMA = """
CREATE TABLE DM_XMLB (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE DM_ZJLY (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE DM_XMZT (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE DM_SPZT (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE XM_JBXX (XMDM VARCHAR(32) PRIMARY KEY, XMMC VARCHAR(400), XMLB VARCHAR(2),
    ZJLY VARCHAR(2), XMDW VARCHAR(400), XMDWDM VARCHAR(18), XZQH VARCHAR(6), ZTZ VARCHAR(32),
    DJRQ CHAR(8), XMZT VARCHAR(2), JSNR VARCHAR(1000), GXSJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_XM_JBXX_GXSJ ON XM_JBXX (GXSJ);
CREATE TABLE XM_SPSX (SPBH VARCHAR(20) PRIMARY KEY, XMDM VARCHAR(32), SXBM VARCHAR(20),
    SQSJ VARCHAR(16), SLSJ VARCHAR(16), BJSJ VARCHAR(16), BLZT VARCHAR(2), CNTS INTEGER,
    GXSJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_XM_SPSX_GXSJ ON XM_SPSX (GXSJ);
CREATE TABLE XM_SPLC (LCID INTEGER PRIMARY KEY, SPBH VARCHAR(20), XMDM VARCHAR(32),
    HJMC VARCHAR(20), BLCS VARCHAR(100), BLR VARCHAR(50), BLSJ VARCHAR(16), BLYJ VARCHAR(2000),
    GXSJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_XM_SPLC_GXSJ ON XM_SPLC (GXSJ);
CREATE TABLE XM_PFWJ (WJID INTEGER PRIMARY KEY, SPBH VARCHAR(20), XMDM VARCHAR(32),
    SPJG VARCHAR(10), WJLX VARCHAR(100), WH VARCHAR(100), CWRQ VARCHAR(10), YXQZ VARCHAR(10),
    FWJG VARCHAR(200), JSDW VARCHAR(400), FJXX TEXT, GXSJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_XM_PFWJ_GXSJ ON XM_PFWJ (GXSJ);
"""

_BAD_PROJECT = {
    "XMLB": "01",
    "ZJLY": "1",
    "XMDW": "福田区建筑工务局",
    "XMDWDM": credit_code("福田区建筑工务局", government=True, division="440304"),
    "XZQH": "440304",
    "ZTZ": "1,000.00",
    "DJRQ": "20140305",
    "XMZT": "2",
    "GXSJ": "2014-03-05 09:00:00",
}
BAD_ROWS = (
    BadRow(
        "project",
        "XM_JBXX",
        "project code XM2014-0001 is not a project code",
        {**_BAD_PROJECT, "XMDM": "XM2014-0001", "XMMC": "福田区某学校改扩建工程"},
    ),
    BadRow(
        "project",
        "XM_JBXX",
        "project code with a five-digit serial (wrong length)",
        {**_BAD_PROJECT, "XMDM": "2014-440304-47-01-00012", "XMMC": "福田区某幼儿园新建工程"},
    ),
    BadRow(
        "project",
        "XM_JBXX",
        "project name missing",
        {**_BAD_PROJECT, "XMDM": "2014-440304-47-01-990011", "XMMC": None},
    ),
    BadRow(
        "project",
        "XM_JBXX",
        "status code 99 is not in the code table DM_XMZT",
        {
            **_BAD_PROJECT,
            "XMDM": "2014-440304-47-01-990012",
            "XMMC": "福田区某公园建设工程",
            "XMZT": "99",
        },
    ),
    BadRow(
        "project",
        "XM_JBXX",
        "registered on 20140230",
        {
            **_BAD_PROJECT,
            "XMDM": "2014-440304-47-01-990013",
            "XMMC": "福田区某道路改造工程",
            "DJRQ": "20140230",
        },
    ),
)


def write(path: Path, data: Dataset) -> None:
    filings = data.filings_of(NAME)
    tables: dict[str, tuple[tuple[str, ...], Any]] = {
        "DM_XMLB": (("DM", "MC"), code_rows(dict(CATEGORIES.values()))),
        "DM_ZJLY": (("DM", "MC"), code_rows(dict(FUNDING.values()))),
        "DM_XMZT": (("DM", "MC"), code_rows(dict(PROJECT_STATUSES.values()))),
        "DM_SPZT": (("DM", "MC"), code_rows(dict(STATUSES.values()))),
        "XM_JBXX": (
            (
                "XMDM",
                "XMMC",
                "XMLB",
                "ZJLY",
                "XMDW",
                "XMDWDM",
                "XZQH",
                "ZTZ",
                "DJRQ",
                "XMZT",
                "JSNR",
                "GXSJ",
            ),
            [
                (
                    p.code,
                    p.name,
                    CATEGORIES[p.category][0],
                    FUNDING[p.funding][0],
                    p.owner_name,
                    p.owner_credit_code,
                    p.district,
                    f"{p.total_investment:,.2f}",
                    p.registered_at.strftime("%Y%m%d"),
                    PROJECT_STATUSES[p.status][0],
                    p.description,
                    iso(p.updated_at),
                )
                for p in sorted(data.projects, key=lambda p: p.code)
            ],
        ),
        "XM_SPSX": (
            ("SPBH", "XMDM", "SXBM", "SQSJ", "SLSJ", "BJSJ", "BLZT", "CNTS", "GXSJ"),
            [
                (
                    approval_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    f.matter.code,
                    _minutes(f.submitted_at),
                    _minutes(f.accepted_at),
                    _minutes(f.completed_at),
                    STATUSES[f.status][0],
                    f.time_limit_days,
                    iso(f.updated_at),
                )
                for f in filings
            ],
        ),
        "XM_SPLC": (
            ("LCID", "SPBH", "XMDM", "HJMC", "BLCS", "BLR", "BLSJ", "BLYJ", "GXSJ"),
            [
                (
                    e.native_id,
                    approval_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    STEPS[e.step],
                    e.division,
                    e.actor,
                    _minutes(e.occurred_at),
                    e.opinion,
                    iso(e.updated_at),
                )
                for f, e in data.events_of(NAME)
            ],
        ),
        "XM_PFWJ": (
            (
                "WJID",
                "SPBH",
                "XMDM",
                "SPJG",
                "WJLX",
                "WH",
                "CWRQ",
                "YXQZ",
                "FWJG",
                "JSDW",
                "FJXX",
                "GXSJ",
            ),
            sorted(
                (
                    o.native_id,
                    approval_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    DECISIONS[o.decision],
                    o.document_type,
                    o.document_number,
                    _dotted(o.issued_at),
                    iso_date(o.valid_until),
                    o.issuer,
                    o.holder,
                    dumps(o.attributes),
                    iso(o.updated_at),
                )
                for f in filings
                if (o := f.outcome) is not None
            ),
        ),
    }
    write_database(path, SCHEMA, tables, BAD_ROWS)


def approval_number(native_id: int, year: int) -> str:
    """审批编号, e.g. FG2014-00123."""
    return f"FG{year}-{native_id:05d}"


def _minutes(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M")


def _dotted(value: date) -> str:
    return f"{value.year}.{value.month}.{value.day}"


def connector() -> dict[str, Any]:
    return {
        "name": NAME,
        "kind": "sql",
        "url": source_url(NAME),
        "department": DEPARTMENT,
        "schedule": SCHEDULE,
        "value_maps": {
            "category": {c: m.value for m, (c, _) in CATEGORIES.items()},
            "funding": {c: m.value for m, (c, _) in FUNDING.items()},
            "project_status": {c: m.value for m, (c, _) in PROJECT_STATUSES.items()},
            "filing_status": {c: m.value for m, (c, _) in STATUSES.items()},
            "step": {name: m.value for m, name in STEPS.items()},
            "decision": {name: m.value for m, name in DECISIONS.items()},
        },
        "streams": [
            {
                "entity": "project",
                "table": "XM_JBXX",
                "cursor": "GXSJ",
                "fields": {
                    "code": "XMDM",
                    "name": "XMMC",
                    "category": {"column": "XMLB", "map": "category"},
                    "funding": {"column": "ZJLY", "map": "funding"},
                    "owner_name": "XMDW",
                    "owner_credit_code": "XMDWDM",
                    "district": "XZQH",
                    "total_investment": "ZTZ",
                    "registered_at": {"column": "DJRQ", "formats": ["%Y%m%d"]},
                    "status": {"column": "XMZT", "map": "project_status"},
                },
            },
            {
                "entity": "filing",
                "table": "XM_SPSX",
                "cursor": "GXSJ",
                "fields": {
                    "key": {"expr": "'FGW-' || SPBH"},
                    "project_code": "XMDM",
                    "matter_code": "SXBM",
                    "department_code": {"default": DEPARTMENT},
                    "submitted_at": "SQSJ",
                    "accepted_at": "SLSJ",
                    "completed_at": "BJSJ",
                    "status": {"column": "BLZT", "map": "filing_status"},
                    "time_limit_days": "CNTS",
                },
            },
            {
                "entity": "process_event",
                "table": "XM_SPLC",
                "cursor": "GXSJ",
                "fields": {
                    "key": {"expr": "'FGW-L' || LCID"},
                    "filing_key": {"expr": "'FGW-' || SPBH"},
                    "project_code": "XMDM",
                    "step": {"column": "HJMC", "map": "step"},
                    "division": "BLCS",
                    "actor": "BLR",
                    "occurred_at": "BLSJ",
                    "opinion": "BLYJ",
                },
            },
            {
                "entity": "outcome",
                "table": "XM_PFWJ",
                "cursor": "GXSJ",
                "fields": {
                    "key": {"expr": "'FGW-W' || WJID"},
                    "filing_key": {"expr": "'FGW-' || SPBH"},
                    "project_code": "XMDM",
                    "decision": {"column": "SPJG", "map": "decision"},
                    "document_type": "WJLX",
                    "document_number": "WH",
                    "issued_at": "CWRQ",
                    "valid_until": "YXQZ",
                    "issuer": "FWJG",
                    "holder": "JSDW",
                    "attributes": "FJXX",
                },
            },
        ],
    }
