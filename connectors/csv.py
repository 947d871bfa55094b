"""CSV files in a drop folder (see ``connectors.files`` for how files are found and recorded).

Department systems in China export CSV as UTF-8 (often with a BOM) or as GBK/GB18030. The text is
decoded chunk by chunk with the configured ``encoding``; a byte sequence it cannot decode fails the
file as a whole with its line and byte offset. The hint names an encoding only when that encoding
decodes the whole file; bytes no known encoding decodes are said not to be text.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator

from connectors.files import (
    DropOptions,
    DropStreamOptions,
    FileDropConnector,
    FileRejected,
    Records,
)
from hub.config import StreamConfig

CHUNK = 1 << 16
SAMPLE = 60
UTF8_BOM = codecs.BOM_UTF8
# What department files are saved in; a hint only names one of them that decodes the file.
KNOWN_ENCODINGS = ("utf-8", "gb18030")


def _known_encoding(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        name = codecs.lookup(value).name
    except LookupError:
        raise ValueError(
            f"unknown encoding {value!r}; department files are utf-8, gb18030 or gbk"
        ) from None
    # Lines are counted on the raw bytes, which needs an encoding where b"\n" is always a newline.
    if "\n".encode(name) != b"\n":
        raise ValueError(f"encoding {value!r} is not supported; use utf-8, gb18030 or gbk")
    return value


class CsvOptions(DropOptions):
    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)

    _encoding = field_validator("encoding")(_known_encoding)


class CsvStreamOptions(DropStreamOptions):
    encoding: str | None = None
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)

    _encoding = field_validator("encoding")(_known_encoding)


class Undecodable(ValueError):
    """Raised when bytes of a text file do not decode; says where, for the file's error."""

    def __init__(self, line: int, offset: int, sample: bytes, reason: str) -> None:
        self.line = line
        self.offset = offset
        self.sample = sample
        self.reason = reason
        super().__init__(f"line {line}, byte offset {offset}: {reason}")


def text_lines(path: Path, encoding: str) -> Iterator[str]:
    """The lines of a text file with their endings, decoded in chunks; raises ``Undecodable``
    at the first byte sequence ``encoding`` cannot decode. A UTF-8 BOM is skipped."""
    decoder = codecs.getincrementaldecoder(encoding)()
    is_utf8 = codecs.lookup(encoding).name == "utf-8"
    consumed = 0  # bytes handed to the decoder so far
    newlines = 0  # b"\n" among them
    carry = ""
    with path.open("rb") as file:
        while True:
            chunk = file.read(CHUNK)
            if consumed == 0 and is_utf8 and chunk.startswith(UTF8_BOM):
                chunk = chunk[len(UTF8_BOM) :]
                consumed = len(UTF8_BOM)
            pending = decoder.getstate()[0]
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                line = newlines - pending.count(b"\n") + data.count(b"\n", 0, exc.start) + 1
                # The bytes from the bad one to the end of its line (at most SAMPLE of them).
                end = data.find(b"\n", exc.start, exc.start + SAMPLE)
                sample = data[exc.start : end if end >= 0 else exc.start + SAMPLE]
                raise Undecodable(
                    line, consumed - len(pending) + exc.start, sample, exc.reason
                ) from None
            consumed += len(chunk)
            newlines += chunk.count(b"\n")
            parts = (carry + text).split("\n")
            carry = parts.pop()
            for part in parts:
                yield part + "\n"
            if not chunk:
                break
    if carry:
        yield carry


def _reads_as_gb18030(sample: bytes) -> str | None:
    # The sample may end inside a two-byte character; one byte less then decodes.
    for candidate in (sample, sample[:-1]):
        try:
            return candidate.decode("gb18030").strip()
        except UnicodeDecodeError:
            continue
    return None


class CsvConnector(FileDropConnector[CsvOptions]):
    kind = "csv"
    StreamOptions: ClassVar[type[CsvStreamOptions]] = CsvStreamOptions

    def records(self, path: Path, stream: StreamConfig) -> Records:
        options = self.stream_options(stream, CsvStreamOptions)
        encoding = options.encoding or self.options.encoding
        lines = text_lines(path, encoding)
        reader = csv.reader(lines, delimiter=options.delimiter or self.options.delimiter)
        line = 1
        try:
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1
        except Undecodable as exc:
            raise self._undecodable(stream, path, encoding, exc) from None
        except csv.Error as exc:
            raise self.rejected(stream, path, f"not valid CSV: {exc}", line=line) from None

    def _undecodable(
        self, stream: StreamConfig, path: Path, encoding: str, exc: Undecodable
    ) -> FileRejected:
        problem = f"bytes {exc.sample[:12]!r}... are not valid {encoding} ({exc.reason})"
        declared = codecs.lookup(encoding).name
        fits = _decoding_of(path, [e for e in KNOWN_ENCODINGS if codecs.lookup(e).name != declared])
        if fits is None:
            problem += (
                f"; the file is not text in any known encoding ({', '.join(KNOWN_ENCODINGS)})"
            )
            hint = "is it a spreadsheet or another binary file named .csv? export it as CSV text"
        else:
            text = _reads_as_gb18030(exc.sample) if fits == "gb18030" else None
            if declared == "utf-8" and text is not None:
                problem = f"the text is not UTF-8 as declared; it reads as GBK/GB18030: {text!r}"
            else:
                problem += f"; the whole file reads as {fits}"
            hint = f'set encoding = "{fits}" on the connector or this stream'
        return self.rejected(stream, path, problem, line=exc.line, offset=exc.offset, hint=hint)


def _decoding_of(path: Path, encodings: list[str]) -> str | None:
    """The first of ``encodings`` that decodes the whole file (read in chunks), if any."""
    for encoding in encodings:
        try:
            for _ in text_lines(path, encoding):
                pass
        except Undecodable:
            continue
        return encoding
    return None
