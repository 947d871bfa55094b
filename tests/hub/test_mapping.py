from __future__ import annotations

from datetime import date, datetime

import pytest

from hub.config import StreamConfig
from hub.entities import ENTITIES, Kind
from hub.mapping import ConversionError, RecordMapper, parse_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-03-05", datetime(2014, 3, 5)),
        ("2014-03-05 14:22:10", datetime(2014, 3, 5, 14, 22, 10)),
        ("2014-03-05 14:22:10.0", datetime(2014, 3, 5, 14, 22, 10)),
        ("2014/3/5 14:22", datetime(2014, 3, 5, 14, 22)),
        ("20140305", datetime(2014, 3, 5)),
        ("20140305142210", datetime(2014, 3, 5, 14, 22, 10)),
        ("2014年3月5日", datetime(2014, 3, 5)),
        ("2014年3月5日 14:22", datetime(2014, 3, 5, 14, 22)),
        ("2014.3.5", datetime(2014, 3, 5)),
        (date(2014, 3, 5), datetime(2014, 3, 5)),
    ],
)
def test_parses_the_date_shapes_department_systems_store(text: object, expected: datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["2014-02-30", "0000-00-00", "2014-13-01", "soon", "2014-3"])
def test_impossible_dates_are_errors_naming_the_value(text: str) -> None:
    with pytest.raises(ConversionError, match=repr(text).replace("(", r"\(")):
        parse_datetime(text)


def test_explicit_formats_are_used_alone() -> None:
    assert parse_datetime("05/03/2014", ["%d/%m/%Y"]) == datetime(2014, 3, 5)
    with pytest.raises(ConversionError, match="matches none of the formats %d/%m/%Y"):
        parse_datetime("2014-03-05", ["%d/%m/%Y"])


def mapper(fields: dict, maps: dict | None = None, entity: str = "project") -> RecordMapper:
    return RecordMapper(StreamConfig(entity=entity, fields=fields), maps or {}, "Asia/Shanghai")


def test_maps_a_row_to_a_tuple_with_the_key_first() -> None:
    m = mapper(
        {
            "name": "XMMC",
            "code": "XMDM",
            "total_investment": "ZTZ",
            "registered_at": "DJRQ",
            "category": {"column": "LB", "map": "lb"},
        },
        {"lb": {"01": "BUILDING"}},
    )
    record, reasons = m.map(
        {
            "XMDM": " 2014-440304-47-01-000001 ",
            "XMMC": "学校",
            "ZTZ": "1,234.50",
            "DJRQ": "2014-03-05 08:00:00",
            "LB": "01",
        }
    )
    assert reasons == []
    assert m.fields[0] == "code"
    assert dict(zip(m.fields, record, strict=True)) == {
        "code": "2014-440304-47-01-000001",
        "name": "学校",
        "total_investment": 1234.5,
        "registered_at": date(2014, 3, 5),  # a date-only field: the source's day
        "category": "BUILDING",
    }


def test_every_bad_field_is_a_reason_naming_field_column_and_value() -> None:
    m = mapper(
        {
            "code": "XMDM",
            "name": "XMMC",
            "owner_credit_code": "DM",
            "district": "QH",
            "status": "ZT",
        }
    )
    record, reasons = m.map(
        {
            "XMDM": "2014-440304-47-01-000001",
            "XMMC": "  ",
            "DM": "91440300708461136X",
            "QH": "999999",
            "ZT": "DONE",
        }
    )
    assert record is None
    assert reasons[0] == "field 'name' (column XMMC): required but empty"
    assert reasons[1].startswith(
        "field 'owner_credit_code' (column DM): '91440300708461136X' is not a unified social credit code"
    )
    assert (
        reasons[2]
        == "field 'district' (column QH): '999999' is not a six-digit administrative division code"
    )
    assert reasons[3].startswith(
        "field 'status' (column ZT): 'DONE' is not one of COMPLETED, PLANNING"
    )


def test_defaults_split_lists_and_optional_required_fields() -> None:
    m = mapper(
        {
            "key": "BH",
            "project_code": "XM",
            "matter_code": {"default": "GT-001"},
            "status": {"column": "ZT", "optional": True},
            "materials": {"column": "CL", "split": ";"},
        },
        entity="filing",
    )
    record, reasons = m.map(
        {"BH": "A1", "XM": "2014-440304-47-01-000001", "ZT": None, "CL": "立项批复; 用地证明;"}
    )
    assert reasons == []
    values = dict(zip(m.fields, record, strict=True))
    assert values["matter_code"] == "GT-001"
    assert values["status"] is None
    assert values["materials"] == ["立项批复", "用地证明"]


def test_integers_accept_thousands_separators_but_not_fractions() -> None:
    m = mapper(
        {
            "code": "SXBM",
            "name": "MC",
            "department_code": "BM",
            "stage": "JD",
            "time_limit_days": "TS",
        },
        entity="matter",
    )
    ok, _ = m.map({"SXBM": "A", "MC": "x", "BM": "GT", "JD": "PARALLEL", "TS": "1,020"})
    assert ok is not None and ok[-1] == 1020
    bad, reasons = m.map({"SXBM": "A", "MC": "x", "BM": "GT", "JD": "PARALLEL", "TS": "2.5"})
    assert bad is None and reasons == [
        "field 'time_limit_days' (column TS): '2.5' is not a whole number"
    ]


def test_bytes_that_are_not_utf8_are_an_error_not_mojibake() -> None:
    m = mapper({"code": "XMDM", "name": "XMMC"})
    record, reasons = m.map({"XMDM": "2014-440304-47-01-000001", "XMMC": "深圳".encode("gbk")})
    assert record is None and "is not UTF-8 text" in reasons[0]


def test_scale_converts_a_number_into_the_fields_unit() -> None:
    m = mapper(
        {"code": "XMDM", "name": "XMMC", "total_investment": {"column": "ZTZ", "scale": 0.0001}}
    )
    record, reasons = m.map(
        {"XMDM": "2014-440304-47-01-000001", "XMMC": "学校", "ZTZ": "123,456,789"}
    )
    assert reasons == [] and record is not None
    assert record[m.fields.index("total_investment")] == 12345.6789  # 元 -> 万元, exactly
    days = mapper(
        {
            "key": "BH",
            "project_code": "XMDM",
            "matter_code": "SX",
            "status": {"default": "SUBMITTED"},
            "time_limit_days": {"column": "QX", "scale": 0.5},
        },
        entity="filing",
    )
    row = {"BH": "F1", "XMDM": "2014-440304-47-01-000001", "SX": "M"}
    assert days.map(row | {"QX": "40"})[0] is not None
    _, reasons = days.map(row | {"QX": "15"})
    assert reasons == [
        "field 'time_limit_days' (column QX): '15' times scale 0.5 is 7.5, not a whole number"
    ]


def test_scale_is_for_numeric_fields_and_every_number_states_its_unit() -> None:
    with pytest.raises(ValueError, match="the numeric fields of project are: total_investment"):
        StreamConfig(
            entity="project", fields={"code": "XMDM", "name": {"column": "XMMC", "scale": 2}}
        )
    numeric = {
        (e.name, f.name): f.unit
        for e in ENTITIES.values()
        for f in e.fields
        if f.kind in (Kind.INT, Kind.FLOAT)
    }
    assert numeric == {
        ("matter", "time_limit_days"): "工作日",
        ("project", "total_investment"): "万元",
        ("filing", "time_limit_days"): "工作日",
    }
