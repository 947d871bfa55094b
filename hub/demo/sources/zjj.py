"""住建局 (Housing & Construction): full-pinyin names (SHENBAO 申报, BANLI_GUOCHENG 办理过程,
BANLI_JIEGUO 办理结果, ZHUANGTAI_DM 状态代码). Application times as '2014年3月5日 14:22',
acceptance and completion as 'YYYYMMDDHHMMSS', issue dates as '2014年3月5日', expiry 'YYYYMMDD',
materials as a JSON array."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from hub.demo.dataset import Dataset
from hub.demo.sources.common import (
    SCHEDULE,
    BadRow,
    code_rows,
    dumps,
    iso,
    source_url,
    write_database,
)
from hub.entities import Decision, EventStep, FilingStatus

NAME = "zjj"
DEPARTMENT = "ZJJ"

STATUSES = {
    FilingStatus.SUBMITTED: ("10", "已申报"),
    FilingStatus.SUPPLEMENT: ("15", "补正中"),
    FilingStatus.ACCEPTED: ("20", "已受理"),
    FilingStatus.IN_PROGRESS: ("30", "办理中"),
    FilingStatus.APPROVED: ("50", "办结"),
    FilingStatus.REJECTED: ("60", "不予办理"),
    FilingStatus.WITHDRAWN: ("70", "撤回"),
}
STEPS = {
    EventStep.ACCEPT: ("SHOULI", "受理"),
    EventStep.HANDLE: ("CHENGBAN", "承办"),
    EventStep.REVIEW: ("SHENHE", "审核"),
    EventStep.DECIDE: ("SHENPI", "审批"),
    EventStep.SUPPLEMENT_REQUESTED: ("BUZHENG_GAOZHI", "补正告知"),
    EventStep.SUPPLEMENT_RECEIVED: ("BUZHENG_JIESHOU", "补正接收"),
    EventStep.COMPLETE: ("BANJIE", "办结"),
}
RESULTS = {Decision.APPROVED: ("1", "准予"), Decision.REJECTED: ("2", "不予")}

SCHEMA = """
CREATE TABLE ZHUANGTAI_DM (DAIMA VARCHAR(4) PRIMARY KEY, MINGCHENG VARCHAR(50));
CREATE TABLE HUANJIE_DM (DAIMA VARCHAR(20) PRIMARY KEY, MINGCHENG VARCHAR(50));
CREATE TABLE SHENBAO (SHENBAO_BH VARCHAR(20) PRIMARY KEY, XIANGMU_DM VARCHAR(32),
    XIANGMU_MC VARCHAR(400), SHIXIANG_BM VARCHAR(20), SHENQING_SJ VARCHAR(30),
    SHOULI_SJ CHAR(14), BANJIE_SJ CHAR(14), ZHUANGTAI VARCHAR(4), CHENGNUO_SX INTEGER,
    CAILIAO_QD TEXT, GENGXIN_SJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_SHENBAO_GENGXIN_SJ ON SHENBAO (GENGXIN_SJ);
CREATE TABLE BANLI_GUOCHENG (GUOCHENG_BH INTEGER PRIMARY KEY, SHENBAO_BH VARCHAR(20),
    XIANGMU_DM VARCHAR(32), HUANJIE VARCHAR(20), CHULI_KESHI VARCHAR(100), CHULI_REN VARCHAR(50),
    CHULI_SJ CHAR(14), CHULI_YIJIAN VARCHAR(2000), GENGXIN_SJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_BANLI_GUOCHENG_GENGXIN_SJ ON BANLI_GUOCHENG (GENGXIN_SJ);
CREATE TABLE BANLI_JIEGUO (JIEGUO_BH INTEGER PRIMARY KEY, SHENBAO_BH VARCHAR(20),
    XIANGMU_DM VARCHAR(32), JIEGUO_DM VARCHAR(2), ZHENGZHAO_LX VARCHAR(100),
    ZHENGZHAO_BH VARCHAR(100), FAZHENG_RQ VARCHAR(20), YOUXIAO_QZ CHAR(8),
    FAZHENG_JG VARCHAR(200), CHIZHENG_DW VARCHAR(400), KUOZHAN_XX TEXT,
    GENGXIN_SJ VARCHAR(19) NOT NULL);
CREATE INDEX IX_BANLI_JIEGUO_GENGXIN_SJ ON BANLI_JIEGUO (GENGXIN_SJ);
"""

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


def write(path: Path, data: Dataset) -> None:
    filings = data.filings_of(NAME)
    names = {p.code: p.name for p in data.projects}
    tables: dict[str, tuple[tuple[str, ...], Any]] = {
        "ZHUANGTAI_DM": (("DAIMA", "MINGCHENG"), code_rows(dict(STATUSES.values()))),
        "HUANJIE_DM": (("DAIMA", "MINGCHENG"), code_rows(dict(STEPS.values()))),
        "SHENBAO": (
            (
                "SHENBAO_BH",
                "XIANGMU_DM",
                "XIANGMU_MC",
                "SHIXIANG_BM",
                "SHENQING_SJ",
                "SHOULI_SJ",
                "BANJIE_SJ",
                "ZHUANGTAI",
                "CHENGNUO_SX",
                "CAILIAO_QD",
                "GENGXIN_SJ",
            ),
            [
                (
                    application_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    names.get(f.project_code),
                    f.matter.code,
                    _chinese(f.submitted_at),
                    _compact(f.accepted_at),
                    _compact(f.completed_at),
                    STATUSES[f.status][0],
                    f.time_limit_days,
                    dumps(list(f.materials)),
                    iso(f.updated_at),
                )
                for f in filings
            ],
        ),
        "BANLI_GUOCHENG": (
            (
                "GUOCHENG_BH",
                "SHENBAO_BH",
                "XIANGMU_DM",
                "HUANJIE",
                "CHULI_KESHI",
                "CHULI_REN",
                "CHULI_SJ",
                "CHULI_YIJIAN",
                "GENGXIN_SJ",
            ),
            [
                (
                    e.native_id,
                    application_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    STEPS[e.step][0],
                    e.division,
                    e.actor,
                    _compact(e.occurred_at),
                    e.opinion,
                    iso(e.updated_at),
                )
                for f, e in data.events_of(NAME)
            ],
        ),
        "BANLI_JIEGUO": (
            (
                "JIEGUO_BH",
                "SHENBAO_BH",
                "XIANGMU_DM",
                "JIEGUO_DM",
                "ZHENGZHAO_LX",
                "ZHENGZHAO_BH",
                "FAZHENG_RQ",
                "YOUXIAO_QZ",
                "FAZHENG_JG",
                "CHIZHENG_DW",
                "KUOZHAN_XX",
                "GENGXIN_SJ",
            ),
            sorted(
                (
                    o.native_id,
                    application_number(f.native_id, f.submitted_at.year),
                    f.project_code,
                    RESULTS[o.decision][0],
                    o.document_type,
                    o.document_number,
                    _chinese_date(o.issued_at),
                    None if o.valid_until is None else o.valid_until.strftime("%Y%m%d"),
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


def application_number(native_id: int, year: int) -> str:
    """申报编号, e.g. JS2014000123."""
    return f"JS{year}{native_id:06d}"


def _chinese(value: datetime) -> str:
    return f"{value.year}年{value.month}月{value.day}日 {value.hour}:{value.minute:02d}"


def _chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _compact(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y%m%d%H%M%S")


def connector() -> dict[str, Any]:
    return {
        "name": NAME,
        "kind": "sql",
        "url": source_url(NAME),
        "department": DEPARTMENT,
        "schedule": SCHEDULE,
        "value_maps": {
            "zhuangtai": {c: m.value for m, (c, _) in STATUSES.items()},
            "huanjie": {c: m.value for m, (c, _) in STEPS.items()},
            "jieguo": {c: m.value for m, (c, _) in RESULTS.items()},
        },
        "streams": [
            {
                "entity": "filing",
                "table": "SHENBAO",
                "cursor": "GENGXIN_SJ",
                "fields": {
                    "key": {"expr": "'ZJJ-' || SHENBAO_BH"},
                    "project_code": "XIANGMU_DM",
                    "matter_code": "SHIXIANG_BM",
                    "department_code": {"default": DEPARTMENT},
                    "submitted_at": "SHENQING_SJ",
                    "accepted_at": "SHOULI_SJ",
                    "completed_at": "BANJIE_SJ",
                    "status": {"column": "ZHUANGTAI", "map": "zhuangtai"},
                    "time_limit_days": "CHENGNUO_SX",
                    "materials": "CAILIAO_QD",
                },
            },
            {
                "entity": "process_event",
                "table": "BANLI_GUOCHENG",
                "cursor": "GENGXIN_SJ",
                "fields": {
                    "key": {"expr": "'ZJJ-G' || GUOCHENG_BH"},
                    "filing_key": {"expr": "'ZJJ-' || SHENBAO_BH"},
                    "project_code": "XIANGMU_DM",
                    "step": {"column": "HUANJIE", "map": "huanjie"},
                    "division": "CHULI_KESHI",
                    "actor": "CHULI_REN",
                    "occurred_at": "CHULI_SJ",
                    "opinion": "CHULI_YIJIAN",
                },
            },
            {
                "entity": "outcome",
                "table": "BANLI_JIEGUO",
                "cursor": "GENGXIN_SJ",
                "fields": {
                    "key": {"expr": "'ZJJ-J' || JIEGUO_BH"},
                    "filing_key": {"expr": "'ZJJ-' || SHENBAO_BH"},
                    "project_code": "XIANGMU_DM",
                    "decision": {"column": "JIEGUO_DM", "map": "jieguo"},
                    "document_type": "ZHENGZHAO_LX",
                    "document_number": "ZHENGZHAO_BH",
                    "issued_at": "FAZHENG_RQ",
                    "valid_until": "YOUXIAO_QZ",
                    "issuer": "FAZHENG_JG",
                    "holder": "CHIZHENG_DW",
                    "attributes": "KUOZHAN_XX",
                },
            },
        ],
    }
