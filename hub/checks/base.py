"""The data-check rule family (数据检查): ``CheckRule`` (one module per rule in ``hub.checks``),
the ``Finding`` a rule reports and the ``CheckContext`` it runs in.

A rule is one set-based question to the store ("every filing whose matter the catalogue does not
know"), asked with one or a few SQL statements however many rows it finds; ``SqlRule`` is the
common shape, a rule that is one SELECT of labelled columns. The runner (``hub.checks.runner``)
turns what rules report into stored findings that open and close by themselves.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Select, String, case, literal, null
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.config import HubConfig
from hub.mapping import json_safe
from hub.store import Store


class Severity(enum.Enum):
    """How bad a finding is: ERROR (the data is wrong), WARNING (probably wrong), INFO."""

    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a rule found: in which record (``entity``, ``key``), of which project, whose
    data it is (``department_code``), in words (``message``) and as data (``details``)."""

    rule: str
    entity: str
    key: str
    message: str
    project_code: str | None = None
    department_code: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str, str]:
        """What makes it the same finding from one run to the next."""
        return (self.rule, self.entity, self.key)


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a rule may use: the store and an open connection (one snapshot for every rule of
    a pass), the configuration, the business day the pass judges and its instant."""

    store: Store
    conn: AsyncConnection
    config: HubConfig
    as_of: date
    now: datetime

    def department_of_connector(self, connector: ColumnElement[Any]) -> ColumnElement[Any]:
        """The department of the connector named by ``connector`` (a row's ``src_connector``),
        from the configuration, in SQL."""
        departments = {c.name: c.department for c in self.config.connectors if c.department}
        if not departments:
            return null()
        return case(
            *((connector == name, literal(code, String())) for name, code in departments.items()),
            else_=null(),
        )


class CheckRule(ABC):
    """A data-check rule: ``name`` (what config and findings call it), ``description`` (what it
    checks, for ``qualityRules``), ``severity`` by default (config may re-grade it) and
    ``entity``, the kind of record its findings are about."""

    name: ClassVar[str]
    description: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    entity: ClassVar[str]

    @abstractmethod
    async def run(self, ctx: CheckContext) -> Iterable[Finding]:
        """Every finding of the rule in the store now, from set-based SQL."""


class SqlRule(CheckRule):
    """A rule that is one SELECT with the columns ``key``, ``project_code``, ``department``
    (the one responsible), ``message`` and those named in ``detail_columns``, which become the
    finding's details."""

    detail_columns: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def query(self, ctx: CheckContext) -> Select[Any]:
        """The statement that finds every violation, one row each."""

    async def run(self, ctx: CheckContext) -> list[Finding]:
        rows = (await ctx.conn.execute(self.query(ctx))).mappings()
        return [
            Finding(
                rule=self.name,
                entity=self.entity,
                key=str(row["key"]),
                message=str(row["message"]),
                project_code=row["project_code"],
                department_code=row["department"],
                details={name: json_safe(row[name]) for name in self.detail_columns},
            )
            for row in rows
        ]
