"""The ``hub`` command line: the composition root that wires config, store, connectors, the
sync engine, the scheduler and the web app together. One module per group of commands."""

# Importing the command modules registers their commands on ``app``.
from hub.cli import log, reference, reports, serving, syncing, tokens, webhooks  # noqa: F401
from hub.cli.common import app
from hub.cli.syncing import sync_all

__all__ = ["app", "main", "sync_all"]


def main() -> None:
    app()
