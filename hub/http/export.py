"""Streaming exports: ``GET|POST /export/{list}.{csv|ndjson}`` writes every row of a root list
that matches a filter, in constant memory.

The filter and orderBy are the GraphQL inputs as JSON (query parameters ``filter`` and
``orderBy``, or a JSON body with those keys), checked by the schema. Rows stream from a
server-side cursor in batches straight into CSV or NDJSON; no GraphQL objects are built. Access
is checked like /graphql (``hub.http.access.authorize``). Part of the HTTP composition root: it
wires the store and the schema's export plans together.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from hub.config import ServerConfig
from hub.http.access import viewer_for
from hub.store import Store
from schema.errors import UserInputError
from schema.export import ExportPlan, export_plan
from schema.filters import FilterScope
from schema.lists import ROOT_LISTS

log = logging.getLogger(__name__)
BATCH_ROWS = 1000
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
UTF8_BOM = "\ufeff"  # lets spreadsheet programs read the Chinese text as UTF-8


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


async def stream_rows(store: Store, plan: ExportPlan, format: str) -> AsyncIterator[str]:
    """The export's text in chunks of ``BATCH_ROWS`` rows."""
    header = plan.header
    if format == "csv":
        yield UTF8_BOM + ",".join(header) + "\r\n"
    async with store.read() as conn:
        result = await conn.stream(plan.query)
        async for batch in result.partitions(BATCH_ROWS):
            if format == "csv":
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows([_cell(v) for v in plan.values(row)] for row in batch)
                yield buffer.getvalue()
            else:
                yield "".join(
                    json.dumps(dict(zip(header, plan.values(row), strict=True)), ensure_ascii=False)
                    + "\n"
                    for row in batch
                )


def _problem(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status
    )


class ExportEndpoint:
    def __init__(self, server: ServerConfig, schema: Any) -> None:
        self.server = server
        self.schema = schema

    async def handle(self, request: Request) -> Response:
        store: Store = request.app.state.store
        viewer = await viewer_for(request)
        if isinstance(viewer, Response):
            return viewer
        name, format = request.path_params["list"], request.path_params["format"]
        if format not in MEDIA_TYPES:
            return _problem(
                f"unknown export format {format!r}; use csv or ndjson", "BAD_USER_INPUT", 404
            )
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError as exc:
                return _problem(f"the body is not valid JSON: {exc}", "BAD_REQUEST", 400)
            if not isinstance(body, dict):
                return _problem("the body must be a JSON object", "BAD_REQUEST", 400)
            filter_json = json.dumps(body.get("filter")) if body.get("filter") else None
            order_json = json.dumps(body.get("orderBy")) if body.get("orderBy") else None
        else:
            filter_json = request.query_params.get("filter")
            order_json = request.query_params.get("orderBy")
        try:
            scope = FilterScope(request.app.state.supervision, viewer)
            plan = export_plan(self.schema, name, filter_json, order_json, scope)
        except UserInputError as exc:
            code = (exc.extensions or {}).get("code", "BAD_USER_INPUT")
            return _problem(exc.message, code, 400 if name in ROOT_LISTS else 404)
        log.info("export %s.%s filter=%s orderBy=%s", name, format, filter_json, order_json)
        return StreamingResponse(
            stream_rows(store, plan, format),
            media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
        )
