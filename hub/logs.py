"""The processes' log output: text for people, or one JSON object a line for log collectors
(``hub serve --log-format json``). Every line carries the id of the request it was written for
(``hub.request_context``; null outside a request), the same id a client sees in the
``X-Request-ID`` header and in a masked error, so a support case finds its log lines.

The web server's own loggers (uvicorn's errors and access lines) go through the same handler
(uvicorn is started without a logging config of its own), so that in JSON mode no line of the
process is anything but JSON.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from hub.request_context import RequestIdLogFilter

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time (UTC), level, logger, message, requestId, and the
    exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", "-")
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": None if request_id == "-" else request_id,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: LogFormat = "text", level: int = logging.INFO) -> None:
    """Send the process's log records to stderr in ``log_format``, each with its request id."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdLogFilter())
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
