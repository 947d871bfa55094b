"""`hub serve --workers N`: N server processes behind one port (uvicorn's own supervisor binds
the socket, starts them and restarts one that dies).

Every worker serves GraphQL, the exports and pushes, and delivers webhooks (each webhook is
leased to one process at a time) and reads the change feed for its own subscribers. What must
run once runs in one worker: the scheduled syncs and the supervision job go to the worker that
holds the serve's scheduler lock (an ``flock`` on a file, released when its process ends, so
the worker started in place of a dead one takes it over). Wake-ups reach every worker: when the
configured bus is ``memory://`` (one process), the workers get a ``local://`` bus of their own
(``hub.bus.local``); a Redis or PostgreSQL bus is kept as configured.
"""

from __future__ import annotations

import asyncio
import fcntl
import gc
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from hub.cli.common import on_store
from hub.config import HubConfig, load_config

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What the serving command tells its workers (JSON): the config, the scheduler lock, the bus.
PLAN_ENV = "HUB_SERVE_WORKER_PLAN"
# The scheduler lock of this process, held open for as long as it lives.
_held: list[IO[bytes]] = []


def serve_workers(
    config_path: Path,
    settings: HubConfig,
    *,
    host: str,
    port: int,
    workers: int,
    scheduler: bool,
    **options: Any,
) -> None:
    """Serve with ``workers`` processes until stopped."""
    import uvicorn

    on_store(settings, lambda _store: asyncio.sleep(0))  # migrate once, before the workers
    with tempfile.TemporaryDirectory(prefix="hub-serve-") as folder:
        plan = {
            "config": str(config_path.resolve()),
            "scheduler_lock": str(Path(folder) / "scheduler.lock") if scheduler else None,
            "bus": f"local://{folder}/bus" if settings.bus.url == "memory://" else None,
        }
        os.environ[PLAN_ENV] = json.dumps(plan)
        log.info("serving with %d workers on %s:%d", workers, host, port)
        uvicorn.run(
            f"{__name__}:worker_app", factory=True, workers=workers, host=host, port=port, **options
        )


def worker_app() -> Any:
    """The app of one worker process (uvicorn calls it in each)."""
    from hub.http.app import create_app

    # A spawned process starts without the serving command's logging.
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    plan = json.loads(os.environ[PLAN_ENV])
    settings = load_config(plan["config"])
    if plan["bus"] is not None:
        settings = settings.model_copy(
            update={"bus": settings.bus.model_copy(update={"url": plan["bus"]})}
        )
    lock = plan["scheduler_lock"]
    scheduler = lock is not None and _take(Path(lock))
    if scheduler:
        log.info("worker %d runs the scheduled syncs and supervision", os.getpid())
    application = create_app(settings, run_scheduler=scheduler)
    # As hub.cli.serving.run_server does for one process: what lives as long as the worker
    # is kept out of the cyclic collector's walks.
    gc.collect()
    gc.freeze()
    return application


def _take(lock: Path) -> bool:
    """Hold ``lock`` for the rest of this process if no other process holds it."""
    handle = lock.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return False
    _held.append(handle)
    return True
