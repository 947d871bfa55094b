"""规划国土委 (Planning & Land): a legacy system with upper-case English-ish names. T_APPLY
(applications, numeric STATUS), T_FLOW (steps), T_CERT (certificates with parcel columns), one
code table T_CODE(CODE_TYPE, CODE, NAME) holding Chinese names, and a view V_HUB_STATUS the hub
reads as the status code table. Times as '2014/3/5 14:22', dates as '2014/3/5', materials as a
'|'-separated list."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from hub.demo.dataset import Dataset
from hub.demo.sources.common import SCHEDULE, BadRow, iso, source_url, write_database
from hub.entities import Decision, EventStep, FilingStatus

NAME = "ghj"
DEPARTMENT = "GHJ"
FIRST_APPLY_NO = 100_000
FIRST_FLOW_ID = 500_000

STATUSES = {
    FilingStatus.SUBMITTED: (0, "收件"),
    FilingStatus.ACCEPTED: (1, "已受理"),
    FilingStatus.IN_PROGRESS: (2, "承办中"),
    FilingStatus.SUPPLEMENT: (3, "补正中"),
    FilingStatus.APPROVED: (4, "办结准予"),
    FilingStatus.REJECTED: (5, "不予许可"),
    FilingStatus.WITHDRAWN: (6, "撤件"),
}
STEPS = {
    EventStep.ACCEPT: (10, "受理"),
    EventStep.HANDLE: (20, "承办"),
    EventStep.REVIEW: (30, "审核"),
    EventStep.DECIDE: (40, "签发"),
    EventStep.SUPPLEMENT_REQUESTED: (50, "补正告知"),
    EventStep.SUPPLEMENT_RECEIVED: (51, "补正收件"),
    EventStep.COMPLETE: (90, "办结"),
}
RESULTS = {Decision.APPROVED: "Y", Decision.REJECTED: "N"}

SCHEMA = """
CREATE TABLE T_CODE (CODE_TYPE VARCHAR(20), CODE INTEGER, NAME VARCHAR(50),
    PRIMARY KEY (CODE_TYPE, CODE));
CREATE TABLE T_APPLY (APPLY_NO INTEGER PRIMARY KEY, PROJ_CODE VARCHAR(32), ITEM_CODE VARCHAR(20),
    APPLY_TIME VARCHAR(20), ACCEPT_TIME VARCHAR(20), FINISH_TIME VARCHAR(20), STATUS INTEGER,
    LIMIT_DAYS INTEGER, MATERIALS VARCHAR(2000), UPDATE_TIME VARCHAR(19) NOT NULL);
CREATE INDEX IX_T_APPLY_UPDATE_TIME ON T_APPLY (UPDATE_TIME);
CREATE TABLE T_FLOW (FLOW_ID INTEGER PRIMARY KEY, APPLY_NO INTEGER, STEP_CODE INTEGER,
    DEPT_NAME VARCHAR(100), OPERATOR VARCHAR(50), OP_TIME VARCHAR(20), OPINION VARCHAR(2000),
    UPDATE_TIME VARCHAR(19) NOT NULL);
CREATE INDEX IX_T_FLOW_UPDATE_TIME ON T_FLOW (UPDATE_TIME);
CREATE TABLE T_CERT (CERT_ID INTEGER PRIMARY KEY, APPLY_NO INTEGER, RESULT CHAR(1),
    CERT_TYPE VARCHAR(100), CERT_NO VARCHAR(100), ISSUE_DATE VARCHAR(10), EXPIRE_DATE VARCHAR(10),
    ISSUE_ORG VARCHAR(200), HOLDER VARCHAR(400), LAND_NO VARCHAR(20), LAND_AREA REAL,
    FLOOR_AREA REAL, LAND_USE VARCHAR(10), PLOT_RATIO REAL, UPDATE_TIME VARCHAR(19) NOT NULL);
CREATE INDEX IX_T_CERT_UPDATE_TIME ON T_CERT (UPDATE_TIME);
CREATE VIEW V_HUB_STATUS AS
    SELECT CODE, CASE CODE WHEN 0 THEN 'SUBMITTED' WHEN 1 THEN 'ACCEPTED'
        WHEN 2 THEN 'IN_PROGRESS' WHEN 3 THEN 'SUPPLEMENT' WHEN 4 THEN 'APPROVED'
        WHEN 5 THEN 'REJECTED' WHEN 6 THEN 'WITHDRAWN' END AS HUB_VALUE
    FROM T_CODE WHERE CODE_TYPE = 'STATUS';
"""

_BAD_APPLY = {
    "ITEM_CODE": "GHJ-003",
    "ACCEPT_TIME": None,
    "FINISH_TIME": None,
    "STATUS": 0,
    "LIMIT_DAYS": 15,
    "MATERIALS": "申请表|用地红线图",
    "UPDATE_TIME": "2014-04-01 10:00:00",
}
BAD_ROWS = (
    BadRow(
        "filing",
        "T_APPLY",
        "status 99 is not in the code table T_CODE",
        {
            **_BAD_APPLY,
            "APPLY_NO": 90001,
            "PROJ_CODE": "2014-440305-47-01-990021",
            "APPLY_TIME": "2014/4/1 9:30",
            "STATUS": 99,
        },
    ),
    BadRow(
        "filing",
        "T_APPLY",
        "project code with a four-digit division (wrong length)",
        {
            **_BAD_APPLY,
            "APPLY_NO": 90002,
            "PROJ_CODE": "2014-4403-47-01-000123",
            "APPLY_TIME": "2014/4/2 10:15",
        },
    ),
    BadRow(
        "filing",
        "T_APPLY",
        "applied on 2014/2/30",
        {
            **_BAD_APPLY,
            "APPLY_NO": 90003,
            "PROJ_CODE": "2014-440305-47-01-990022",
            "APPLY_TIME": "2014/2/30 9:15",
        },
    ),
    BadRow(
        "process_event",
        "T_FLOW",
        "step time missing",
        {
            "FLOW_ID": 90001,
            "APPLY_NO": 90001,
            "STEP_CODE": 10,
            "DEPT_NAME": "规划国土委行政服务窗口",
            "OPERATOR": "李明",
            "OP_TIME": None,
            "OPINION": "予以受理",
            "UPDATE_TIME": "2014-04-01 10:05:00",
        },
    ),
    BadRow(
        "outcome",
        "T_CERT",
        "result code X is neither Y nor N",
        {
            "CERT_ID": 90001,
            "APPLY_NO": 90001,
            "RESULT": "X",
            "CERT_TYPE": "建设用地规划许可证",
            "CERT_NO": "深规许字[2014]9001号",
            "ISSUE_DATE": "2014/4/20",
            "ISSUE_ORG": "深圳市规划和国土资源委员会",
            "HOLDER": "深圳市某某实业有限公司",
            "UPDATE_TIME": "2014-04-20 16:00:00",
        },
    ),
)


def write(path: Path, data: Dataset) -> None:
    filings = data.filings_of(NAME)
    codes = [("STATUS", c, n) for c, n in STATUSES.values()] + [
        ("STEP", c, n) for c, n in STEPS.values()
    ]
    tables: dict[str, tuple[tuple[str, ...], Any]] = {
        "T_CODE": (("CODE_TYPE", "CODE", "NAME"), codes),
        "T_APPLY": (
            (
                "APPLY_NO",
                "PROJ_CODE",
                "ITEM_CODE",
                "APPLY_TIME",
                "ACCEPT_TIME",
                "FINISH_TIME",
                "STATUS",
                "LIMIT_DAYS",
                "MATERIALS",
                "UPDATE_TIME",
            ),
            [
                (
                    FIRST_APPLY_NO + f.native_id,
                    f.project_code,
                    f.matter.code,
                    _slashed(f.submitted_at),
                    _slashed(f.accepted_at),
                    _slashed(f.completed_at),
                    STATUSES[f.status][0],
                    f.time_limit_days,
                    "|".join(f.materials),
                    iso(f.updated_at),
                )
                for f in filings
            ],
        ),
        "T_FLOW": (
            (
                "FLOW_ID",
                "APPLY_NO",
                "STEP_CODE",
                "DEPT_NAME",
                "OPERATOR",
                "OP_TIME",
                "OPINION",
                "UPDATE_TIME",
            ),
            [
                (
                    FIRST_FLOW_ID + e.native_id,
                    FIRST_APPLY_NO + f.native_id,
                    STEPS[e.step][0],
                    e.division,
                    e.actor,
                    _slashed(e.occurred_at),
                    e.opinion,
                    iso(e.updated_at),
                )
                for f, e in data.events_of(NAME)
            ],
        ),
        "T_CERT": (
            (
                "CERT_ID",
                "APPLY_NO",
                "RESULT",
                "CERT_TYPE",
                "CERT_NO",
                "ISSUE_DATE",
                "EXPIRE_DATE",
                "ISSUE_ORG",
                "HOLDER",
                "LAND_NO",
                "LAND_AREA",
                "FLOOR_AREA",
                "LAND_USE",
                "PLOT_RATIO",
                "UPDATE_TIME",
            ),
            sorted(
                (
                    o.native_id,
                    FIRST_APPLY_NO + f.native_id,
                    RESULTS[o.decision],
                    o.document_type,
                    o.document_number,
                    _slashed_date(o.issued_at),
                    _slashed_date(o.valid_until),
                    o.issuer,
                    o.holder,
                    o.attributes["parcel"],
                    o.attributes["land_area_m2"],
                    o.attributes["floor_area_m2"],
                    o.attributes["land_use"],
                    o.attributes["plot_ratio"],
                    iso(o.updated_at),
                )
                for f in filings
                if (o := f.outcome) is not None
            ),
        ),
    }
    write_database(path, SCHEMA, tables, BAD_ROWS)


def _slashed(value: datetime | None) -> str | None:
    if value is None:
        return None
    return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}"


def _slashed_date(value: date | None) -> str | None:
    return None if value is None else f"{value.year}/{value.month}/{value.day}"


def connector() -> dict[str, Any]:
    return {
        "name": NAME,
        "kind": "sql",
        "url": source_url(NAME),
        "department": DEPARTMENT,
        "schedule": SCHEDULE,
        "value_maps": {
            "filing_status": {"table": "V_HUB_STATUS", "code": "CODE", "value": "HUB_VALUE"},
            "step": {str(c): m.value for m, (c, _) in STEPS.items()},
            "decision": {c: m.value for m, c in RESULTS.items()},
        },
        "streams": [
            {
                "entity": "filing",
                "table": "T_APPLY",
                "cursor": "UPDATE_TIME",
                "fields": {
                    "key": {"expr": "'GHJ-' || APPLY_NO"},
                    "project_code": "PROJ_CODE",
                    "matter_code": "ITEM_CODE",
                    "department_code": {"default": DEPARTMENT},
                    "submitted_at": {"column": "APPLY_TIME", "formats": ["%Y/%m/%d %H:%M"]},
                    "accepted_at": "ACCEPT_TIME",
                    "completed_at": "FINISH_TIME",
                    "status": {"column": "STATUS", "map": "filing_status"},
                    "time_limit_days": "LIMIT_DAYS",
                    "materials": {"column": "MATERIALS", "split": "|"},
                },
            },
            {
                "entity": "process_event",
                "query": (
                    "SELECT f.FLOW_ID, f.APPLY_NO, a.PROJ_CODE, f.STEP_CODE, f.DEPT_NAME,"
                    " f.OPERATOR, f.OP_TIME, f.OPINION, f.UPDATE_TIME\n"
                    "FROM T_FLOW f LEFT JOIN T_APPLY a ON a.APPLY_NO = f.APPLY_NO"
                ),
                "cursor": "UPDATE_TIME",
                "fields": {
                    "key": {"expr": "'GHJ-F' || FLOW_ID"},
                    "filing_key": {"expr": "'GHJ-' || APPLY_NO"},
                    "project_code": "PROJ_CODE",
                    "step": {"column": "STEP_CODE", "map": "step"},
                    "division": "DEPT_NAME",
                    "actor": "OPERATOR",
                    "occurred_at": "OP_TIME",
                    "opinion": "OPINION",
                },
            },
            {
                "entity": "outcome",
                "query": (
                    "SELECT c.*, a.PROJ_CODE\n"
                    "FROM T_CERT c LEFT JOIN T_APPLY a ON a.APPLY_NO = c.APPLY_NO"
                ),
                "cursor": "UPDATE_TIME",
                "fields": {
                    "key": {"expr": "'GHJ-C' || CERT_ID"},
                    "filing_key": {"expr": "'GHJ-' || APPLY_NO"},
                    "project_code": "PROJ_CODE",
                    "decision": {"column": "RESULT", "map": "decision"},
                    "document_type": "CERT_TYPE",
                    "document_number": "CERT_NO",
                    "issued_at": "ISSUE_DATE",
                    "valid_until": "EXPIRE_DATE",
                    "issuer": "ISSUE_ORG",
                    "holder": "HOLDER",
                    "attributes": {
                        "expr": "json_object('parcel', LAND_NO, 'land_area_m2', LAND_AREA,"
                        " 'floor_area_m2', FLOOR_AREA, 'land_use', LAND_USE,"
                        " 'plot_ratio', PLOT_RATIO)"
                    },
                },
            },
        ],
    }
