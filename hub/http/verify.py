"""``POST /verify``: a department verifies a presented document file (核验).

The body is the document file itself (PDF or OFD, at most ``MAX_DOCUMENT_BYTES``); the query
string carries ``documentNumber`` and, optionally, ``holderName``, ``holderCreditCode`` and the
file's ``filename``. The hub hashes the file (sha256) and answers like GraphQL's
``verifyCertificate`` (hub.verification), as JSON::

    {"result": "AUTHENTIC", "reasons": [...], "mismatchedFields": [], "sha256": "...",
     "documentNumber": "...", "outcomeKey": "..."}

Statuses: 200 with the answer (also for NOT_FOUND or MISMATCH: the request was fine), 400 for a
request that cannot identify a certificate or a file that is not what its name or type says,
401/403 as /graphql (and 401/403 for a role without ``verify``: docs/security.md), 413 beyond
the size limit. Audited.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.authenticity import KeyRing
from hub.clock import utcnow
from hub.config import HubConfig
from hub.errors import ErrorCode, error_body
from hub.http.access import refuse, viewer_for
from hub.http.ingest import Refused, read_body
from hub.verification import Presented, VerificationRequestError, verify_certificate

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# A file type by its name's suffix or its media type -> the bytes its content starts with.
_MAGIC = {
    ".pdf": ("PDF", b"%PDF-"),
    "application/pdf": ("PDF", b"%PDF-"),
    ".ofd": ("OFD (a ZIP package)", b"PK\x03\x04"),
    "application/ofd": ("OFD (a ZIP package)", b"PK\x03\x04"),
}


def check_file_type(body: bytes, filename: str | None, content_type: str) -> None:
    """Refuse a file that is not what its name or media type says."""
    claims = [PurePosixPath(filename).suffix.lower()] if filename else []
    claims.append(content_type.split(";")[0].strip().lower())
    for claim in claims:
        if claim in _MAGIC:
            kind, magic = _MAGIC[claim]
            if not body.startswith(magic):
                named = f"named {filename!r}" if claim.startswith(".") else f"sent as {claim}"
                raise Refused(
                    400,
                    ErrorCode.BAD_REQUEST,
                    f"the file is {named} but is not a {kind}: it starts with {body[:8]!r}",
                )


class VerifyEndpoint:
    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.keys = KeyRing.from_config(config)

    async def handle(self, request: Request) -> Response:
        store = request.app.state.store
        viewer = await viewer_for(request)
        if isinstance(viewer, Response):
            return viewer
        if not viewer.rules.verify:
            return refuse(viewer, "verify certificates")
        query = request.query_params
        try:
            body = await read_body(request, MAX_DOCUMENT_BYTES)
            if not body:
                raise Refused(
                    400, ErrorCode.BAD_REQUEST, "the body is empty: send the document file itself"
                )
            check_file_type(body, query.get("filename"), request.headers.get("content-type", ""))
            sha256 = hashlib.sha256(body).hexdigest()
            presented = Presented(
                query.get("documentNumber", ""),
                query.get("holderCreditCode"),
                query.get("holderName"),
                sha256,
            )
        except Refused as refused:
            return refused.response()
        except VerificationRequestError as exc:
            return JSONResponse(error_body(str(exc), ErrorCode.BAD_USER_INPUT), status_code=400)
        answer = await verify_certificate(
            store,
            self.keys,
            presented,
            viewer=viewer,
            audit=request.app.state.audit,
            today=request.app.state.supervision.business_day(),
            now=utcnow(),
            via="http",
        )
        return JSONResponse(
            {
                "result": answer.result.value,
                "reasons": answer.reasons,
                "mismatchedFields": answer.mismatched_fields,
                "sha256": sha256,
                "documentNumber": presented.document_number,
                "outcomeKey": answer.outcome_key,
            }
        )
