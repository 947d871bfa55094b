"""``POST /ingest/{connector}/{stream}``: departments push records to a push connector.

The body is a JSON array of records (``application/json``) or one record per line
(``application/x-ndjson``), UTF-8, within the connector's ``max_body_bytes`` and ``max_records``.
The caller needs a bearer token with the scope ``ingest:<connector>`` (see ``hub.auth``). The
records go through the runtime's ``SyncEngine.ingest`` (``hub.runtime``): the same validation,
diff and change log as a pull, as one run. The answer gives every record's result in input order
and a summary; every push is written to the audit log.

Statuses: 200 when the records were applied (some may be rejected, see their reasons), 400 for a
body that is not JSON or a pull connector's name, 401/403 for the token, 404 for an unknown
connector or stream (listing the known ones), 413 beyond the limits, 500/503 when the store
failed (503: retrying may help). Errors have the shape of every door's (``hub.errors.error_body``):
``{"errors": [{"message": ..., "extensions": {"code": ..., ...}}]}``; a push that ran and failed
has them beside its results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors.push import PushConnector
from hub.auth import audit, authenticate, deny, forbid
from hub.config import HubConfig
from hub.errors import ErrorCode, HubError, error_body
from hub.runtime import Runtime

NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")


class Refused(HubError, ValueError):
    """Raised when a push cannot be taken as sent; becomes a JSON error with ``status`` and
    ``code``, its ``detail`` as the error's extensions."""

    def __init__(self, status: int, code: ErrorCode, problem: str, **detail: Any) -> None:
        self.status = status
        self.code = code
        self.problem = problem
        self.detail = detail
        super().__init__(problem)

    def response(self) -> JSONResponse:
        body = error_body(self.problem, self.code, **self.detail)
        return JSONResponse(body, status_code=self.status)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    too_large = Refused(
        413,
        ErrorCode.REQUEST_TOO_LARGE,
        f"the body is larger than this connector's limit of {limit} bytes; push fewer records",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _json_int(text: str) -> int | Decimal:
    """A JSON integer; one too long for Python's int parsing stays a Decimal, which the
    mapping rejects as out of range (only its record, not the request)."""
    return int(text) if len(text) <= 4000 else Decimal(text)


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_json_int)


def parse_records(body: bytes, content_type: str) -> list[Any]:
    """The pushed records: a JSON array, or NDJSON (one JSON value per line)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(
            400,
            ErrorCode.BAD_REQUEST,
            f"the body is not UTF-8 (byte offset {exc.start}: {body[exc.start : exc.start + 4]!r})",
            hint="send UTF-8; convert GBK text before pushing",
        ) from None
    if content_type.split(";")[0].strip().lower() in NDJSON_TYPES:
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(_loads(line))
            except json.JSONDecodeError as exc:
                raise Refused(
                    400,
                    ErrorCode.BAD_REQUEST,
                    f"malformed JSON on line {number}, column {exc.colno}: {exc.msg}",
                ) from None
            except RecursionError:
                raise Refused(
                    400, ErrorCode.BAD_REQUEST, f"the JSON on line {number} is nested too deeply"
                ) from None
        return records
    try:
        value = _loads(text)
    except json.JSONDecodeError as exc:
        raise Refused(
            400,
            ErrorCode.BAD_REQUEST,
            f"malformed JSON at line {exc.lineno}, column {exc.colno} (char {exc.pos}): {exc.msg}",
        ) from None
    except RecursionError:
        raise Refused(400, ErrorCode.BAD_REQUEST, "the JSON is nested too deeply") from None
    if not isinstance(value, list):
        raise Refused(
            400,
            ErrorCode.BAD_REQUEST,
            f"the body is a JSON {type(value).__name__}; send an array of records",
            hint="or send one record per line as application/x-ndjson",
        )
    return value


class IngestEndpoint:
    """Takes pushes for the config's push ``connectors`` (name -> connector)."""

    def __init__(self, config: HubConfig, connectors: Mapping[str, PushConnector]) -> None:
        self.config = config
        self.connectors = dict(connectors)

    def _connector(self, name: str) -> PushConnector:
        connector = self.connectors.get(name)
        if connector is not None:
            return connector
        known = sorted(self.connectors)
        config = next((c for c in self.config.connectors if c.name == name), None)
        if config is None:
            raise Refused(
                404, ErrorCode.NOT_FOUND, f"unknown connector {name!r}", pushConnectors=known
            )
        if not config.enabled:
            raise Refused(
                400,
                ErrorCode.NOT_A_PUSH_CONNECTOR,
                f"connector {name!r} is disabled (enabled = false)",
                pushConnectors=known,
            )
        raise Refused(
            400,
            ErrorCode.NOT_A_PUSH_CONNECTOR,
            f"connector {name!r} is a {config.kind} connector: the hub pulls it; "
            "only push connectors take records",
            pushConnectors=known,
        )

    async def handle(self, request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        store = runtime.store
        principal = await authenticate(request, store)
        name = request.path_params["connector"]
        scope = f"ingest:{name}"
        if principal is None:
            return deny(principal, scope)
        try:
            connector = self._connector(name)
            if not principal.allows(scope):
                return deny(principal, scope)
            owner = connector.config.department
            if owner is not None and principal.department != owner:
                # Its records would be credited to a department the token is not.
                return forbid(
                    f"connector {name!r} belongs to the department {owner!r}; token "
                    f"{principal.name!r} acts for "
                    + (repr(principal.department) if principal.department else "no department"),
                )
            stream_name = request.path_params["stream"]
            streams = [s.stream_name for s in connector.config.streams]
            if stream_name not in streams:
                raise Refused(
                    404,
                    ErrorCode.NOT_FOUND,
                    f"connector {name!r} has no stream {stream_name!r}",
                    streams=streams,
                )
            limits = connector.options
            body = await read_body(request, limits.max_body_bytes)
            records = parse_records(body, request.headers.get("content-type", ""))
            if len(records) > limits.max_records:
                raise Refused(
                    413,
                    ErrorCode.REQUEST_TOO_LARGE,
                    f"{len(records)} records; this connector takes at most "
                    f"{limits.max_records} per request: split the push",
                )
        except Refused as exc:
            return exc.response()
        # The engine rejects (and keeps) any record that is not a JSON object.
        report, results = await runtime.engine.ingest(connector, stream_name, records)
        summary = {"received": len(records)} | {
            outcome: sum(1 for r in results if r.result == outcome)
            for outcome in ("inserted", "updated", "unchanged", "rejected")
        }
        await audit(
            store,
            principal.name,
            "ingest",
            {
                "connector": name,
                "stream": stream_name,
                "department": principal.department,
                "run_id": report.run_id,
                "state": report.state,
                "error": report.error,
            }
            | summary,
        )
        answer: dict[str, Any] = {
            "connector": name,
            "stream": stream_name,
            "run_id": report.run_id,
            "state": report.state,
            "summary": summary,
            "results": [
                {"index": r.index, "key": r.key, "result": r.result}
                | ({"reasons": r.reasons} if r.reasons else {})
                for r in results
            ],
        }
        if report.state != "succeeded":
            code = ErrorCode.STORE_UNAVAILABLE if report.transient else ErrorCode.PUSH_FAILED
            answer |= error_body(str(report.error), code)
            return JSONResponse(answer, status_code=503 if report.transient else 500)
        return JSONResponse(answer)
