"""What the sync engine needs of a source: the ``Source`` protocol, raw rows and source columns.

The engine lives in the core and never imports ``connectors/``; the adapters there implement this
protocol (``connectors.base.Connector`` is its abstract base), so a test or a third-party package
may bring a source of its own without touching the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hub.config import ConnectorConfig, StreamConfig

RawRow = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """What the engine asks of a source: ``stream``'s ``columns`` in batches of ``batch_size``,
    in cursor order when the stream has a cursor, from rows whose cursor is ``>= cursor``."""

    stream: StreamConfig
    columns: Sequence[str]
    batch_size: int
    cursor: Any = None

    @property
    def wanted(self) -> list[str]:
        """The columns and the stream's cursor column, each once, in order."""
        return wanted_columns(self.stream, self.columns)


def wanted_columns(stream: StreamConfig, columns: Sequence[str]) -> list[str]:
    """``columns`` and ``stream``'s cursor column, each once, in order."""
    return list(dict.fromkeys([*columns, *([stream.cursor] if stream.cursor else [])]))


@dataclass(frozen=True, slots=True)
class SourceColumns:
    """What the source says about a stream before reading: its column names and type names."""

    types: Mapping[str, str]

    @classmethod
    def named_by(cls, stream: StreamConfig) -> SourceColumns:
        """The columns ``stream``'s mapping names, for a source that has nothing to say before
        it is read (an empty drop folder, records yet to be pushed): nothing contradicts them."""
        names = {m.column for m in stream.fields.values() if m.column is not None}
        if stream.cursor:
            names.add(stream.cursor)
        return cls(dict.fromkeys(sorted(names), ""))


class Source(Protocol):
    """A source of department records as the engine consumes it."""

    @property
    def name(self) -> str:
        """The connector's name in ``hub.toml``."""

    @property
    def config(self) -> ConnectorConfig:
        """The connector's validated configuration."""

    async def check(self) -> str:
        """Reach the source and describe it in one line; raise ``SourceError`` if it cannot."""

    async def columns(self, stream: StreamConfig) -> SourceColumns:
        """The source's columns for ``stream`` (to check the mapping and detect drift)."""

    def read(self, request: ReadRequest) -> AsyncIterator[list[RawRow]]:
        """Yield batches of raw rows holding the request's wanted columns."""

    async def committed(self, stream: StreamConfig, batch: list[RawRow]) -> None:
        """Called once the transaction holding ``batch`` committed, batches in read order."""

    def failures(self) -> list[str]:
        """The parts of the source the last ``read`` skipped as a whole, each with its reason."""

    async def pending(self, stream: StreamConfig, cursor: Any) -> int | None:
        """How many source rows lie past ``cursor``; None where the source cannot tell cheaply."""

    async def code_table(self, table: str, code: str, value: str) -> dict[str, str]:
        """Read a code table (代码表) from the source."""

    async def close(self) -> None:
        """Release what the source holds open (engines, clients)."""
