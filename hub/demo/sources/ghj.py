"""规划国土委 (Planning & Land): a legacy system with upper-case English-ish names. T_APPLY
(applications, numeric STATUS), T_FLOW (steps), T_CERT (certificates with parcel columns), one
code table T_CODE(CODE_TYPE, CODE, NAME) holding Chinese names, and a view V_HUB_STATUS the hub
reads as the status code table. Times as '2014/3/5 14:22', dates as '2014/3/5', materials as a
'|'-separated list."""

from __future__ import annotations

from datetime import date, datetime

from hub.demo.filings import Filing
from hub.demo.sources.common import (
    BadRow,
    Codes,
    Column,
    Record,
    System,
    Table,
    coded,
    filing_matter,
    filing_project,
    key,
    native_id,
    own,
    shared_code_table,
    signed,
    step_codes,
    updated,
)
from hub.entities import Decision, FilingStatus

NAME = "ghj"
FIRST_APPLY_NO = 100_000
FIRST_FLOW_ID = 500_000

# The hub reads the status map from the view V_HUB_STATUS the department made for it.
STATUSES = Codes(
    "filing_status",
    {
        FilingStatus.SUBMITTED: (0, "收件"),
        FilingStatus.ACCEPTED: (1, "已受理"),
        FilingStatus.IN_PROGRESS: (2, "承办中"),
        FilingStatus.SUPPLEMENT: (3, "补正中"),
        FilingStatus.APPROVED: (4, "办结准予"),
        FilingStatus.REJECTED: (5, "不予许可"),
        FilingStatus.WITHDRAWN: (6, "撤件"),
    },
    read_from={"table": "V_HUB_STATUS", "code": "CODE", "value": "HUB_VALUE"},
)
STEPS = step_codes(
    "step", (10, 20, 30, 40, 50, 51, 60, 61, 90), DECIDE="签发", SUPPLEMENT_RECEIVED="补正收件"
)
RESULTS = Codes("decision", {Decision.APPROVED: ("Y", "准予"), Decision.REJECTED: ("N", "不予")})

_STATUS_VIEW = (
    "CREATE VIEW V_HUB_STATUS AS\n    SELECT CODE, CASE CODE "
    + " ".join(
        f"WHEN {code} THEN '{status.value}'" for status, (code, _) in STATUSES.members.items()
    )
    + " END AS HUB_VALUE\n    FROM T_CODE WHERE CODE_TYPE = 'STATUS';"
)


def apply_number(record: Record) -> int:
    return FIRST_APPLY_NO + int(record.filing.native_id)


def filing_key(filing: Filing) -> str:
    """The hub's key of a GHJ filing (its stream keys ``'GHJ-' || APPLY_NO``)."""
    return f"GHJ-{FIRST_APPLY_NO + filing.native_id}"


def _slashed(value: datetime | None) -> str | None:
    if value is None:
        return None
    return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}"


def _slashed_date(value: date | None) -> str | None:
    return None if value is None else f"{value.year}/{value.month}/{value.day}"


def _land(column: str, type_: str, attribute: str) -> Column:
    """One of the certificate's land attributes, held in a column of its own."""
    return Column(column, type_, lambda r: r.item.attributes[attribute])


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

_APPLY = key("APPLY_NO", "INTEGER", "GHJ-", apply_number, "filing_key")
_JOINED = {"project_code": "PROJ_CODE"}  # from the application, joined in the stream's query

SYSTEM = System(
    NAME,
    department="GHJ",
    tables=(
        shared_code_table(
            "T_CODE",
            (("CODE_TYPE", "VARCHAR(20)"), ("CODE", "INTEGER"), ("NAME", "VARCHAR(50)")),
            {"STATUS": STATUSES, "STEP": STEPS},
        ),
        Table(
            "T_APPLY",
            (
                key("APPLY_NO", "INTEGER", "GHJ-", apply_number),
                Column("PROJ_CODE", "VARCHAR(32)", filing_project, "project_code"),
                Column("ITEM_CODE", "VARCHAR(20)", filing_matter, "matter_code"),
                own(
                    "APPLY_TIME",
                    "VARCHAR(20)",
                    "submitted_at",
                    _slashed,
                    formats=["%Y/%m/%d %H:%M"],
                ),
                own("ACCEPT_TIME", "VARCHAR(20)", "accepted_at", _slashed),
                own("FINISH_TIME", "VARCHAR(20)", "completed_at", _slashed),
                coded("STATUS", "INTEGER", "status", STATUSES),
                own("LIMIT_DAYS", "INTEGER", "time_limit_days"),
                own("MATERIALS", "VARCHAR(2000)", "materials", "|".join, split="|"),
                updated("UPDATE_TIME"),
            ),
            entity="filing",
            cursor="UPDATE_TIME",
        ),
        Table(
            "T_FLOW",
            (
                key("FLOW_ID", "INTEGER", "GHJ-F", lambda r: FIRST_FLOW_ID + native_id(r)),
                _APPLY,
                coded("STEP_CODE", "INTEGER", "step", STEPS),
                own("DEPT_NAME", "VARCHAR(100)", "division"),
                own("OPERATOR", "VARCHAR(50)", "actor"),
                own("OP_TIME", "VARCHAR(20)", "occurred_at", _slashed),
                own("OPINION", "VARCHAR(2000)", "opinion"),
                updated("UPDATE_TIME"),
            ),
            entity="process_event",
            cursor="UPDATE_TIME",
            query=(
                "SELECT f.FLOW_ID, f.APPLY_NO, a.PROJ_CODE, f.STEP_CODE, f.DEPT_NAME,"
                " f.OPERATOR, f.OP_TIME, f.OPINION, f.UPDATE_TIME\n"
                "FROM T_FLOW f LEFT JOIN T_APPLY a ON a.APPLY_NO = f.APPLY_NO"
            ),
            fields=_JOINED,
        ),
        Table(
            "T_CERT",
            (
                key("CERT_ID", "INTEGER", "GHJ-C", native_id),
                _APPLY,
                coded("RESULT", "CHAR(1)", "decision", RESULTS),
                own("CERT_TYPE", "VARCHAR(100)", "document_type"),
                own("CERT_NO", "VARCHAR(100)", "document_number"),
                own("ISSUE_DATE", "VARCHAR(10)", "issued_at", _slashed_date),
                own("EXPIRE_DATE", "VARCHAR(10)", "valid_until", _slashed_date),
                own("ISSUE_ORG", "VARCHAR(200)", "issuer"),
                own("HOLDER", "VARCHAR(400)", "holder"),
                *signed("HOLDER_CODE", "DOC_SHA256", "SIGNATURE", "SIGN_KEY_ID", "SIGN_ALG"),
                _land("LAND_NO", "VARCHAR(20)", "parcel"),
                _land("LAND_AREA", "REAL", "land_area_m2"),
                _land("FLOOR_AREA", "REAL", "floor_area_m2"),
                _land("LAND_USE", "VARCHAR(10)", "land_use"),
                _land("PLOT_RATIO", "REAL", "plot_ratio"),
                updated("UPDATE_TIME"),
            ),
            entity="outcome",
            cursor="UPDATE_TIME",
            query=(
                "SELECT c.*, a.PROJ_CODE\n"
                "FROM T_CERT c LEFT JOIN T_APPLY a ON a.APPLY_NO = c.APPLY_NO"
            ),
            fields={
                **_JOINED,
                "attributes": {
                    "expr": "json_object('parcel', LAND_NO, 'land_area_m2', LAND_AREA,"
                    " 'floor_area_m2', FLOOR_AREA, 'land_use', LAND_USE,"
                    " 'plot_ratio', PLOT_RATIO)"
                },
            },
        ),
    ),
    bad_rows=BAD_ROWS,
    views=_STATUS_VIEW,
)
