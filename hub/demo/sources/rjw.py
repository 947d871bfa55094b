"""人居环境委 (Environment): an Oracle-style system (VARCHAR2/NUMBER columns, TB_ prefixes,
times as 'YYYY-MM-DD HH:MM:SS.0', dates as midnight timestamps). Its tables carry no update
time; the hub follows an integer row version SCN instead (like ORA_ROWSCN), raised on every write
across the schema. Materials are a list separated by full-width commas '，'."""

from __future__ import annotations

from datetime import date, datetime

from hub.demo.sources.common import (
    BadRow,
    Codes,
    Column,
    RowVersions,
    System,
    Table,
    coded,
    dumps,
    filing_matter,
    filing_project,
    key,
    native_id,
    own,
    shared_code_table,
    signed,
    step_codes,
)
from hub.entities import Decision, FilingStatus

NAME = "rjw"
FIRST_SCN = 8_800_000

STATUSES = Codes(
    "sqzt",
    {
        FilingStatus.SUBMITTED: ("A", "待受理"),
        FilingStatus.SUPPLEMENT: ("B", "补正中"),
        FilingStatus.ACCEPTED: ("C", "已受理"),
        FilingStatus.IN_PROGRESS: ("D", "审查中"),
        FilingStatus.APPROVED: ("E", "批准"),
        FilingStatus.REJECTED: ("F", "不予批准"),
        FilingStatus.WITHDRAWN: ("G", "撤回"),
    },
)
STEPS = step_codes(
    "jddm", ("01", "02", "03", "04", "05", "06", "07", "08", "09"), SUPPLEMENT_REQUESTED="补正通知"
)
RESULTS = Codes("spjg", {Decision.APPROVED: ("1", "批准"), Decision.REJECTED: ("0", "不予批准")})
_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ") + ".0"


def _midnight(value: date | None) -> str | None:
    return None if value is None else f"{value.isoformat()} 00:00:00.0"


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

_APPLICATION = key("SQ_ID", "NUMBER(12)", "RJW-", lambda r: r.filing.native_id, "filing_key")
_PROJECT = Column("XMBH", "VARCHAR2(32)", filing_project, "project_code")
_SCN = Column("SCN", "NUMBER(20) NOT NULL", lambda r: None)  # numbered by RowVersions

SYSTEM = System(
    NAME,
    department="RJW",
    tables=(
        shared_code_table(
            "TB_XT_DM",
            (("DMLB", "VARCHAR2(20)"), ("DM", "VARCHAR2(10)"), ("DMMC", "VARCHAR2(50)")),
            {"SQZT": STATUSES, "JDDM": STEPS, "SPJG": RESULTS},
        ),
        Table(
            "TB_HPSP_SQ",
            (
                key("SQ_ID", "NUMBER(12)", "RJW-", native_id),
                _PROJECT,
                Column("SXDM", "VARCHAR2(20)", filing_matter, "matter_code"),
                own("SQSJ", "VARCHAR2(25)", "submitted_at", _stamp),
                own("SLSJ", "VARCHAR2(25)", "accepted_at", _stamp),
                own("BJSJ", "VARCHAR2(25)", "completed_at", _stamp),
                coded("SQZT", "VARCHAR2(2)", "status", STATUSES),
                own("FDSX", "NUMBER(4)", "time_limit_days"),
                own("SQCL", "VARCHAR2(2000)", "materials", "，".join, split="，"),
                _SCN,
            ),
            entity="filing",
            cursor="SCN",
        ),
        Table(
            "TB_HPSP_LC",
            (
                key("LC_ID", "NUMBER(12)", "RJW-L", native_id),
                _APPLICATION,
                _PROJECT,
                coded("JDDM", "VARCHAR2(4)", "step", STEPS),
                own("CLBM", "VARCHAR2(100)", "division"),
                own("CLR", "VARCHAR2(50)", "actor"),
                own("CLSJ", "VARCHAR2(25)", "occurred_at", _stamp),
                own("CLYJ", "VARCHAR2(2000)", "opinion"),
                _SCN,
            ),
            entity="process_event",
            cursor="SCN",
        ),
        Table(
            "TB_HPSP_PF",
            (
                key("PF_ID", "NUMBER(12)", "RJW-P", native_id),
                _APPLICATION,
                _PROJECT,
                coded("SPJG", "VARCHAR2(2)", "decision", RESULTS),
                own("PFLX", "VARCHAR2(100)", "document_type"),
                own("PFWH", "VARCHAR2(100)", "document_number"),
                own("PFRQ", "VARCHAR2(25)", "issued_at", _stamp),
                own("YXQ", "VARCHAR2(25)", "valid_until", _midnight, formats=[_TIMESTAMP]),
                own("PFDW", "VARCHAR2(200)", "issuer"),
                own("JSDW", "VARCHAR2(400)", "holder"),
                *signed("JSDW_XYDM", "WJ_SHA256", "SZQM", "QMMY_ID", "QMSF_LX"),
                own("FJXX", "VARCHAR2(4000)", "attributes", dumps),
                _SCN,
            ),
            entity="outcome",
            cursor="SCN",
        ),
    ),
    bad_rows=BAD_ROWS,
    versions=RowVersions("SCN", FIRST_SCN),
)
