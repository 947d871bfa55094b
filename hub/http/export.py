"""Streaming exports: ``GET|POST /export/{list}.{csv|ndjson}`` writes every row of a root list
that matches a filter, in constant memory.

The filter and orderBy are the GraphQL inputs as JSON (query parameters ``filter`` and
``orderBy``, or a JSON body with those keys), checked by the schema. Rows stream from a
server-side cursor in batches straight into CSV or NDJSON; no GraphQL objects are built. Access
is checked like /graphql (``hub.http.access.viewer_for``). Part of the HTTP composition root: it
wires the store and the schema's export plans together.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from hub import tables
from hub.audit import AuditLog, read_entry
from hub.config import ServerConfig
from hub.errors import ErrorCode, error_body
from hub.http.access import refuse, viewer_for
from hub.policy import ENTITY_OF_TABLE, Viewer
from hub.store import Store
from schema.errors import UserInputError
from schema.export import FINDINGS, ExportPlan, export_plan
from schema.filters import FilterScope
from schema.lists import ROOT_LISTS

log = logging.getLogger(__name__)
BATCH_ROWS = 1000
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
UTF8_BOM = "\ufeff"  # lets spreadsheet programs read the Chinese text as UTF-8


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


async def stream_rows(
    store: Store, plan: ExportPlan, format: str, done: Callable[[int], None] | None = None
) -> AsyncIterator[str]:
    """The export's text in chunks of ``BATCH_ROWS`` rows; ``done`` is called with the number
    of rows written when the stream ends (cut short too)."""
    header = plan.header
    rows = 0
    if format == "csv":
        yield UTF8_BOM + ",".join(header) + "\r\n"
    async with store.read() as conn:
        try:
            async for batch in (await conn.stream(plan.query)).partitions(BATCH_ROWS):
                rows += len(batch)
                yield _text(plan, header, batch, format)
        finally:
            if done is not None:
                done(rows)


def _text(plan: ExportPlan, header: list[str], batch: Sequence[Any], format: str) -> str:
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([_cell(v) for v in plan.values(row)] for row in batch)
        return buffer.getvalue()
    return "".join(
        json.dumps(dict(zip(header, plan.values(row), strict=True)), ensure_ascii=False) + "\n"
        for row in batch
    )


AUDIT_LOG = "auditLog"


def audit_log_plan() -> ExportPlan:
    """The whole audit log, oldest first (for the auditor role)."""
    a = tables.audit_entries
    columns = tuple((c.name, c.name) for c in a.c)
    return ExportPlan(select(a).order_by(a.c.id), columns)


def exported_sensitive(viewer: Viewer, list_name: str) -> list[str]:
    """The sensitive fields an export of ``list_name`` writes unmasked for ``viewer``."""
    root = ROOT_LISTS.get(list_name)
    if root is None or not viewer.rules.sensitive:  # findings hold no sensitive field
        return []
    entity = ENTITY_OF_TABLE[root.table.name]
    return sorted(f"{entity}.{n}" for n in viewer.sensitive.get(entity, ()))


def _problem(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse(error_body(message, code), status_code=status)


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
                f"unknown export format {format!r}; use csv or ndjson",
                ErrorCode.BAD_USER_INPUT,
                404,
            )
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError as exc:
                return _problem(f"the body is not valid JSON: {exc}", ErrorCode.BAD_REQUEST, 400)
            if not isinstance(body, dict):
                return _problem("the body must be a JSON object", ErrorCode.BAD_REQUEST, 400)
            filter_json = json.dumps(body.get("filter")) if body.get("filter") else None
            order_json = json.dumps(body.get("orderBy")) if body.get("orderBy") else None
        else:
            filter_json = request.query_params.get("filter")
            order_json = request.query_params.get("orderBy")
        try:
            if name == AUDIT_LOG:
                if not viewer.rules.audit_log:
                    return refuse(viewer, "export the audit log")
                plan, fields = audit_log_plan(), []
            elif name == FINDINGS and viewer.finding_departments == frozenset():
                return refuse(viewer, "export data-check findings")
            else:
                scope = FilterScope(request.app.state.supervision, viewer=viewer)
                plan = export_plan(self.schema, name, filter_json, order_json, scope)
                fields = exported_sensitive(viewer, name)
        except UserInputError as exc:
            code = (exc.extensions or {}).get("code", "BAD_USER_INPUT")
            known = name in ROOT_LISTS or name == FINDINGS
            return _problem(exc.message, code, 400 if known else 404)
        log.info("export %s.%s filter=%s orderBy=%s", name, format, filter_json, order_json)
        audit: AuditLog = request.app.state.audit

        def done(rows: int) -> None:  # every export is audited, with what it wrote
            entry = read_entry(
                viewer, "export", operation=f"{name}.{format}", fields=fields, records=rows
            )
            audit.record(entry | {"detail": entry["detail"] | {"filter": filter_json}})

        return StreamingResponse(
            stream_rows(store, plan, format, done),
            media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
        )
