from __future__ import annotations

from pathlib import Path

import pytest

from connectors.registry import build_connector
from hub.status import connector_status
from hub.store import Store
from hub.sync import SyncEngine
from tests import department_source as src
from tests.connectors.test_push import push_config

pytestmark = pytest.mark.anyio


async def test_status_shows_the_last_run_rejects_cursor_and_lag(
    store: Store, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=4, filings_count=2)
    await src.execute(url, src.projects.insert(), [src.project_row(9, XMDM="bad")])
    config = src.source_config(url)
    connector = build_connector(config.connectors[0], config)
    try:
        assert (await connector_status(store, [connector]))[0].state == "never run"
        await SyncEngine(store, config).sync(connector)
        await src.execute(
            url,
            src.projects.insert(),
            [src.project_row(n, GXSJ="2014-09-01 00:00:00") for n in (20, 21, 22)],
        )
        project, filing = await connector_status(store, [connector])
    finally:
        await connector.close()
    assert (project.state, project.rows_read, project.rejects) == ("succeeded", 7, 1)
    assert project.cursor == "2014-03-01 08:00:09"
    assert project.pending == 3
    assert (filing.rejects, filing.pending) == (0, 0)


async def test_a_push_connector_shows_its_last_push_not_never_run(store: Store) -> None:
    config = push_config()
    connector = build_connector(config.connectors[0], config)
    engine = SyncEngine(store, config)
    record = {"sbbh": "ZJJ-1", "xmdm": "2014-440304-47-01-000001", "sxbm": "M-1", "zt": "ACCEPTED"}
    report, _ = await engine.ingest(connector, "filing", [record, record | {"sbbh": "ZJJ-2"}])
    assert report.state == "succeeded", report.error
    (status,) = await connector_status(store, [connector])
    assert (status.state, status.rows_read, status.rows_written) == ("succeeded", 2, 2)
    assert status.last_run_at is not None
