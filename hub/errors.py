"""Errors of the hub core.

Every error builds its message from its context in ``__init__`` and says whether retrying can help
(``transient``), so that a scheduler can retry outages and stop on mistakes.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class ErrorCode(enum.StrEnum):
    """Every ``extensions.code`` a client can get, at every door (``/graphql`` over HTTP and
    websockets, ``/export``, ``/ingest``): the one list, explained in ``CODES`` and
    docs/errors.md (which a test keeps equal to ``codes_markdown()``)."""

    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    BAD_FILTER = "BAD_FILTER"
    INVALID_FILTER = "INVALID_FILTER"
    INVALID_CURSOR = "INVALID_CURSOR"
    INVALID_SEQ = "INVALID_SEQ"
    INVALID_WEBHOOK = "INVALID_WEBHOOK"
    INVALID_ANNOTATION = "INVALID_ANNOTATION"
    INVALID_IDLE_QUESTION = "INVALID_IDLE_QUESTION"
    BAD_AS_OF = "BAD_AS_OF"
    BAD_WEEK = "BAD_WEEK"
    FUTURE_WEEK = "FUTURE_WEEK"
    NOT_FOUND = "NOT_FOUND"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    FILTER_TOO_LARGE = "FILTER_TOO_LARGE"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_A_PUSH_CONNECTOR = "NOT_A_PUSH_CONNECTOR"
    TIMEOUT = "TIMEOUT"
    PUSH_FAILED = "PUSH_FAILED"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
    SECRET_KEY_UNAVAILABLE = "SECRET_KEY_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """Where a code is given, with which HTTP status, what it means and what to do."""

    doors: str
    status: str
    meaning: str


_GQL = "`/graphql`"
CODES: Mapping[ErrorCode, CodeInfo] = {
    ErrorCode.GRAPHQL_PARSE_FAILED: CodeInfo(
        _GQL, "400", "The query is not GraphQL (a syntax error at the given location)."),
    ErrorCode.GRAPHQL_VALIDATION_FAILED: CodeInfo(
        _GQL, "400",
        "The query does not fit the schema: an unknown field or argument, a variable or "
        "literal of the wrong type, a value a scalar refuses (a `BigInt` beyond 64 bits, a "
        "malformed `Date`). Over websockets the subscription gets an `error` message."),
    ErrorCode.BAD_USER_INPUT: CodeInfo(
        f"{_GQL}, `/export`", "200 / 400",
        "An argument the server refuses: a page larger than `max_page_size`, an unknown "
        "export format."),
    ErrorCode.BAD_FILTER: CodeInfo(
        f"{_GQL}, `/export`", "200 / 400",
        "A list filter or ordering names an unknown field or holds a malformed value (a "
        "district or project code, a date)."),
    ErrorCode.INVALID_FILTER: CodeInfo(
        f"{_GQL} (`changes`, webhooks)", "200",
        "A change-feed filter names an unknown entity, field or op."),
    ErrorCode.INVALID_CURSOR: CodeInfo(
        _GQL, "200", "A cursor that this connection with this ordering did not return."),
    ErrorCode.INVALID_SEQ: CodeInfo(_GQL, "200", "A change-log seq below 0."),
    ErrorCode.INVALID_WEBHOOK: CodeInfo(
        _GQL, "200",
        "A webhook cannot be registered as asked: a bad name, a name taken, or a target the "
        "target policy refuses (`target refused: ...`, see docs/webhook-targets.md)."),
    ErrorCode.NOT_FOUND: CodeInfo(
        f"{_GQL}, `/export`, `/ingest`", "200 / 404",
        "No such webhook, list, connector or stream; the message lists the known ones."),
    ErrorCode.QUERY_TOO_DEEP: CodeInfo(_GQL, "400", "Deeper than `max_query_depth`."),
    ErrorCode.TOO_MANY_ALIASES: CodeInfo(_GQL, "400", "More aliases than `max_aliases`."),
    ErrorCode.TOO_MANY_TOKENS: CodeInfo(
        _GQL, "400", "Query and variables together longer than `max_tokens`."),
    ErrorCode.QUERY_TOO_COSTLY: CodeInfo(
        _GQL, "400",
        "The estimated cost is above `max_query_cost` (extensions `cost` and `maxCost`)."),
    ErrorCode.FILTER_TOO_LARGE: CodeInfo(
        _GQL, "400",
        "An argument with more objects and list items than `max_input_nodes` (extensions "
        "`nodes` and `maxNodes`)."),
    ErrorCode.REQUEST_TOO_LARGE: CodeInfo(
        f"{_GQL}, `/ingest`", "413",
        "A body over the limit (`max_body_bytes`; extension `maxBytes`), or more records than "
        "a push connector's `max_records`."),
    ErrorCode.INVALID_ANNOTATION: CodeInfo(
        f"{_GQL} (`annotateProject`)", "200",
        "An annotation that cannot be stored: a cause outside the taxonomy (the message "
        "lists the known ones) or a project the hub does not know."),
    ErrorCode.INVALID_IDLE_QUESTION: CodeInfo(
        _GQL, "200", "An idle question that cannot be asked: `months` below 1, or an `asOf` "
        "in the future."),
    ErrorCode.BAD_AS_OF: CodeInfo(
        _GQL, "200", "An `asOf` day in the future (the message names the field and today's "
        "date in China)."),
    ErrorCode.BAD_WEEK: CodeInfo(
        _GQL, "200", "A `week` that is not an ISO week such as `2014-W52` (`weeklyReport`)."),
    ErrorCode.FUTURE_WEEK: CodeInfo(
        _GQL, "200", "A `week` that has not begun yet in China (`weeklyReport`)."),
    ErrorCode.BAD_REQUEST: CodeInfo(
        "`/export`, `/ingest`", "400",
        "A body that is not JSON (or NDJSON), not UTF-8, or not the expected object or array."),
    ErrorCode.UNAUTHENTICATED: CodeInfo(
        f"{_GQL}, `/export`, `/ingest`", "401",
        "No valid bearer token where one is needed (`Authorization: Bearer <token>`)."),
    ErrorCode.FORBIDDEN: CodeInfo(
        f"{_GQL}, `/export`, `/ingest`", "403",
        "The token lacks the scope the request needs (extension `scope`)."),
    ErrorCode.NOT_A_PUSH_CONNECTOR: CodeInfo(
        "`/ingest`", "400",
        "A push to a connector the hub pulls, or to a disabled one (extension "
        "`pushConnectors` lists those that take pushes)."),
    ErrorCode.TIMEOUT: CodeInfo(
        _GQL, "504", "The request ran longer than `request_timeout_seconds` and was stopped."),
    ErrorCode.PUSH_FAILED: CodeInfo(
        "`/ingest`", "500",
        "The push could not be applied (the run failed; nothing of it was kept). Records "
        "that do not fit are never this: they are rejected one by one with reasons."),
    ErrorCode.STORE_UNAVAILABLE: CodeInfo(
        "`/ingest`", "503", "The store could not be reached; retrying later may help."),
    ErrorCode.SECRET_KEY_UNAVAILABLE: CodeInfo(
        f"{_GQL} (`registerWebhook`)", "200",
        "`HUB_SECRET_KEY` is missing or malformed on the server, so a webhook secret cannot "
        "be stored (an operator's fix, see docs/webhook-targets.md)."),
    ErrorCode.INTERNAL_SERVER_ERROR: CodeInfo(
        "every door", "200 / 500",
        "An unexpected error; the message is masked and gives a request id (extension "
        "`requestId`) that the server's log has with the details."),
}  # fmt: skip


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """The one error shape of every door, GraphQL's: ``{"errors": [{"message", "extensions":
    {"code", ...}}]}``."""
    return {"errors": [{"message": message, "extensions": {"code": str(code), **extensions}}]}


def codes_markdown() -> str:
    """The table of every code, as docs/errors.md has it."""
    lines = ["| code | where | HTTP status | meaning |", "| --- | --- | --- | --- |"]
    for code, info in CODES.items():
        lines.append(f"| `{code}` | {info.doors} | {info.status} | {info.meaning} |")
    return "\n".join(lines) + "\n"


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    transient: bool = False


class ConfigError(HubError, ValueError):
    """Raised when the configuration file is missing, malformed or names something unknown."""

    def __init__(self, file: str, key_path: str, problem: str) -> None:
        self.file = file
        self.key_path = key_path
        self.problem = problem
        where = f"{file}: {key_path}" if key_path else file
        super().__init__(f"{where}: {problem}")


class UnknownNameError(HubError, LookupError):
    """Raised when a name (connector, entity, field, kind) is not among the known ones."""

    def __init__(self, what: str, name: str, known: Iterable[str]) -> None:
        self.what = what
        self.name = name
        self.known = sorted(known)
        super().__init__(f"unknown {what} {name!r}; known: {', '.join(self.known) or '(none)'}")


class SourceError(HubError, ConnectionError):
    """Raised when a connector cannot reach or read its source; retrying later may help."""

    transient = True

    def __init__(self, connector: str, problem: str, hint: str = "") -> None:
        self.connector = connector
        self.problem = problem
        message = f"connector {connector!r}: {problem}"
        if hint:
            message += f" (hint: {hint})"
        super().__init__(message)


class MappingError(HubError, ValueError):
    """Raised when a connector's mapping does not fit its source (a column the source lacks, a
    value map that is not defined); retrying cannot help until the config or source is fixed."""

    def __init__(self, connector: str, stream: str, problem: str, hint: str = "") -> None:
        self.connector = connector
        self.stream = stream
        self.problem = problem
        self.hint = hint
        message = f"connector {connector!r}, stream {stream!r}: {problem}"
        if hint:
            message += f" (hint: {hint})"
        super().__init__(message)


class SyncLockedError(HubError, RuntimeError):
    """Raised when a connector's sync is already running elsewhere: the message names the
    lease's holder (host, pid, instance) and since when it holds it, when the lease row says."""

    transient = True

    def __init__(self, connector: str, holder: str = "", since: str = "", until: str = "") -> None:
        self.connector = connector
        self.holder = holder
        message = f"connector {connector!r} is already syncing in another run"
        if holder:
            message += f": its lease is held by {holder}"
        if since:
            message += f" since {since}"
        if until:
            message += f" (until {until} unless renewed)"
        if holder:
            message += "; wait for it with `hub sync --wait SECONDS`"
        super().__init__(message)


class StoreWriteError(HubError, RuntimeError):
    """Raised when the store refuses a batch's write (a constraint, a lost connection). The
    message names the connector, the stream and the kind of statement (``an INSERT into
    matters``) with the database's own reason, never the statement's text or parameters."""

    _STATEMENT = re.compile(
        r"^\s*(?:(INSERT)\s+INTO|(UPDATE)|(DELETE)\s+FROM|(SELECT)\b.*?\bFROM)\s+[\"`]?(\w+)",
        re.IGNORECASE | re.DOTALL,
    )
    _PREPOSITIONS = {"INSERT": "an INSERT into", "UPDATE": "an UPDATE of",
                     "DELETE": "a DELETE from", "SELECT": "a SELECT from"}  # fmt: skip

    def __init__(
        self, connector: str, stream: str, statement: str, reason: str, *, transient: bool
    ) -> None:
        self.connector = connector
        self.stream = stream
        self.transient = transient
        super().__init__(
            f"connector {connector!r}, stream {stream!r}: the store refused {statement}: {reason}"
        )

    @classmethod
    def from_database(cls, connector: str, stream: str, exc: Exception) -> StoreWriteError:
        """From SQLAlchemy's ``DBAPIError``: only the first line of the driver's message is
        kept (PostgreSQL's DETAIL line quotes the row's values)."""
        statement = str(getattr(exc, "statement", "") or "")
        match = cls._STATEMENT.match(statement)
        if match is None:
            kind = "a statement"
        else:
            verb = next(g for g in match.groups()[:4] if g).upper()
            kind = f"{cls._PREPOSITIONS[verb]} {match.group(5)}"
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        transient = type(exc).__name__ in {"OperationalError", "InterfaceError"}
        return cls(connector, stream, kind, reason, transient=transient)


class ReconcileRefusedError(HubError, RuntimeError):
    """Raised when a reconcile would soft-delete more of a connector's rows than its safety cap
    allows: a source that suddenly lacks most rows is more likely broken than emptied."""

    def __init__(self, connector: str, stream: str, missing: int, stored: int, cap: float) -> None:
        self.connector = connector
        self.stream = stream
        self.missing = missing
        self.stored = stored
        share = missing / stored if stored else 1.0
        super().__init__(
            f"connector {connector!r}, stream {stream!r}: reconcile would delete {missing:,} of "
            f"{stored:,} rows ({share:.0%}), above the safety cap of {cap:.0%}; nothing was "
            "deleted (hint: if the source really dropped them, raise max_delete_share or run "
            "`hub sync --reconcile --force`)"
        )


class SchemaDriftError(MappingError):
    """Raised when mapped source columns disappeared or changed type since the last run: the
    run refuses rather than write nulls or misread values."""

    def __init__(self, connector: str, stream: str, changes: list[str]) -> None:
        super().__init__(
            connector,
            stream,
            "the source changed since the last run: " + "; ".join(changes),
            hint="fix the mapping, mark the field optional, or run `hub sync --accept-drift` "
            "once the mapping fits",
        )
