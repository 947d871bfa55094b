"""发改委 (Development & Reform): the project register (XM_JBXX, 项目基本信息) with its code
tables, and the commission's own approvals (立项): XM_SPSX 审批事项, XM_SPLC 审批流程 whose step
codes are Chinese words, XM_PFWJ 批复文件. Total investment is text with thousands separators
(万元), the registration date 'YYYYMMDD', approval times 'YYYY-MM-DD HH:MM', document dates
'YYYY.M.D'."""

from __future__ import annotations

from datetime import date, datetime

from hub.demo.dataset import Dataset
from hub.demo.names import credit_code
from hub.demo.sources.common import (
    BadRow,
    Codes,
    Column,
    Record,
    System,
    Table,
    code_table,
    coded,
    dumps,
    filing_matter,
    filing_project,
    iso_date,
    key,
    native_id,
    own,
    signed,
    step_codes,
    unmapped,
    updated,
)
from hub.entities import (
    Decision,
    FilingStatus,
    Funding,
    ProjectCategory,
    ProjectStatus,
)

NAME = "fgw"

CATEGORIES = Codes(
    "category",
    {
        ProjectCategory.BUILDING: ("01", "房屋建筑"),
        ProjectCategory.MUNICIPAL: ("02", "市政基础设施"),
        ProjectCategory.TRANSPORT: ("03", "交通运输"),
        ProjectCategory.WATER: ("04", "水利水务"),
        ProjectCategory.OTHER: ("99", "其他"),
    },
)
FUNDING = Codes(
    "funding", {Funding.GOVERNMENT: ("1", "政府投资"), Funding.SOCIAL: ("2", "社会投资")}
)
PROJECT_STATUSES = Codes(
    "project_status",
    {
        ProjectStatus.PLANNING: ("1", "前期"),
        ProjectStatus.UNDER_APPROVAL: ("2", "审批中"),
        ProjectStatus.UNDER_CONSTRUCTION: ("3", "在建"),
        ProjectStatus.COMPLETED: ("4", "竣工"),
        ProjectStatus.SUSPENDED: ("5", "暂停"),
    },
)
STATUSES = Codes(
    "filing_status",
    {
        FilingStatus.SUBMITTED: ("1", "已申请"),
        FilingStatus.ACCEPTED: ("2", "已受理"),
        FilingStatus.IN_PROGRESS: ("3", "审批中"),
        FilingStatus.SUPPLEMENT: ("4", "补正中"),
        FilingStatus.APPROVED: ("5", "已批复"),
        FilingStatus.REJECTED: ("6", "不予批复"),
        FilingStatus.WITHDRAWN: ("7", "已撤回"),
    },
)
# Steps and decisions are stored as Chinese words: they are their own codes, without a table.
STEPS = step_codes("step", SUPPLEMENT_REQUESTED="补正通知")
DECISIONS = Codes(
    "decision", {Decision.APPROVED: ("同意", "同意"), Decision.REJECTED: ("不同意", "不同意")}
)


def approval_number(record: Record) -> str:
    """审批编号, e.g. FG2014-00123."""
    filing = record.filing
    return f"FG{filing.submitted_at.year}-{filing.native_id:05d}"


def _minutes(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M")


def _dotted(value: date) -> str:
    return f"{value.year}.{value.month}.{value.day}"


def _projects(data: Dataset, system: str) -> list[Record]:
    return [Record(None, p) for p in sorted(data.projects, key=lambda p: p.code)]


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

_PROJECT = Column("XMDM", "VARCHAR(32)", filing_project, "project_code")
_FILING = key("SPBH", "VARCHAR(20)", "FGW-", approval_number, "filing_key")

SYSTEM = System(
    NAME,
    department="FGW",
    tables=(
        code_table("DM_XMLB", CATEGORIES, ("DM", "VARCHAR(2)")),
        code_table("DM_ZJLY", FUNDING, ("DM", "VARCHAR(2)")),
        code_table("DM_XMZT", PROJECT_STATUSES, ("DM", "VARCHAR(2)")),
        code_table("DM_SPZT", STATUSES, ("DM", "VARCHAR(2)")),
        Table(
            "XM_JBXX",
            (
                own("XMDM", "VARCHAR(32)", "code"),
                own("XMMC", "VARCHAR(400)", "name"),
                coded("XMLB", "VARCHAR(2)", "category", CATEGORIES),
                coded("ZJLY", "VARCHAR(2)", "funding", FUNDING),
                own("XMDW", "VARCHAR(400)", "owner_name"),
                own("XMDWDM", "VARCHAR(18)", "owner_credit_code"),
                own("XZQH", "VARCHAR(6)", "district"),
                own("ZTZ", "VARCHAR(32)", "total_investment", "{:,.2f}".format),
                own(
                    "DJRQ",
                    "CHAR(8)",
                    "registered_at",
                    lambda t: t.strftime("%Y%m%d"),
                    formats=["%Y%m%d"],
                ),
                coded("XMZT", "VARCHAR(2)", "status", PROJECT_STATUSES),
                unmapped("JSNR", "VARCHAR(1000)", "description"),
                updated("GXSJ"),
            ),
            entity="project",
            cursor="GXSJ",
            records=_projects,
        ),
        Table(
            "XM_SPSX",
            (
                key("SPBH", "VARCHAR(20)", "FGW-", approval_number),
                _PROJECT,
                Column("SXBM", "VARCHAR(20)", filing_matter, "matter_code"),
                own("SQSJ", "VARCHAR(16)", "submitted_at", _minutes),
                own("SLSJ", "VARCHAR(16)", "accepted_at", _minutes),
                own("BJSJ", "VARCHAR(16)", "completed_at", _minutes),
                coded("BLZT", "VARCHAR(2)", "status", STATUSES),
                own("CNTS", "INTEGER", "time_limit_days"),
                updated("GXSJ"),
            ),
            entity="filing",
            cursor="GXSJ",
        ),
        Table(
            "XM_SPLC",
            (
                key("LCID", "INTEGER", "FGW-L", native_id),
                _FILING,
                _PROJECT,
                coded("HJMC", "VARCHAR(20)", "step", STEPS),
                own("BLCS", "VARCHAR(100)", "division"),
                own("BLR", "VARCHAR(50)", "actor"),
                own("BLSJ", "VARCHAR(16)", "occurred_at", _minutes),
                own("BLYJ", "VARCHAR(2000)", "opinion"),
                updated("GXSJ"),
            ),
            entity="process_event",
            cursor="GXSJ",
        ),
        Table(
            "XM_PFWJ",
            (
                key("WJID", "INTEGER", "FGW-W", native_id),
                _FILING,
                _PROJECT,
                coded("SPJG", "VARCHAR(10)", "decision", DECISIONS),
                own("WJLX", "VARCHAR(100)", "document_type"),
                own("WH", "VARCHAR(100)", "document_number"),
                own("CWRQ", "VARCHAR(10)", "issued_at", _dotted),
                own("YXQZ", "VARCHAR(10)", "valid_until", iso_date),
                own("FWJG", "VARCHAR(200)", "issuer"),
                own("JSDW", "VARCHAR(400)", "holder"),
                *signed("JSDWDM", "WJHZ", "QM", "QMMY", "QMSF"),
                own("FJXX", "TEXT", "attributes", dumps),
                updated("GXSJ"),
            ),
            entity="outcome",
            cursor="GXSJ",
        ),
    ),
    bad_rows=BAD_ROWS,
)
