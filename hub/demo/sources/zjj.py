"""住建局 (Housing & Construction): full-pinyin names (SHENBAO 申报, BANLI_GUOCHENG 办理过程,
BANLI_JIEGUO 办理结果, ZHUANGTAI_DM 状态代码). Application times as '2014年3月5日 14:22',
acceptance and completion as 'YYYYMMDDHHMMSS', issue dates as '2014年3月5日', expiry 'YYYYMMDD',
materials as a JSON array."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from hub.demo.dataset import Dataset
from hub.demo.filings import Filing
from hub.demo.sources import ghj as ghj_source
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
    key,
    native_id,
    own,
    signed,
    step_codes,
    updated,
)
from hub.entities import Decision, FilingStatus

NAME = "zjj"
# ZJJ's copy of the planning permits it checked (前置审批核验) differs from GHJ's own record in
# this many filings per field: the conflicts the "department" authority records.
COPY_DIFFERENCES = {"status": 3, "completed_at": 2}

STATUSES = Codes(
    "zhuangtai",
    {
        FilingStatus.SUBMITTED: ("10", "已申报"),
        FilingStatus.SUPPLEMENT: ("15", "补正中"),
        FilingStatus.ACCEPTED: ("20", "已受理"),
        FilingStatus.IN_PROGRESS: ("30", "办理中"),
        FilingStatus.APPROVED: ("50", "办结"),
        FilingStatus.REJECTED: ("60", "不予办理"),
        FilingStatus.WITHDRAWN: ("70", "撤回"),
    },
)
STEPS = step_codes(
    "huanjie",
    (
        "SHOULI",
        "CHENGBAN",
        "SHENHE",
        "SHENPI",
        "BUZHENG_GAOZHI",
        "BUZHENG_JIESHOU",
        "TEBIE_CHENGXU_KAISHI",
        "TEBIE_CHENGXU_JIESHU",
        "BANJIE",
    ),
)
RESULTS = Codes("jieguo", {Decision.APPROVED: ("1", "准予"), Decision.REJECTED: ("2", "不予")})


def application_number(record: Record) -> str:
    """申报编号, e.g. JS2014000123."""
    filing = record.filing
    return f"JS{filing.submitted_at.year}{filing.native_id:06d}"


def _chinese(value: datetime) -> str:
    return f"{value.year}年{value.month}月{value.day}日 {value.hour}:{value.minute:02d}"


def _chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _compact(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y%m%d%H%M%S")


def _compact_date(value: date | None) -> str | None:
    return None if value is None else value.strftime("%Y%m%d")


_PROJECT = Column("XIANGMU_DM", "VARCHAR(32)", filing_project, "project_code")


def checked_permits(data: Dataset) -> list[Filing]:
    """The approved GHJ filings that a ZJJ filing of the same project needs as a prerequisite,
    as ZJJ's clerks recorded them when they checked (times kept to GHJ's minute)."""
    ghj = {(f.project_code, f.matter.code): f for f in data.filings_of(ghj_source.NAME)}
    checked: dict[int, Filing] = {}
    for filing in data.filings_of(NAME):
        for code in filing.matter.prerequisites:
            permit = ghj.get((filing.project_code, code))
            if permit is None or permit.status is not FilingStatus.APPROVED:
                continue
            if permit.completed_at is None or permit.completed_at > filing.submitted_at:
                continue
            completed = permit.completed_at.replace(second=0, microsecond=0)
            checked[permit.native_id] = replace(
                permit, completed_at=completed, updated_at=filing.submitted_at
            )
    return [checked[n] for n in sorted(checked)]


def copy_differences(data: Dataset) -> dict[str, str]:
    """GHJ filing key -> the field ZJJ's copy got wrong, chosen by their own random stream."""
    keys = [ghj_source.filing_key(f) for f in checked_permits(data)]
    fields = [name for name, count in COPY_DIFFERENCES.items() for _ in range(count)]
    fields = fields[: len(keys)]  # a small demo checks few permits
    chosen = random.Random(f"{data.seed}-zjj-copy").sample(keys, len(fields))
    return dict(zip(chosen, fields, strict=True))


def _copies(data: Dataset, system: str) -> list[Record]:
    wrong = copy_differences(data)
    copies = []
    for permit in checked_permits(data):
        match wrong.get(ghj_source.filing_key(permit)):
            case "status":  # typed in before GHJ decided
                permit = replace(permit, status=FilingStatus.IN_PROGRESS)
            case "completed_at" if permit.completed_at is not None:  # the day the clerk saw it
                permit = replace(permit, completed_at=permit.completed_at + timedelta(days=1))
        copies.append(Record(permit, permit))
    return copies


_BAD_SHENBAO = {
    "XIANGMU_MC": "某某项目",
    "SHIXIANG_BM": "ZJJ-007",
    "SHENQING_SJ": "2014年6月3日 10:20",
    "SHOULI_SJ": None,
    "BANJIE_SJ": None,
    "ZHUANGTAI": "10",
    "CHENGNUO_SX": 10,
    "CAILIAO_QD": '["申请表"]',
    "GENGXIN_SJ": "2014-06-03 10:30:00",
}
BAD_ROWS = (
    BadRow(
        "filing",
        "SHENBAO",
        "project code XM2014-0001 is not a project code",
        {**_BAD_SHENBAO, "SHENBAO_BH": "JS2014990001", "XIANGMU_DM": "XM2014-0001"},
    ),
    BadRow(
        "filing",
        "SHENBAO",
        "accepted at 20140230093000",
        {
            **_BAD_SHENBAO,
            "SHENBAO_BH": "JS2014990002",
            "XIANGMU_DM": "2014-440307-47-01-990031",
            "SHOULI_SJ": "20140230093000",
            "ZHUANGTAI": "20",
        },
    ),
    BadRow(
        "filing",
        "SHENBAO",
        "status code 99 is not in the code table ZHUANGTAI_DM",
        {
            **_BAD_SHENBAO,
            "SHENBAO_BH": "JS2014990003",
            "XIANGMU_DM": "2014-440307-47-01-990032",
            "ZHUANGTAI": "99",
        },
    ),
    BadRow(
        "filing",
        "SHENBAO",
        "matter code missing",
        {
            **_BAD_SHENBAO,
            "SHENBAO_BH": "JS2014990004",
            "XIANGMU_DM": "2014-440307-47-01-990033",
            "SHIXIANG_BM": None,
        },
    ),
    BadRow(
        "outcome",
        "BANLI_JIEGUO",
        "issued on 0000年00月00日",
        {
            "JIEGUO_BH": 990001,
            "SHENBAO_BH": "JS2014990005",
            "XIANGMU_DM": "2014-440307-47-01-990034",
            "JIEGUO_DM": "1",
            "ZHENGZHAO_LX": "建筑工程施工许可证",
            "ZHENGZHAO_BH": "深建许字[2014]9001号",
            "FAZHENG_RQ": "0000年00月00日",
            "FAZHENG_JG": "深圳市住房和建设局",
            "CHIZHENG_DW": "深圳市某某建设有限公司",
            "KUOZHAN_XX": "{}",
            "GENGXIN_SJ": "2014-07-07 15:00:00",
        },
    ),
)

SYSTEM = System(
    NAME,
    department="ZJJ",
    tables=(
        code_table("ZHUANGTAI_DM", STATUSES, ("DAIMA", "VARCHAR(4)"), ("MINGCHENG", "VARCHAR(50)")),
        code_table("HUANJIE_DM", STEPS, ("DAIMA", "VARCHAR(20)"), ("MINGCHENG", "VARCHAR(50)")),
        Table(
            "SHENBAO",
            (
                key("SHENBAO_BH", "VARCHAR(20)", "ZJJ-", application_number),
                _PROJECT,
                Column("XIANGMU_MC", "VARCHAR(400)", filing_project_name),
                Column("SHIXIANG_BM", "VARCHAR(20)", filing_matter, "matter_code"),
                own("SHENQING_SJ", "VARCHAR(30)", "submitted_at", _chinese),
                own("SHOULI_SJ", "CHAR(14)", "accepted_at", _compact),
                own("BANJIE_SJ", "CHAR(14)", "completed_at", _compact),
                coded("ZHUANGTAI", "VARCHAR(4)", "status", STATUSES),
                own("CHENGNUO_SX", "INTEGER", "time_limit_days"),
                own("CAILIAO_QD", "TEXT", "materials", lambda m: dumps(list(m))),
                updated("GENGXIN_SJ"),
            ),
            entity="filing",
            cursor="GENGXIN_SJ",
        ),
        Table(
            "BANLI_GUOCHENG",
            (
                key("GUOCHENG_BH", "INTEGER", "ZJJ-G", native_id),
                key("SHENBAO_BH", "VARCHAR(20)", "ZJJ-", application_number, "filing_key"),
                _PROJECT,
                coded("HUANJIE", "VARCHAR(20)", "step", STEPS),
                own("CHULI_KESHI", "VARCHAR(100)", "division"),
                own("CHULI_REN", "VARCHAR(50)", "actor"),
                own("CHULI_SJ", "CHAR(14)", "occurred_at", _compact),
                own("CHULI_YIJIAN", "VARCHAR(2000)", "opinion"),
                updated("GENGXIN_SJ"),
            ),
            entity="process_event",
            cursor="GENGXIN_SJ",
        ),
        Table(
            "BANLI_JIEGUO",
            (
                key("JIEGUO_BH", "INTEGER", "ZJJ-J", native_id),
                key("SHENBAO_BH", "VARCHAR(20)", "ZJJ-", application_number, "filing_key"),
                _PROJECT,
                coded("JIEGUO_DM", "VARCHAR(2)", "decision", RESULTS),
                own("ZHENGZHAO_LX", "VARCHAR(100)", "document_type"),
                own("ZHENGZHAO_BH", "VARCHAR(100)", "document_number"),
                own("FAZHENG_RQ", "VARCHAR(20)", "issued_at", _chinese_date),
                own("YOUXIAO_QZ", "CHAR(8)", "valid_until", _compact_date),
                own("FAZHENG_JG", "VARCHAR(200)", "issuer"),
                own("CHIZHENG_DW", "VARCHAR(400)", "holder"),
                *signed("CHIZHENG_DW_DAIMA", "WENJIAN_HAXI", "QIANMING", "MIYAO_BH", "SUANFA"),
                own("KUOZHAN_XX", "TEXT", "attributes", dumps),
                updated("GENGXIN_SJ"),
            ),
            entity="outcome",
            cursor="GENGXIN_SJ",
        ),
        Table(
            "QIANZHI_SHENPI",
            (
                key("GUIHUA_SHENBAO_BH", "INTEGER", "GHJ-", ghj_source.apply_number),
                own("BANJIE_SJ", "CHAR(14)", "completed_at", _compact),
                coded("ZHUANGTAI", "VARCHAR(4)", "status", STATUSES),
                updated("GENGXIN_SJ"),
            ),
            entity="filing",
            cursor="GENGXIN_SJ",
            records=_copies,
            foreign=True,
            stream_name="checked_permits",
        ),
    ),
    bad_rows=BAD_ROWS,
)
