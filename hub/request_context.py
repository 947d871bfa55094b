"""The id of the request being served, as a context variable: the HTTP middleware
(``hub.http.request_ids``) sets it, and the code serving the request reads it -- masked errors
quote it, log lines carry it -- without depending on the HTTP layer."""

from __future__ import annotations

import logging
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("hub_request_id", default=None)


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` ("-" outside a request) to log records, for the log format."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True
