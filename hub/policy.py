"""Who may see what: the one enforcement point of every door (GraphQL, export, ``hub query``,
the change feed, webhooks, /metrics, /ingest).

A request acts as a ``Viewer``: a role (``hub.config.RoleConfig``), and for the ``department``
kind of role its department and the matters it handles or needs as prerequisites. The viewer
turns the policy into SQL: ``rows(entity)`` is the predicate of the records it may read and
``column(entity, name)`` the expression of a field as it may read it (the value, a masked
value, or NULL, per row when the department sees some records in full and the rest in their
public view). Statements select ``viewer.columns(table)`` where they would select the table,
so filters, sort keys and aggregates see the same values as the answer: nothing is filtered or
masked in Python after the fact, except change-log values (history, ``asOf``, the feed), which
``mask_record`` masks with the same rules.

Masking, one rule everywhere: a credit code keeps its first four and last two characters
(``9144************12``); any other withheld value is null.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.sql.elements import True_

from hub import tables
from hub.config import HubConfig, RoleConfig, SecurityConfig
from hub.entities import ENTITIES, Kind
from hub.store import Store

T = TypeVar("T")
MASK = "*" * 12
CATALOGUE_SECONDS = 30.0  # how long a department's matters are cached (the catalogue is small)
# Correlated subqueries of the policy read filings under an alias of their own: a statement
# that joins filings itself must not capture them.
_f = tables.filings.alias("policy_filing")
ENTITY_OF_TABLE = {table.name: name for name, table in tables.entity_tables.items()}


def mask_credit_code(value: str | None) -> str | None:
    """``91440300MA5XXXXX12`` -> ``9144************12`` (the first four, the last two)."""
    if value is None:
        return None
    return value[:4] + MASK + value[-2:]


def _masked_sql(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``mask_credit_code`` in SQL (SQLite, PostgreSQL, MySQL spell ``+`` of strings right)."""
    text = type_coerce(column, String)
    start = type_coerce(func.substr(text, 1, 4), String)
    end = type_coerce(func.substr(text, func.length(text) - 1, 2), String)
    return case((column.is_(None), null()), else_=start + literal(MASK) + end)


def _names(entity: str, configured: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    names = configured.get(entity, ())
    if "*" in names and entity in ENTITIES:
        return frozenset(ENTITIES[entity].by_name)
    return frozenset(names)


class Compiled:
    """The SQL of viewers of one role and department, built once: expressions are immutable,
    and building them per request cost a department's page more than their execution."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, ...], Any] = {}

    def once(self, key: tuple[str, ...], build: Callable[[], T]) -> T:
        found = self._built.get(key)
        if found is None:
            found = self._built[key] = build()
        return typing.cast(T, found)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who a request acts as, and what that lets it read (see the module docstring).
    ``token`` is the token's name (None: anonymous); ``needed`` the matters whose filings the
    department sees in full: its own and their prerequisites."""

    role: str
    rules: RoleConfig
    token: str | None = field(default=None, compare=False)
    department: str | None = None
    own_matters: frozenset[str] = frozenset()
    needed: frozenset[str] = frozenset()
    # The config's, the same for every viewer of a policy: not part of a viewer's identity
    # (a FeedScope, which holds a viewer, is a dict key of the feed reader).
    public: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False, compare=False)
    sensitive: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False, compare=False)
    # Its SQL, shared by the viewers of its role and department (``Policy.viewer``).
    compiled: Compiled = field(default_factory=Compiled, hash=False, compare=False, repr=False)

    # -- what the role may do -------------------------------------------------------------

    @property
    def unrestricted(self) -> bool:
        """Reads every record and field as stored (no predicate, no mask)."""
        return self.rules.data == "all" and (
            self.rules.sensitive or not any(self.sensitive.values())
        )

    @property
    def by_department(self) -> bool:
        return self.rules.data == "department"

    @property
    def reads_applicants(self) -> bool:
        """``applicant(creditCode)``: every department's projects and certificates of one
        holder in full, so every record in full with sensitive clearance."""
        return self.rules.data == "all" and self.rules.sensitive

    @property
    def reads_reports(self) -> bool:
        """The weekly report (weeklyReport, /reports): supervisors and operators."""
        return self.rules.supervise or self.rules.operations

    @property
    def finding_departments(self) -> frozenset[str] | None:
        """The departments whose data-check findings it reads (None: all): every one for
        ``data = "all"`` and operators, its own for ``data = "department"``, else none."""
        if self.rules.data == "all" or self.rules.operations:
            return None
        if self.by_department and self.department is not None:
            return frozenset((self.department,))
        return frozenset()

    def may_manage_webhook(self, department: str | None) -> bool:
        """The owner (its department's webhooks) or an operator (every webhook)."""
        if self.rules.operations:
            return True
        return self.rules.webhooks and department is not None and department == self.department

    def is_sensitive(self, entity: str, name: str) -> bool:
        return name in self.sensitive.get(entity, frozenset())

    def cleared(self, entity: str, name: str) -> bool:
        """Whether it reads ``name`` unmasked on the records it sees in full."""
        return self.rules.sensitive or not self.is_sensitive(entity, name)

    def is_public(self, entity: str, name: str) -> bool:
        return name in self.public.get(entity, frozenset())

    def has_public_view(self, entity: str) -> bool:
        """Whether it reads the public view of ``entity``'s records (``data = "none"``: no)."""
        return self.rules.data != "none" and bool(self.public.get(entity))

    # -- SQL --------------------------------------------------------------------------------

    def filing_full(self, f: Any = tables.filings) -> ColumnElement[bool]:
        """Filings (of table ``f``) the department sees in full: handled by it, or of one of
        its matters or a matter they need first (``needed`` holds its own: a filing without a
        department of its own is its matter's)."""
        return or_(f.c.department_code == self.department, f.c.matter_code.in_(sorted(self.needed)))

    def full(self, entity: str, table: Any | None = None) -> ColumnElement[bool]:
        """The records of ``entity`` (rows of ``table``, default its table) shown in full."""
        if self.rules.data == "all":
            return true()
        if self.rules.data != "department":
            return false()
        t = tables.entity_tables[entity] if table is None else table
        if entity in ("department", "matter"):
            return true()
        if entity == "filing":
            return self.filing_full(t)
        if entity == "project":
            return exists().where(_f.c.project_code == t.c.code, self.filing_full(_f))
        if entity == "project_annotation":  # those of a project shown in full
            return exists().where(_f.c.project_code == t.c.project_code, self.filing_full(_f))
        # process events and outcomes: those of a filing shown in full
        return exists().where(_f.c.key == t.c.filing_key, self.filing_full(_f))

    def rows(self, entity: str, table: Any | None = None) -> ColumnElement[bool]:
        """The records of ``entity`` it may read at all."""
        if table is None or table is tables.entity_tables[entity]:
            return self.compiled.once(("rows", entity), lambda: self._rows(entity, None))
        return self._rows(entity, table)

    def _rows(self, entity: str, table: Any | None) -> ColumnElement[bool]:
        if self.rules.data == "all":
            return true()
        if self.rules.data == "none":
            return false()
        if self.has_public_view(entity):
            return true()
        return self.full(entity, table)

    def column(
        self,
        entity: str,
        name: str,
        column: ColumnElement[Any] | None = None,
        table: Any | None = None,
    ) -> ColumnElement[Any]:
        """Field ``name`` of ``entity`` as this viewer reads it. ``column``: an expression of
        the field other than its column (default: the column of ``table``, default the entity
        table, or of an alias of it given as ``table``)."""
        source = tables.entity_tables[entity] if table is None else table
        raw: ColumnElement[Any] = source.c[name] if column is None else column
        if source is tables.entity_tables[entity] and raw is source.c[name]:
            return self.compiled.once(
                ("column", entity, name), lambda: self._column(entity, name, raw, None)
            )
        return self._column(entity, name, raw, table)

    def _column(
        self, entity: str, name: str, raw: ColumnElement[Any], table: Any | None
    ) -> ColumnElement[Any]:
        withheld = self._withheld(entity, name, raw)
        if_full = raw if self.cleared(entity, name) else withheld
        if self.rules.data == "all":
            return if_full
        if_public = raw if self.is_public(entity, name) else withheld
        if self.rules.data != "department" or if_full is if_public:
            return if_public
        if not self.has_public_view(entity):
            return if_full  # it reads no record of it but those it sees in full (``rows``)
        return case((self.full(entity, table), if_full), else_=if_public)

    def shows_plainly(self, entity: str, name: str) -> bool:
        """Whether every row it reads shows field ``name`` as stored (it may sort by it)."""
        return self.column(entity, name) is tables.entity_tables[entity].c[name]

    @staticmethod
    def _withheld(entity: str, name: str, raw: ColumnElement[Any]) -> ColumnElement[Any]:
        spec = ENTITIES.get(entity)
        if spec is not None and spec.by_name[name].kind is Kind.CREDIT_CODE:
            return _masked_sql(raw)
        # typed, so that PostgreSQL can aggregate it (sum(NULL) is ambiguous there)
        return cast(null(), raw.type)

    def columns(self, table: Table) -> list[ColumnElement[Any]]:
        """The columns of an entity table as this viewer reads them, under their own names."""
        entity = ENTITY_OF_TABLE[table.name]
        if self.unrestricted:
            return list(table.c)
        return self.compiled.once(("columns", table.name), lambda: self._columns(table, entity))

    def _columns(self, table: Table, entity: str) -> list[ColumnElement[Any]]:
        found: list[ColumnElement[Any]] = []
        for col in table.c:
            if col.name not in ENTITIES[entity].by_name:
                found.append(col)  # provenance
                continue
            shown = self.column(entity, col.name)
            found.append(col if shown is col else shown.label(col.name))
        return found

    def select(self, table: Table) -> Select[Any]:
        """``select(table)`` as this viewer reads it: its records, its view of their fields."""
        entity = ENTITY_OF_TABLE[table.name]
        query = select(*self.columns(table))
        rows = self.rows(entity)
        return query if isinstance(rows, True_) else query.where(rows)

    # -- change-log values ----------------------------------------------------------------

    def filing_full_py(self, department_code: str | None, matter_code: str | None) -> bool:
        """``filing_full`` for one filing's values (change-log records)."""
        if self.rules.data == "all":
            return True
        if self.rules.data != "department":
            return False
        return department_code == self.department or matter_code in self.needed

    def mask_value(self, entity: str, name: str, value: Any, full: bool) -> Any:
        """One stored value as this viewer reads it (``column`` for a value in hand); a
        derived field (a filing's ``sla_state``) is shown to whoever sees the record."""
        spec = ENTITIES.get(entity)
        if spec is None or name not in spec.by_name:
            return value
        shown = (
            self.cleared(entity, name)
            if full or self.rules.data == "all"
            else (self.is_public(entity, name))
        )
        if shown or value is None:
            return value
        spec = ENTITIES.get(entity)
        if (
            spec is not None
            and name in spec.by_name
            and spec.by_name[name].kind is Kind.CREDIT_CODE
        ):
            return mask_credit_code(str(value))
        return None

    def mask_record(self, entity: str, values: Mapping[str, Any], full: bool) -> dict[str, Any]:
        if self.unrestricted:
            return dict(values)
        return {k: self.mask_value(entity, k, v, full) for k, v in values.items()}

    def sensitive_selected(self, entity: str, names: Iterable[str]) -> list[str]:
        """Of ``names``, the sensitive fields this viewer reads unmasked (to audit)."""
        return sorted(n for n in names if self.is_sensitive(entity, n) and self.rules.sensitive)


def _builtin_system() -> RoleConfig:
    return RoleConfig(
        data="all",
        sensitive=True,
        operations=True,
        audit_log=True,
        webhooks=True,
        supervise=True,
        verify=True,
    )


# The hub itself (sync, jobs, tests that read the store as it is): everything, unaudited.
SYSTEM = Viewer("system", _builtin_system())


class Policy:
    """Builds viewers from the config: the roles, the public view, the sensitive fields."""

    def __init__(self, config: HubConfig | None = None) -> None:
        self.config = config or HubConfig()
        security: SecurityConfig = self.config.security
        everything = [*ENTITIES, "reject"]
        self.public = {e: _names(e, security.public_fields) for e in everything}
        self.sensitive = {e: _names(e, security.sensitive_fields) for e in everything}
        self._catalogue: dict[int, tuple[float, dict[str, tuple[str | None, list[str]]]]] = {}
        self._compiled: dict[tuple[Any, ...], Compiled] = {}

    def rules(self, role: str) -> RoleConfig:
        return self.config.role(role)

    async def viewer(
        self,
        store: Store,
        role: str | None = None,
        *,
        department: str | None = None,
        token: str | None = None,
    ) -> Viewer:
        """The viewer of ``role`` (None: the anonymous role) for ``department``."""
        name = role or self.config.security.anonymous
        rules = self.rules(name)
        own: frozenset[str] = frozenset()
        needed: frozenset[str] = frozenset()
        if rules.data == "department":
            catalogue = await self._matters(store)
            own = frozenset(c for c, (d, _) in catalogue.items() if d == department)
            needed = own | frozenset(p for c in own for p in catalogue[c][1])
        compiled = self._compiled.setdefault((name, department, needed), Compiled())
        return Viewer(
            role=name,
            rules=rules,
            token=token,
            department=department,
            own_matters=own,
            needed=needed,
            public=self.public,
            sensitive=self.sensitive,
            compiled=compiled,
        )

    async def _matters(self, store: Store) -> dict[str, tuple[str | None, list[str]]]:
        """Matter code -> (department, prerequisite codes), cached for CATALOGUE_SECONDS."""
        cached = self._catalogue.get(id(store))
        now = time.monotonic()
        if cached is not None and now - cached[0] < CATALOGUE_SECONDS:
            return cached[1]
        m = tables.matters
        async with store.read() as conn:
            rows = (
                await conn.execute(
                    select(m.c.code, m.c.department_code, m.c.prerequisites).where(
                        m.c.deleted_at.is_(None)
                    )
                )
            ).all()
        catalogue = {
            r.code: (r.department_code, [str(p) for p in r.prerequisites or ()]) for r in rows
        }
        self._catalogue[id(store)] = (now, catalogue)
        return catalogue
