"""协同审批平台 (the shared platform): the department list, the matter catalogue with its
prerequisites and code tables, and the filings of the twelve departments without their own
system. Pinyin-initial names (BM_JBXX 部门基本信息, SX_ML 事项目录, SB_XX 申报信息 ...), times as
'YYYY-MM-DD HH:MM:SS', materials as a ';'-separated list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.demo.dataset import Dataset
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
from hub.entities import Decision, EventStep, FilingStatus, Stage, TimeLimitClass

NAME = "platform"

STAGES = {
    Stage.LAND_PLANNING: ("1", "立项用地规划许可"),
    Stage.ENGINEERING_PERMIT: ("2", "工程建设许可"),
    Stage.CONSTRUCTION_PERMIT: ("3", "施工许可"),
    Stage.COMPLETION_ACCEPTANCE: ("4", "竣工验收"),
    Stage.PARALLEL: ("5", "并行推进"),
}
CLASSES = {
    TimeLimitClass.IMMEDIATE: ("1", "即办件"),
    TimeLimitClass.ORDINARY: ("2", "承诺件（普通）"),
    TimeLimitClass.COMPLEX: ("3", "承诺件（复杂）"),
}
STATUSES = {
    FilingStatus.SUBMITTED: ("00", "已申报"),
    FilingStatus.ACCEPTED: ("01", "已受理"),
    FilingStatus.IN_PROGRESS: ("02", "办理中"),
    FilingStatus.SUPPLEMENT: ("03", "补齐补正"),
    FilingStatus.APPROVED: ("10", "办结（准予）"),
    FilingStatus.REJECTED: ("11", "办结（不予）"),
    FilingStatus.WITHDRAWN: ("20", "撤回"),
}
STEPS = {
    EventStep.ACCEPT: ("SL", "受理"),
    EventStep.HANDLE: ("CB", "承办"),
    EventStep.REVIEW: ("SH", "审核"),
    EventStep.DECIDE: ("SP", "审批"),
    EventStep.SUPPLEMENT_REQUESTED: ("BZGZ", "补正告知"),
    EventStep.SUPPLEMENT_RECEIVED: ("BZJS", "补正接收"),
    EventStep.COMPLETE: ("BJ", "办结"),
}
DECISIONS = {Decision.APPROVED: ("1", "准予"), Decision.REJECTED: ("0", "不予")}

SCHEMA = """
CREATE TABLE BM_JBXX (BMDM VARCHAR(16) PRIMARY KEY, BMMC VARCHAR(100), BMJC VARCHAR(32),
    TYSHXYDM VARCHAR(18), ZYXT CHAR(1), GXSJ VARCHAR(19) NOT NULL);
CREATE TABLE DM_JD (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE DM_SXLX (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE DM_BJZT (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE DM_HJ (DM VARCHAR(8) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE DM_JDJG (DM VARCHAR(2) PRIMARY KEY, MC VARCHAR(50));
CREATE TABLE SX_ML (SXBM VARCHAR(20) PRIMARY KEY, SXMC VARCHAR(200), BMDM VARCHAR(16),
    JDDM VARCHAR(2), SXLX VARCHAR(2), CNSX INTEGER, FDSX INTEGER, ZJMC VARCHAR(100),
    SFYX CHAR(1), GXSJ VARCHAR(19) NOT NULL);
CREATE TABLE SX_QZSX (SXBM VARCHAR(20), QZSXBM VARCHAR(20), GXSJ VARCHAR(19) NOT NULL,
    PRIMARY KEY (SXBM, QZSXBM));
CREATE TABLE SB_XX (SBBH VARCHAR(20) PRIMARY KEY, XMDM VARCHAR(32), XMMC VARCHAR(400),
    SXBM VARCHAR(20), BMDM VARCHAR(16), SBSJ VARCHAR(19), SLSJ VARCHAR(19), BJSJ VARCHAR(19),
    BJZT VARCHAR(2), CNSX INTEGER, SBCL TEXT, GXSJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_SB_XX_GXSJ ON SB_XX (GXSJ);
CREATE TABLE SB_GC (GCBH VARCHAR(20) PRIMARY KEY, SBBH VARCHAR(20), XMDM VARCHAR(32),
    HJDM VARCHAR(8), CLKS VARCHAR(100), CLR VARCHAR(50), CLSJ VARCHAR(19), CLYJ VARCHAR(2000),
    GXSJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_SB_GC_GXSJ ON SB_GC (GXSJ);
CREATE TABLE SB_JG (JGBH VARCHAR(20) PRIMARY KEY, SBBH VARCHAR(20), XMDM VARCHAR(32),
    JDJG VARCHAR(2), ZJLX VARCHAR(100), ZJBH VARCHAR(100), FZRQ VARCHAR(10), YXQZ VARCHAR(10),
    FZJG VARCHAR(200), CYR VARCHAR(400), KZXX TEXT, GXSJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_SB_JG_GXSJ ON SB_JG (GXSJ);
"""

BAD_ROWS = (
    BadRow(
        "department",
        "BM_JBXX",
        "credit code with a wrong check digit",
        {
            "BMDM": "JXW",
            "BMMC": "深圳市经济贸易和信息化委员会",
            "BMJC": "经信委",
            "TYSHXYDM": "11440300007542101A",
            "ZYXT": "0",
            "GXSJ": "2014-06-30 10:00:00",
        },
    ),
    BadRow(
        "matter",
        "SX_ML",
        "stage code 9 is not in the code table DM_JD",
        {
            "SXBM": "SWJ-099",
            "SXMC": "水务工程建设项目（试行）",
            "BMDM": "SWJ",
            "JDDM": "9",
            "SXLX": "2",
            "CNSX": 10,
            "FDSX": 20,
            "SFYX": "1",
            "GXSJ": "2014-07-01 09:30:00",
        },
    ),
    BadRow(
        "filing",
        "SB_XX",
        "project code XM2014-0001 is not a project code",
        {
            "SBBH": "SB2014900001",
            "XMDM": "XM2014-0001",
            "XMMC": "某某项目",
            "SXBM": "SWJ-001",
            "BMDM": "SWJ",
            "SBSJ": "2014-05-06 10:11:12",
            "BJZT": "00",
            "CNSX": 20,
            "GXSJ": "2014-05-06 10:11:12",
        },
    ),
    BadRow(
        "filing",
        "SB_XX",
        "submitted on 2014-02-30",
        {
            "SBBH": "SB2014900002",
            "XMDM": "2014-440304-47-01-990001",
            "XMMC": "福田区测试项目",
            "SXBM": "XFJ-001",
            "BMDM": "XFJ",
            "SBSJ": "2014-02-30 10:00:00",
            "BJZT": "00",
            "CNSX": 20,
            "GXSJ": "2014-03-03 09:00:00",
        },
    ),
    BadRow(
        "process_event",
        "SB_GC",
        "step time 0000-00-00 00:00:00",
        {
            "GCBH": "GC90000001",
            "SBBH": "SB2014900003",
            "XMDM": "2014-440305-47-01-990002",
            "HJDM": "SL",
            "CLKS": "水务局行政服务窗口",
            "CLR": "王伟",
            "CLSJ": "0000-00-00 00:00:00",
            "CLYJ": "予以受理",
            "GXSJ": "2014-08-08 08:08:08",
        },
    ),
)


def write(path: Path, data: Dataset) -> None:
    catalogue = data.catalogue
    filings = data.filings_of(NAME)
    names = {p.code: p.name for p in data.projects}
    tables: dict[str, tuple[tuple[str, ...], Any]] = {
        "BM_JBXX": (
            ("BMDM", "BMMC", "BMJC", "TYSHXYDM", "ZYXT", "GXSJ"),
            [
                (
                    d.code,
                    d.name,
                    d.short_name,
                    d.credit_code,
                    "0" if d.system == NAME else "1",
                    iso(d.updated_at),
                )
                for d in catalogue.departments
            ],
        ),
        "DM_JD": (("DM", "MC"), code_rows(dict(STAGES.values()))),
        "DM_SXLX": (("DM", "MC"), code_rows(dict(CLASSES.values()))),
        "DM_BJZT": (("DM", "MC"), code_rows(dict(STATUSES.values()))),
        "DM_HJ": (("DM", "MC"), code_rows(dict(STEPS.values()))),
        "DM_JDJG": (("DM", "MC"), code_rows(dict(DECISIONS.values()))),
        "SX_ML": (
            ("SXBM", "SXMC", "BMDM", "JDDM", "SXLX", "CNSX", "FDSX", "ZJMC", "SFYX", "GXSJ"),
            [
                (
                    m.code,
                    m.name,
                    m.department_code,
                    STAGES[m.stage][0],
                    CLASSES[m.time_limit_class][0],
                    m.time_limit_days,
                    max(1, m.time_limit_days * 2) if m.time_limit_days > 1 else 1,
                    m.document_type,
                    "1",
                    iso(m.updated_at),
                )
                for m in catalogue.matters
            ],
        ),
        "SX_QZSX": (
            ("SXBM", "QZSXBM", "GXSJ"),
            [(m.code, p, iso(m.updated_at)) for m in catalogue.matters for p in m.prerequisites],
        ),
        "SB_XX": (
            (
                "SBBH",
                "XMDM",
                "XMMC",
                "SXBM",
                "BMDM",
                "SBSJ",
                "SLSJ",
                "BJSJ",
                "BJZT",
                "CNSX",
                "SBCL",
                "GXSJ",
            ),
            [
                (
                    filing_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    names.get(f.project_code),
                    f.matter.code,
                    f.department_code,
                    iso(f.submitted_at),
                    iso(f.accepted_at),
                    iso(f.completed_at),
                    STATUSES[f.status][0],
                    f.time_limit_days,
                    ";".join(f.materials),
                    iso(f.updated_at),
                )
                for f in filings
            ],
        ),
        "SB_GC": (
            ("GCBH", "SBBH", "XMDM", "HJDM", "CLKS", "CLR", "CLSJ", "CLYJ", "GXSJ"),
            [
                (
                    f"GC{e.native_id:08d}",
                    filing_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    STEPS[e.step][0],
                    e.division,
                    e.actor,
                    iso(e.occurred_at),
                    e.opinion,
                    iso(e.updated_at),
                )
                for f, e in data.events_of(NAME)
            ],
        ),
        "SB_JG": (
            (
                "JGBH",
                "SBBH",
                "XMDM",
                "JDJG",
                "ZJLX",
                "ZJBH",
                "FZRQ",
                "YXQZ",
                "FZJG",
                "CYR",
                "KZXX",
                "GXSJ",
            ),
            sorted(
                (
                    (
                        f"JG{o.native_id:07d}",
                        filing_number(f.native_id, f.submitted_at.year),
                        f.project_code,
                        DECISIONS[o.decision][0],
                        o.document_type,
                        o.document_number,
                        iso_date(o.issued_at),
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
        ),
    }
    write_database(path, SCHEMA, tables, BAD_ROWS)


def filing_number(native_id: int, year: int) -> str:
    """申报编号, e.g. SB2014000123 (the sequence runs across years)."""
    return f"SB{year}{native_id:06d}"


def _map(codes: dict[Any, tuple[str, str]]) -> dict[str, str]:
    return {code: member.value for member, (code, _) in codes.items()}


def connector() -> dict[str, Any]:
    xt = "'XT-' || "
    return {
        "name": NAME,
        "kind": "sql",
        "url": source_url(NAME),
        "schedule": SCHEDULE,
        "value_maps": {
            "stage": _map(STAGES),
            "time_limit_class": _map(CLASSES),
            "filing_status": _map(STATUSES),
            "step": _map(STEPS),
            "decision": _map(DECISIONS),
        },
        "streams": [
            {
                "entity": "department",
                "table": "BM_JBXX",
                "cursor": "GXSJ",
                "fields": {
                    "code": "BMDM",
                    "name": "BMMC",
                    "credit_code": "TYSHXYDM",
                    "short_name": "BMJC",
                },
            },
            {
                "entity": "matter",
                "query": (
                    "SELECT m.SXBM, m.SXMC, m.BMDM, m.JDDM, m.SXLX, m.CNSX,\n"
                    "       (SELECT json_group_array(q.QZSXBM) FROM SX_QZSX q"
                    " WHERE q.SXBM = m.SXBM) AS QZSX,\n"
                    "       max(m.GXSJ, coalesce((SELECT max(q.GXSJ) FROM SX_QZSX q"
                    " WHERE q.SXBM = m.SXBM), '')) AS GXSJ\n"
                    "FROM SX_ML m WHERE m.SFYX = '1'"
                ),
                "cursor": "GXSJ",
                "fields": {
                    "code": "SXBM",
                    "name": "SXMC",
                    "department_code": "BMDM",
                    "stage": {"column": "JDDM", "map": "stage"},
                    "time_limit_class": {"column": "SXLX", "map": "time_limit_class"},
                    "time_limit_days": "CNSX",
                    "prerequisites": "QZSX",
                },
            },
            {
                "entity": "filing",
                "table": "SB_XX",
                "cursor": "GXSJ",
                "fields": {
                    "key": {"expr": xt + "SBBH"},
                    "project_code": "XMDM",
                    "matter_code": "SXBM",
                    "department_code": "BMDM",
                    "submitted_at": "SBSJ",
                    "accepted_at": "SLSJ",
                    "completed_at": "BJSJ",
                    "status": {"column": "BJZT", "map": "filing_status"},
                    "time_limit_days": "CNSX",
                    "materials": {"column": "SBCL", "split": ";"},
                },
            },
            {
                "entity": "process_event",
                "table": "SB_GC",
                "cursor": "GXSJ",
                "fields": {
                    "key": {"expr": xt + "GCBH"},
                    "filing_key": {"expr": xt + "SBBH"},
                    "project_code": "XMDM",
                    "step": {"column": "HJDM", "map": "step"},
                    "division": "CLKS",
                    "actor": "CLR",
                    "occurred_at": "CLSJ",
                    "opinion": "CLYJ",
                },
            },
            {
                "entity": "outcome",
                "table": "SB_JG",
                "cursor": "GXSJ",
                "fields": {
                    "key": {"expr": xt + "JGBH"},
                    "filing_key": {"expr": xt + "SBBH"},
                    "project_code": "XMDM",
                    "decision": {"column": "JDJG", "map": "decision"},
                    "document_type": "ZJLX",
                    "document_number": "ZJBH",
                    "issued_at": "FZRQ",
                    "valid_until": "YXQZ",
                    "issuer": "FZJG",
                    "holder": "CYR",
                    "attributes": "KZXX",
                },
            },
        ],
    }
