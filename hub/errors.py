"""Errors of the hub core.

Every error builds its message from its context in ``__init__`` and says whether retrying can help
(``transient``), so that a scheduler can retry outages and stop on mistakes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


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
