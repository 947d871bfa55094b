"""One sync of every connector in a hub.toml, in a process of its own, for tests that kill it.

Imports only the engine (not the CLI, web app or schema), so that the process starts fast.
Exits 0 when every run succeeded, 1 (with the errors on stderr) otherwise.
"""

from __future__ import annotations

import asyncio
import sys

from connectors.registry import build_connector
from hub.config import load_config
from hub.store import Store
from hub.sync import SyncEngine


async def sync_everything(path: str) -> int:
    config = load_config(path)
    store = Store(config.resolve_url(config.store.url))
    failed = 0
    try:
        await store.migrate()
        engine = SyncEngine(store, config)
        for settings in config.connectors:
            connector = build_connector(settings, config)
            try:
                report = await engine.sync(connector)
            finally:
                await connector.close()
            if report.state != "succeeded":
                print(report.error, file=sys.stderr)
                failed += 1
    finally:
        await store.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(sync_everything(sys.argv[1])))
