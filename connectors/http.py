"""Reads department JSON APIs over HTTP(S) with httpx.

Each stream names an endpoint ``path`` under the connector's ``base_url``, where in the answer
its ``records`` are (a dotted path; empty when the answer is the array itself), and how to page:
``page`` (page number + size), ``offset`` (offset + limit) or ``cursor`` (a next-cursor field,
or a next link, in the answer). Each page is one batch. With a stream ``cursor`` and a
``since_param``, an incremental read asks only for records changed since the stored cursor.

Timeouts, connection errors, 429 and 5xx are retried with exponential backoff (a ``Retry-After``
header is honoured) and end in a ``SourceError`` — transient, so the scheduler tries again later;
any other 4xx is a mistake in the config (the path, the token) and fails at once, naming the URL
and the status. Headers come from the config, where ``${ENV}`` keeps tokens out of the file:
``headers = { Authorization = "Bearer ${FGW_API_TOKEN}" }``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, cast

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import Connector, RawRow, ReadRequest, SourceColumns
from hub.config import StreamConfig
from hub.errors import MappingError, SourceError

Params = dict[str, Any]
_MISSING = object()


def dig(value: Any, path: str) -> Any:
    """``value`` at a dotted ``path`` ("data.items"); ``_MISSING`` where there is nothing."""
    for part in path.split(".") if path else ():
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _flat_names(record: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Column names of a record, nested objects as dotted paths, with JSON type names."""
    names: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        names[name] = type(value).__name__ if value is not None else "null"
        if isinstance(value, Mapping):
            names |= _flat_names(value, f"{name}.")
    return names


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoPages(_Strict):
    type: Literal["none"] = "none"

    def first(self, size: int) -> Params:
        return {}


class PageNumbers(_Strict):
    type: Literal["page"]
    page_param: str = "page"
    size_param: str = "size"
    first_page: int = 1

    def first(self, size: int) -> Params:
        return {self.page_param: self.first_page, self.size_param: size}

    def following(self, params: Params, count: int) -> Params:
        return params | {self.page_param: params[self.page_param] + 1}


class Offsets(_Strict):
    type: Literal["offset"]
    offset_param: str = "offset"
    limit_param: str = "limit"

    def first(self, size: int) -> Params:
        return {self.offset_param: 0, self.limit_param: size}

    def following(self, params: Params, count: int) -> Params:
        return params | {self.offset_param: params[self.offset_param] + count}


class NextCursor(_Strict):
    type: Literal["cursor"]
    # Where the answer holds the next page: a cursor value (sent back as ``cursor_param``) or a
    # link (a value starting with http:// or https:// or /, followed as it is).
    next: str = "next"
    cursor_param: str = "cursor"
    size_param: str | None = "size"

    def first(self, size: int) -> Params:
        return {self.size_param: size} if self.size_param else {}


Pagination = Annotated[NoPages | PageNumbers | Offsets | NextCursor, Field(discriminator="type")]


class HttpOptions(_Strict):
    base_url: str
    headers: dict[str, str] = {}
    timeout: float = Field(default=30.0, gt=0, description="Seconds per request")
    retries: int = Field(default=4, ge=0, description="Retries after the first attempt")
    backoff: float = Field(default=1.0, ge=0, description="First retry delay, doubled each time")
    max_backoff: float = Field(default=60.0, ge=0)
    verify: bool = True


class HttpStreamOptions(_Strict):
    path: str
    params: dict[str, str | int | float | bool] = {}
    records: str = Field(default="", description="Dotted path of the records in the answer")
    pagination: Pagination = NoPages()
    page_size: int | None = Field(default=None, ge=1, description="Default: the batch size")
    since_param: str | None = Field(
        default=None, description="Query parameter that passes the stored cursor"
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class HttpConnector(Connector[HttpOptions]):
    kind = "http"
    StreamOptions: ClassVar[type[HttpStreamOptions]] = HttpStreamOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.options.base_url,
                headers=self.options.headers,
                timeout=self.options.timeout,
                verify=self.options.verify,
                follow_redirects=True,
            )
        return self._client

    async def get(self, stream: str, url: str, params: Params) -> tuple[Any, httpx.URL]:
        """The JSON answer to GET ``url`` and the URL that gave it (after redirects), retrying
        what may pass (see the module docstring)."""
        # httpx replaces a URL's query with params, even empty ones: a next link keeps its own.
        request = self.client.build_request("GET", url, params=params or None)
        # The query may carry keys; messages name the URL without it.
        where = str(request.url.copy_with(query=None))
        delay = self.options.backoff
        for attempt in range(self.options.retries + 1):
            wait: float | None = None
            try:
                response = await self.client.send(request)
            except httpx.TimeoutException:
                problem = f"GET {where} timed out after {self.options.timeout:g} s"
            except httpx.TransportError as exc:
                problem = f"GET {where} failed: {type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status < 400:
                    try:
                        return response.json(), response.url
                    except ValueError:
                        raise MappingError(
                            self.name,
                            stream,
                            f"GET {where} answered {status} but not with JSON "
                            f"({response.headers.get('content-type', 'no content type')})",
                            hint="check the stream's path",
                        ) from None
                problem = f"GET {where} answered {status} {response.reason_phrase}"
                if status < 500 and status != 429:
                    raise MappingError(
                        self.name,
                        stream,
                        f"{problem}: {response.text[:200]}",
                        hint=_status_hint(status),
                    )
                wait = _retry_after(response)
            if attempt == self.options.retries:
                break
            pause = wait if wait is not None else delay * random.uniform(0.5, 1.0)
            await asyncio.sleep(min(pause, self.options.max_backoff))
            delay *= 2
        raise SourceError(
            self.name,
            f"{problem} (after {self.options.retries + 1} attempts)",
            hint="the API is down or overloaded; the sync is retried later",
        )

    def _records(self, stream: StreamConfig, body: Any, where: str) -> list[Mapping[str, Any]]:
        path = self.stream_options(stream, HttpStreamOptions).records
        records = dig(body, path)
        if records is _MISSING:
            keys = ", ".join(body) if isinstance(body, Mapping) else type(body).__name__
            raise MappingError(
                self.name,
                stream.stream_name,
                f"the answer of {where} has no {path!r}",
                hint=f"set the stream's records to where the array is; the answer has: {keys}",
            )
        problem = None
        if not isinstance(records, list):
            problem = f"{path or 'the answer'} of {where} is a {type(records).__name__}"
            problem += ", not an array"
        else:
            odd = next((r for r in records if not isinstance(r, Mapping)), _MISSING)
            if odd is not _MISSING:
                problem = f"a record of {where} is a {type(odd).__name__}, not an object"
        if problem is not None:
            raise MappingError(
                self.name,
                stream.stream_name,
                problem,
                hint="set the stream's records to the path of the array of records",
            )
        return cast(list[Mapping[str, Any]], records)

    async def pages(
        self, stream: StreamConfig, size: int, cursor: Any = None
    ) -> AsyncGenerator[list[Mapping[str, Any]], None]:
        """The stream's records, a page at a time, until the API has no more."""
        options = self.stream_options(stream, HttpStreamOptions)
        paging = options.pagination
        params: Params = dict(options.params) | paging.first(size)
        if cursor is not None and options.since_param:
            since = (
                cursor.isoformat(sep=" ")
                if isinstance(cursor, datetime)
                else cursor.isoformat()
                if isinstance(cursor, date)
                else str(cursor)
            )
            params[options.since_param] = since
        url = options.path
        seen: set[str] = set()
        previous: list[Mapping[str, Any]] = []
        while True:
            body, answered = await self.get(stream.stream_name, url, params)
            records = self._records(stream, body, url)
            if records:
                yield records
            match paging:
                case NoPages():
                    return
                case PageNumbers() | Offsets():
                    # An empty page ends the stream; a short one need not, since a server may cap
                    # the page size below the one asked for.
                    if not records:
                        return
                    if records == previous:
                        raise MappingError(
                            self.name,
                            stream.stream_name,
                            f"{url} answered the same records for {params} as for the page before",
                            hint="check the pagination's parameter names",
                        )
                    previous = records
                    params = paging.following(params, len(records))
                case NextCursor():
                    following = dig(body, paging.next)
                    if following in (_MISSING, None, "") or not records:
                        return
                    following = str(following)
                    if following in seen:
                        raise MappingError(
                            self.name,
                            stream.stream_name,
                            f"{url} gave the next page {following!r} twice",
                            hint=f"check that the stream's pagination.next ({paging.next!r}) "
                            "names the next cursor or link",
                        )
                    seen.add(following)
                    if following.startswith(("http://", "https://", "/")):
                        # Relative to the page that gave it, not to base_url (it may have a path).
                        url, params = str(answered.join(following)), {}
                    else:
                        params = params | {paging.cursor_param: following}

    async def check(self) -> str:
        started = time.perf_counter()
        if self.config.streams:
            stream = self.config.streams[0]
            async with aclosing(self.pages(stream, 1)) as pages:
                await anext(pages, None)
        else:
            await self.get("(check)", "", {})
        return f"http {self.options.base_url}: answered in {time.perf_counter() - started:.2f} s"

    async def columns(self, stream: StreamConfig) -> SourceColumns:
        """The fields of the first page's records; an empty API has nothing to contradict."""
        size = self.stream_options(stream, HttpStreamOptions).page_size or 100
        names: dict[str, str] = {}
        async with aclosing(self.pages(stream, size)) as pages:
            for record in await anext(pages, []):
                names = _flat_names(record) | names
        return SourceColumns(names) if names else SourceColumns.named_by(stream)

    async def read(self, request: ReadRequest) -> AsyncIterator[list[RawRow]]:
        wanted = request.wanted
        options = self.stream_options(request.stream, HttpStreamOptions)
        size = options.page_size or request.batch_size
        async for records in self.pages(request.stream, size, request.cursor):
            yield [{name: _value(record, name) for name in wanted} for record in records]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _value(record: Mapping[str, Any], name: str) -> Any:
    """A record's value of column ``name``: a key, else a dotted path into nested objects."""
    if name in record:
        return record[name]
    value = dig(record, name)
    return None if value is _MISSING else value


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "check the connector's headers (the token, from the environment)"
    if status == 404:
        return "check base_url and the stream's path"
    return "check the stream's params"
