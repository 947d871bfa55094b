"""``on_invalid = "null"``: an invalid optional value empties the field with a warning instead of
rejecting the whole record; the default stays a reject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub import tables
from hub.config import HubConfig, parse_config
from hub.errors import ConfigError
from hub.store import Store
from tests import department_source as src

pytestmark = pytest.mark.anyio

BAD_CREDIT_CODE = "91440300708461136A"  # check digit should be T


def with_credit_code(config: HubConfig, **mapping: Any) -> HubConfig:
    data = config.model_dump(exclude_none=True, exclude_defaults=True)
    stream = data["connectors"][0]["streams"][0]
    stream["fields"]["owner_credit_code"] = {"column": "XMDWDM", **mapping}
    return parse_config(data)


async def make_source(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=3, filings_count=0)
    await src.execute(url, src.projects.insert(), [src.project_row(9, XMDWDM=BAD_CREDIT_CODE)])
    return url


async def owner_codes(store: Store) -> dict[str, str | None]:
    projects = tables.projects
    async with store.read() as conn:
        rows = await conn.execute(select(projects.c.code, projects.c.owner_credit_code))
        return {code: owner for code, owner in rows}


async def test_an_invalid_optional_value_rejects_the_record_by_default(
    store: Store, tmp_path: Path
) -> None:
    config = with_credit_code(src.source_config(await make_source(tmp_path)))
    report = await src.sync_once(store, config)
    assert (report.total("inserted"), report.total("rejected"), report.total("warned")) == (3, 1, 0)
    assert "2014-440304-47-01-000009" not in await owner_codes(store)


async def test_on_invalid_null_stores_the_record_empty_there_with_a_warning(
    store: Store, tmp_path: Path
) -> None:
    config = with_credit_code(src.source_config(await make_source(tmp_path)), on_invalid="null")
    report = await src.sync_once(store, config, full=True)
    assert report.state == "succeeded", report.error
    assert (report.total("inserted"), report.total("rejected"), report.total("warned")) == (4, 0, 1)
    codes = await owner_codes(store)
    assert codes["2014-440304-47-01-000009"] is None
    assert codes["2014-440304-47-01-000001"] == src.OWNER_CREDIT_CODE
    async with store.read() as conn:
        (warning,) = (await conn.execute(select(tables.record_warnings))).all()
        run = (await conn.execute(select(tables.sync_runs))).one()
        rejects = (await conn.execute(select(tables.rejects))).all()
    assert rejects == []
    assert run.rows_warned == 1 and run.rows_rejected == 0
    assert warning.source_key == "2014-440304-47-01-000009"
    assert warning.raw["XMDWDM"] == BAD_CREDIT_CODE
    (reason,) = warning.reasons
    assert reason.startswith(f"field 'owner_credit_code' (column XMDWDM): '{BAD_CREDIT_CODE}'")
    assert reason.endswith("stored as empty (on_invalid = 'null')")

    # A re-read counts the warning on its run again but keeps the warned row once.
    again = await src.sync_once(store, config, full=True)
    assert (again.total("warned"), again.total("changes")) == (1, 0)
    async with store.read() as conn:
        assert len((await conn.execute(select(tables.record_warnings))).all()) == 1


def test_on_invalid_null_on_a_required_field_is_a_config_error(tmp_path: Path) -> None:
    config = src.source_config(f"sqlite:///{tmp_path / 'x.db'}")
    data = config.model_dump(exclude_none=True, exclude_defaults=True)
    data["connectors"][0]["streams"][0]["fields"]["name"] = {"column": "XMMC", "on_invalid": "null"}
    with pytest.raises(ConfigError, match="on_invalid = 'null' needs an optional field; name"):
        parse_config(data)
