"""Wake-ups between the processes of one host over Unix datagram sockets in a shared folder:
``local:///path/to/folder``. ``hub serve --workers N`` gives its workers one when the
configured bus is ``memory://``, so that a sync or push in one worker wakes the change-feed
subscribers of all of them without a Redis or PostgreSQL server.

Each process binds a socket file of its own in the folder and sends one byte to every other
socket file there per publish. A socket file whose process is gone is removed by the first
publisher that finds nobody reading it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from pathlib import Path

from hub.bus.base import EventBus

log = logging.getLogger(__name__)
SUFFIX = ".sock"


def _folder(url: str) -> Path:
    """The folder of a ``local:///path`` URL."""
    path = url.partition("://")[2]
    if not path.startswith("/"):
        raise ValueError(f"a local bus URL names an absolute folder: local:///path, not {url!r}")
    return Path(path)


class LocalBus(EventBus):
    """Publishes to every other bus socket in the folder; listens on its own."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.folder = _folder(url)
        self.path = self.folder / f"{os.getpid()}-{uuid.uuid4().hex[:8]}{SUFFIX}"
        self._socket: socket.socket | None = None
        self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sender.setblocking(False)

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        receiver.setblocking(False)
        receiver.bind(str(self.path))
        self._socket = receiver
        asyncio.get_running_loop().add_reader(receiver.fileno(), self._received)

    def _received(self) -> None:
        assert self._socket is not None
        # Drain what has arrived: one wake-up stands for all of them.
        with contextlib.suppress(BlockingIOError):
            while self._socket.recv(64):
                pass
        self._wake()

    async def close(self) -> None:
        if self._socket is not None:
            asyncio.get_running_loop().remove_reader(self._socket.fileno())
            self._socket.close()
            self._socket = None
            self.path.unlink(missing_ok=True)
        self._sender.close()

    async def _broadcast(self) -> None:
        for peer in self.folder.glob(f"*{SUFFIX}"):
            if peer == self.path:
                continue
            try:
                self._sender.sendto(b".", str(peer))
            except BlockingIOError:
                pass  # its queue is full: it has wake-ups to read already
            except (ConnectionRefusedError, FileNotFoundError):
                peer.unlink(missing_ok=True)  # its process is gone
            except OSError as exc:  # the change is committed; readers will poll it up
                log.warning("could not wake %s: %r", peer, exc)
