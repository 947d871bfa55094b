"""Drop folders: departments export CSV or Excel files into a folder; the hub reads each new file.

Each stream names a glob ``pattern`` in the connector's folder. A run takes the matching files
oldest first (so a later drop's values win), skips those whose sha256 is already recorded as
applied in ``source_files``, and for each other file:

1. verifies the whole file in a streaming pre-pass (it decodes, its header has every mapped
   column, no row has more values than the header), so that a bad file fails as a whole and is
   never half-applied: it is recorded as ``failed`` with the reason, left in place, and tried
   again on later runs (a fixed ``encoding`` then takes effect);
2. yields its rows in batches of raw values keyed by header name; a batch never spans two files;
3. records the file as ``applied`` once the engine reports that the transaction holding its
   last batch committed (``committed``; batches commit in read order, so all of the file is
   stored by then). After a crash or a failed run before that, the file is read again, which
   the engine's diff makes harmless.

Row-level problems (a zero date, an unknown code, a missing value) are not the file's: those rows
go to rejects through the engine like rows from any other source. Files are read in chunks, in a
worker thread, so memory does not grow with their size and the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from abc import abstractmethod
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from connectors.base import Connector, RawRow, ReadRequest, SourceColumns
from hub import tables
from hub.clock import utcnow
from hub.config import StreamConfig
from hub.errors import MappingError, SourceError
from hub.source import wanted_columns
from hub.store import Store

log = logging.getLogger(__name__)

HASH_CHUNK = 1 << 18

# (line or row number, cell values) for each record of a file, in order.
Records = Generator[tuple[int, list[Any]], None, None]


class FileRejected(MappingError):
    """Raised when a file cannot be applied as a whole: text that does not decode, a header
    without a mapped column, a broken workbook. It names the file and where in it."""

    def __init__(
        self,
        connector: str,
        stream: str,
        file: str,
        problem: str,
        *,
        line: int | None = None,
        offset: int | None = None,
        unit: str = "line",
        hint: str = "",
    ) -> None:
        self.file = file
        self.line = line
        self.offset = offset
        where = [f"file {file}"]
        if line is not None:
            where.append(f"{unit} {line}")
        if offset is not None:
            where.append(f"byte offset {offset}")
        super().__init__(connector, stream, f"{', '.join(where)}: {problem}", hint)


class DropOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="The drop folder (relative to hub.toml's folder)")
    # A file modified more recently than this may still be being copied in; it waits a run.
    settle_seconds: float = Field(default=10.0, ge=0)


DropOptionsT = TypeVar("DropOptionsT", bound=DropOptions)


class DropStreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(description="Glob of the stream's files inside the folder")
    header_row: int = Field(default=1, ge=1, description="Row holding the header (1 = first)")

    @field_validator("pattern")
    @classmethod
    def _inside_folder(cls, value: str) -> str:
        pure = PurePosixPath(value)
        if pure.is_absolute() or ".." in pure.parts:
            raise ValueError(f"{value!r} must be a pattern inside the folder (no '/' or '..')")
        return value


@dataclass(frozen=True, slots=True)
class _Stamp:
    """What identifies a file's content cheaply: if it moved, the file changed under us."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> _Stamp:
        stat = path.stat()
        return cls(stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class _HandedOver:
    """A file whose rows the engine has all been given: where it stands in ``source_files``."""

    key: str
    checksum: str
    size: int
    rows: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FileLedger:
    """The ``source_files`` bookkeeping of one connector: which file contents were applied."""

    def __init__(self, store: Store, connector: str) -> None:
        self.store = store
        self.connector = connector

    async def applied(self, path: str, checksum: str) -> bool:
        """Whether this content of the file is in the store."""
        files = tables.source_files
        state = await self.store.scalar(
            select(files.c.state).where(
                files.c.connector == self.connector,
                files.c.path == path,
                files.c.checksum == checksum,
            )
        )
        return bool(state == "applied")

    async def record(
        self, path: str, checksum: str, size: int, state: str, rows: int, error: str | None
    ) -> None:
        files = tables.source_files
        now = utcnow()
        values = {
            "connector": self.connector,
            "path": path,
            "checksum": checksum,
            "size": size,
            "state": state,
            "rows": rows,
            "error": error,
            "processed_at": now,
        }
        async with self.store.write() as conn:
            await conn.execute(self.store.upsert(files, values, ["connector", "path", "checksum"]))


class FileDropConnector(Connector[DropOptionsT]):
    """The folder, its files and their bookkeeping; a subclass reads one file format."""

    StreamOptions: ClassVar[type[DropStreamOptions]] = DropStreamOptions
    # What a position in the file is called in messages: a text line or a worksheet row.
    unit: ClassVar[str] = "line"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = Path(self.options.path)
        if not folder.is_absolute() and self.hub_config.path:
            folder = Path(self.hub_config.path).parent / folder
        self.folder = folder
        self._store: Store | None = None
        # Files whose rows were all handed over, by the last batch of each: recorded as applied
        # when the engine reports that batch committed.
        self._handed_over: list[tuple[list[RawRow], _HandedOver]] = []
        self._last_committed: list[RawRow] | None = None
        self._failed: list[str] = []  # the files the last read skipped, with their problems

    @abstractmethod
    def records(self, path: Path, stream: StreamConfig) -> Records:
        """Yield ``(line, cells)`` for each record of the file in order; raise ``FileRejected``
        (see ``rejected``) when the file as a whole cannot be read."""

    def rejected(
        self, stream: StreamConfig, path: Path, problem: str, **context: Any
    ) -> FileRejected:
        context.setdefault("unit", self.unit)
        return FileRejected(self.name, stream.stream_name, str(path), problem, **context)

    @property
    def ledger(self) -> FileLedger:
        if self._store is None:
            self._store = Store(self.hub_config.resolve_url(self.hub_config.store.url))
        return FileLedger(self._store, self.name)

    def _ledger_path(self, stream: StreamConfig, path: Path) -> str:
        # One workbook may feed several streams (one per sheet), so the stream is part of the key.
        return f"{path.relative_to(self.folder).as_posix()}#{stream.stream_name}"

    def _files(self, stream: StreamConfig) -> list[Path]:
        """The stream's files, oldest first; raises ``SourceError`` if the folder is missing."""
        if not self.folder.is_dir():
            raise SourceError(
                self.name,
                f"the drop folder {self.folder} does not exist or is not a folder",
                hint="check the connector's path and that the share is mounted",
            )
        pattern = self.stream_options(stream, DropStreamOptions).pattern
        found = [
            (path.stat().st_mtime_ns, path.name, path)
            for path in self.folder.glob(pattern)
            # Office lock files (~$) and hidden partial copies are not drops.
            if path.is_file() and not path.name.startswith(("~$", "."))
        ]
        return [path for _, _, path in sorted(found)]

    async def check(self) -> str:
        counts = [len(self._files(s)) for s in self.config.streams]
        return f"{self.kind} drop folder {self.folder}: {sum(counts)} files match"

    def _open(self, stream: StreamConfig, path: Path) -> tuple[int, list[str], Records]:
        """The file's header line, its header (names stripped) and the records after it;
        raises ``FileRejected`` when the file has no header row."""
        header_row = self.stream_options(stream, DropStreamOptions).header_row
        records = self.records(path, stream)
        for number, (line, cells) in enumerate(records, 1):
            if number == header_row:
                return line, ["" if c is None else str(c).strip() for c in cells], records
        raise self.rejected(
            stream,
            path,
            f"the file has no header row (header_row = {header_row})",
            hint="the file is empty or shorter than the stream's header_row",
        )

    def _header(self, stream: StreamConfig, path: Path) -> list[str]:
        _, header, records = self._open(stream, path)
        records.close()  # releases the file now rather than when collected
        return header

    async def columns(self, stream: StreamConfig) -> SourceColumns:
        """The header of the newest file that has every mapped column. When no file has them all,
        the newest header, so the engine names what is missing; with no readable file, the
        mapping's own columns (files that do not fit then fail one by one as they are read)."""
        wanted = SourceColumns.named_by(stream).types
        newest: list[str] | None = None
        for path in reversed(self._files(stream)):
            try:
                header = await asyncio.to_thread(self._header, stream, path)
            except FileRejected:
                continue
            names = {h.casefold() for h in header}
            if all(w.casefold() in names for w in wanted):
                return SourceColumns(dict.fromkeys((h for h in header if h), ""))
            newest = newest or header
        if newest is not None:
            return SourceColumns(dict.fromkeys((h for h in newest if h), ""))
        return SourceColumns.named_by(stream)

    def _rows(
        self, stream: StreamConfig, path: Path, wanted: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        """The file's data rows holding the ``wanted`` columns (matched by header name without
        regard to case or surrounding spaces); blank rows are skipped."""
        line, header, records = self._open(stream, path)
        positions = self._positions(stream, path, header, wanted, line)
        for line, cells in records:
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            extra = [c for c in cells[len(header) :] if c not in (None, "")]
            if extra:
                raise self.rejected(
                    stream,
                    path,
                    f"{len(header) + len(extra)} values but the header has {len(header)} columns",
                    line=line,
                    hint="a value holding the delimiter must be quoted",
                )
            yield {
                name: cells[index] if index < len(cells) else None
                for name, index in positions.items()
            }

    def _positions(
        self,
        stream: StreamConfig,
        path: Path,
        header: list[str],
        wanted: Sequence[str],
        line: int,
    ) -> dict[str, int]:
        index: dict[str, int] = {}
        repeated: set[str] = set()
        for position, name in enumerate(header):
            if name.casefold() in index:
                repeated.add(name)
            index.setdefault(name.casefold(), position)
        missing = [w for w in wanted if w.casefold() not in index]
        if missing:
            raise self.rejected(
                stream,
                path,
                f"the header has no column {', '.join(repr(m) for m in missing)}",
                line=line,
                hint=f"its columns are: {', '.join(h for h in header if h)}; the stream's "
                "fields map each canonical field to a header name",
            )
        clashes = sorted(r for r in repeated if r.casefold() in {w.casefold() for w in wanted})
        if clashes:
            raise self.rejected(
                stream,
                path,
                f"the header names column {', '.join(repr(c) for c in clashes)} more than once",
                line=line,
            )
        return {w: index[w.casefold()] for w in wanted}

    def _verify(self, stream: StreamConfig, path: Path, wanted: Sequence[str]) -> int:
        """The streaming pre-pass: read the whole file without keeping it; its data row count."""
        return sum(1 for _ in self._rows(stream, path, wanted))

    def _batches(
        self, stream: StreamConfig, path: Path, wanted: Sequence[str], size: int
    ) -> Generator[list[RawRow], None, None]:
        batch: list[RawRow] = []
        for row in self._rows(stream, path, wanted):
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    async def read(self, request: ReadRequest) -> AsyncIterator[list[RawRow]]:
        # Each file is read once, so a cursor column only dates the changes (their source time);
        # it does not filter rows: a new file may well hold rows older than the last one.
        stream, wanted = request.stream, request.wanted
        # Batches of an earlier run that failed will never commit: start afresh.
        self._handed_over, self._last_committed, self._failed = [], None, []
        async for path, stamp, key, checksum in self._pending(stream):
            try:
                rows = await asyncio.to_thread(self._verify, stream, path, wanted)
            except FileRejected as exc:
                log.warning("%s", exc)
                self._failed.append(exc.problem)
                await self.ledger.record(key, checksum, stamp.size, "failed", 0, str(exc))
                continue
            batches = self._batches(stream, path, wanted, request.batch_size)
            last: list[RawRow] | None = None
            try:
                while (batch := await asyncio.to_thread(next, batches, None)) is not None:
                    last = batch
                    yield batch
            finally:
                batches.close()
            if _Stamp.of(path) != stamp:
                log.warning("%s: %s changed while it was read; it is read again", self.name, path)
                continue
            done = _HandedOver(key, checksum, stamp.size, rows)
            if last is None or last is self._last_committed:
                await self._record_applied(done)
            else:
                self._handed_over.append((last, done))

    async def _pending(self, stream: StreamConfig) -> AsyncIterator[tuple[Path, _Stamp, str, str]]:
        """The stream's settled files whose content is not applied yet: path, stamp, ledger key
        and checksum."""
        settled_before = time.time() - self.options.settle_seconds
        for path in self._files(stream):
            stamp = _Stamp.of(path)
            if stamp.mtime_ns / 1e9 > settled_before:
                log.info("%s: %s changed moments ago; it waits for the next run", self.name, path)
                continue
            key = self._ledger_path(stream, path)
            checksum = await asyncio.to_thread(_sha256, path)
            if not await self.ledger.applied(key, checksum):
                yield path, stamp, key, checksum

    def failures(self) -> list[str]:
        return list(self._failed)

    async def check_pending(self, stream: StreamConfig) -> dict[str, str]:
        """Pre-read the stream's pending files as a sync would (for the columns of its fields
        that are not optional), recording nothing: file name -> problem, for each file that
        would fail."""
        mapped = [m.column for m in stream.fields.values() if m.column and not m.optional]
        wanted = wanted_columns(stream, mapped)
        problems: dict[str, str] = {}
        async for path, *_ in self._pending(stream):
            try:
                await asyncio.to_thread(self._verify, stream, path, wanted)
            except FileRejected as exc:
                problems[path.name] = exc.problem + (f" (hint: {exc.hint})" if exc.hint else "")
        return problems

    async def committed(self, stream: StreamConfig, batch: list[RawRow]) -> None:
        self._last_committed = batch
        waiting = []
        for last, done in self._handed_over:
            if last is batch:
                await self._record_applied(done)
            else:
                waiting.append((last, done))
        self._handed_over = waiting

    async def _record_applied(self, done: _HandedOver) -> None:
        await self.ledger.record(done.key, done.checksum, done.size, "applied", done.rows, None)

    async def close(self) -> None:
        if self._store is not None:
            await self._store.dispose()
            self._store = None
