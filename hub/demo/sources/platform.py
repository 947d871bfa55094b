"""协同审批平台 (the shared platform): the department list, the matter catalogue with its
prerequisites and code tables, and the filings of the twelve departments without their own
system. Pinyin-initial names (BM_JBXX 部门基本信息, SX_ML 事项目录, SB_XX 申报信息 ...), times as
'YYYY-MM-DD HH:MM:SS', materials as a ';'-separated list."""

from __future__ import annotations

from hub.config import DEFAULT_CAUSES
from hub.demo.annotations import CauseCode, plan
from hub.demo.dataset import Dataset
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
    filing_project_name,
    iso,
    iso_date,
    key,
    own,
    signed,
    step_codes,
    unmapped,
    updated,
)
from hub.entities import Decision, FilingStatus, Stage, TimeLimitClass

NAME = "platform"

STAGES = Codes(
    "stage",
    {
        Stage.LAND_PLANNING: ("1", "立项用地规划许可"),
        Stage.ENGINEERING_PERMIT: ("2", "工程建设许可"),
        Stage.CONSTRUCTION_PERMIT: ("3", "施工许可"),
        Stage.COMPLETION_ACCEPTANCE: ("4", "竣工验收"),
        Stage.PARALLEL: ("5", "并行推进"),
    },
)
CLASSES = Codes(
    "time_limit_class",
    {
        TimeLimitClass.IMMEDIATE: ("1", "即办件"),
        TimeLimitClass.ORDINARY: ("2", "承诺件（普通）"),
        TimeLimitClass.COMPLEX: ("3", "承诺件（复杂）"),
    },
)
STATUSES = Codes(
    "filing_status",
    {
        FilingStatus.SUBMITTED: ("00", "已申报"),
        FilingStatus.ACCEPTED: ("01", "已受理"),
        FilingStatus.IN_PROGRESS: ("02", "办理中"),
        FilingStatus.SUPPLEMENT: ("03", "补齐补正"),
        FilingStatus.APPROVED: ("10", "办结（准予）"),
        FilingStatus.REJECTED: ("11", "办结（不予）"),
        FilingStatus.WITHDRAWN: ("20", "撤回"),
    },
)
STEPS = step_codes("step", ("SL", "CB", "SH", "SP", "BZGZ", "BZJS", "TBKS", "TBJS", "BJ"))
DECISIONS = Codes("decision", {Decision.APPROVED: ("1", "准予"), Decision.REJECTED: ("0", "不予")})


def filing_number(record: Record) -> str:
    """申报编号, e.g. SB2014000123 (the sequence runs across years)."""
    filing = record.filing
    return f"SB{filing.submitted_at.year}{filing.native_id:06d}"


def _departments(data: Dataset, system: str) -> list[Record]:
    return [Record(None, d) for d in data.catalogue.departments]


def _matters(data: Dataset, system: str) -> list[Record]:
    return [Record(None, m) for m in data.catalogue.matters]


def _prerequisites(data: Dataset, system: str) -> list[Record]:
    return [Record(None, (m, p)) for m in data.catalogue.matters for p in m.prerequisites]


def _legal_limit(days: int) -> int:
    """法定时限: twice the promised limit (承诺时限), one day for immediate matters."""
    return max(1, days * 2) if days > 1 else 1


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

# 督办 滞后原因: the supervision module's causes of idle projects (hub.demo.annotations).
CAUSES = Codes(
    "idle_cause",
    {
        member: (f"{n:02d}", cause.name)
        for n, (member, cause) in enumerate(zip(CauseCode, DEFAULT_CAUSES, strict=True), start=1)
    },
)


def _annotations(data: Dataset, system: str) -> list[Record]:
    return [Record(None, a) for a in plan(data)[0]]


_XT = "XT-"
_FILING = key("SBBH", "VARCHAR(20)", _XT, filing_number, "filing_key")
_PROJECT = Column("XMDM", "VARCHAR(32)", filing_project, "project_code")

SYSTEM = System(
    NAME,
    tables=(
        Table(
            "BM_JBXX",
            (
                own("BMDM", "VARCHAR(16)", "code"),
                own("BMMC", "VARCHAR(100)", "name"),
                own("BMJC", "VARCHAR(32)", "short_name"),
                own("TYSHXYDM", "VARCHAR(18)", "credit_code"),
                # 自有系统: 0 for the departments that file through the platform.
                unmapped("ZYXT", "CHAR(1)", "system", lambda s: "0" if s == NAME else "1"),
                updated("GXSJ"),
            ),
            entity="department",
            cursor="GXSJ",
            indexed=False,
            records=_departments,
        ),
        code_table("DM_JD", STAGES, ("DM", "VARCHAR(2)")),
        code_table("DM_SXLX", CLASSES, ("DM", "VARCHAR(2)")),
        code_table("DM_BJZT", STATUSES, ("DM", "VARCHAR(2)")),
        code_table("DM_HJ", STEPS, ("DM", "VARCHAR(8)")),
        code_table("DM_JDJG", DECISIONS, ("DM", "VARCHAR(2)")),
        Table(
            "SX_ML",
            (
                own("SXBM", "VARCHAR(20)", "code"),
                own("SXMC", "VARCHAR(200)", "name"),
                own("BMDM", "VARCHAR(16)", "department_code"),
                coded("JDDM", "VARCHAR(2)", "stage", STAGES),
                coded("SXLX", "VARCHAR(2)", "time_limit_class", CLASSES),
                own("CNSX", "INTEGER", "time_limit_days"),
                unmapped("FDSX", "INTEGER", "time_limit_days", _legal_limit),
                unmapped("ZJMC", "VARCHAR(100)", "document_type"),
                Column("SFYX", "CHAR(1)", lambda r: "1"),  # 是否有效: every matter is in force
                updated("GXSJ"),
            ),
            entity="matter",
            cursor="GXSJ",
            indexed=False,
            query=(
                "SELECT m.SXBM, m.SXMC, m.BMDM, m.JDDM, m.SXLX, m.CNSX,\n"
                "       (SELECT json_group_array(q.QZSXBM) FROM SX_QZSX q"
                " WHERE q.SXBM = m.SXBM) AS QZSX,\n"
                "       max(m.GXSJ, coalesce((SELECT max(q.GXSJ) FROM SX_QZSX q"
                " WHERE q.SXBM = m.SXBM), '')) AS GXSJ\n"
                "FROM SX_ML m WHERE m.SFYX = '1'"
            ),
            fields={"prerequisites": "QZSX"},
            records=_matters,
        ),
        Table(
            "SX_QZSX",
            (
                Column("SXBM", "VARCHAR(20)", lambda r: r.item[0].code),
                Column("QZSXBM", "VARCHAR(20)", lambda r: r.item[1]),
                Column("GXSJ", "VARCHAR(19) NOT NULL", lambda r: iso(r.item[0].updated_at)),
            ),
            primary_key=("SXBM", "QZSXBM"),
            records=_prerequisites,
        ),
        Table(
            "SB_XX",
            (
                key("SBBH", "VARCHAR(20)", _XT, filing_number),
                _PROJECT,
                Column("XMMC", "VARCHAR(400)", filing_project_name),
                Column("SXBM", "VARCHAR(20)", filing_matter, "matter_code"),
                own("BMDM", "VARCHAR(16)", "department_code"),
                own("SBSJ", "VARCHAR(19)", "submitted_at", iso),
                own("SLSJ", "VARCHAR(19)", "accepted_at", iso),
                own("BJSJ", "VARCHAR(19)", "completed_at", iso),
                coded("BJZT", "VARCHAR(2)", "status", STATUSES),
                own("CNSX", "INTEGER", "time_limit_days"),
                own("SBCL", "TEXT", "materials", ";".join, split=";"),
                updated("GXSJ"),
            ),
            entity="filing",
            cursor="GXSJ",
        ),
        Table(
            "SB_GC",
            (
                key("GCBH", "VARCHAR(20)", _XT, lambda r: f"GC{r.item.native_id:08d}"),
                _FILING,
                _PROJECT,
                coded("HJDM", "VARCHAR(8)", "step", STEPS),
                own("CLKS", "VARCHAR(100)", "division"),
                own("CLR", "VARCHAR(50)", "actor"),
                own("CLSJ", "VARCHAR(19)", "occurred_at", iso),
                own("CLYJ", "VARCHAR(2000)", "opinion"),
                updated("GXSJ"),
            ),
            entity="process_event",
            cursor="GXSJ",
        ),
        Table(
            "DB_ZHYY",
            (
                key("ZHBH", "VARCHAR(20)", _XT, lambda r: f"ZH{r.item.native_id:06d}"),
                own("XMDM", "VARCHAR(32)", "project_code"),
                coded("YYDM", "VARCHAR(2)", "cause", CAUSES),
                own("SM", "VARCHAR(2000)", "note"),
                own("DBR", "VARCHAR(50)", "author"),
                own("DBSJ", "VARCHAR(19)", "noted_at", iso),
                updated("GXSJ"),
            ),
            entity="project_annotation",
            cursor="GXSJ",
            records=_annotations,
        ),
        Table(
            "SB_JG",
            (
                key("JGBH", "VARCHAR(20)", _XT, lambda r: f"JG{r.item.native_id:07d}"),
                _FILING,
                _PROJECT,
                coded("JDJG", "VARCHAR(2)", "decision", DECISIONS),
                own("ZJLX", "VARCHAR(100)", "document_type"),
                own("ZJBH", "VARCHAR(100)", "document_number"),
                own("FZRQ", "VARCHAR(10)", "issued_at", iso_date),
                own("YXQZ", "VARCHAR(10)", "valid_until", iso_date),
                own("FZJG", "VARCHAR(200)", "issuer"),
                own("CYR", "VARCHAR(400)", "holder"),
                *signed("CYRTYDM", "ZZZY", "ZZQM", "QMZSBH", "QMSFLX"),
                own("KZXX", "TEXT", "attributes", dumps),
                updated("GXSJ"),
            ),
            entity="outcome",
            cursor="GXSJ",
        ),
    ),
    bad_rows=BAD_ROWS,
)
