"""SQL pieces the rules share: live rows, the department responsible for a filing, and the
catalogue's prerequisite pairs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Subquery,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    true,
)

from hub import tables
from hub.store import Store


def live(table: Table | Any) -> ColumnElement[bool]:
    """Rows not soft-deleted (of a table or an alias of one)."""
    return table.c.deleted_at.is_(None)


def filing_department(matter: Any) -> ColumnElement[Any]:
    """The department responsible for a filing: the one it names, else its matter's."""
    return func.coalesce(tables.filings.c.department_code, matter.c.department_code)


def prerequisite_pairs(store: Store) -> Subquery:
    """Each live matter with each matter code its ``prerequisites`` list names: columns
    ``matter_code`` and ``required_code``. The list is expanded in SQL (``json_each`` on SQLite,
    ``json_array_elements_text`` on PostgreSQL), so a catalogue change counts at once."""
    m = tables.matters
    if store.is_postgres:
        # Only arrays are expanded (a JSON null or scalar would be an error), in the argument,
        # since PostgreSQL may call the function before it filters the rows.
        array = case(
            (func.json_typeof(m.c.prerequisites) == "array", m.c.prerequisites),
            else_=cast(literal("[]"), JSON),
        )
        listed = func.json_array_elements_text(array).table_valued("value")
    else:
        listed = func.json_each(m.c.prerequisites).table_valued("value")
    return (
        select(m.c.code.label("matter_code"), listed.c.value.label("required_code"))
        .select_from(m.join(listed, true()))
        .where(live(m), listed.c.value.is_not(None))
        .subquery("prerequisite_pairs")
    )


def filing_findings(message: ColumnElement[Any], *columns: ColumnElement[Any]) -> Select[Any]:
    """A filing rule's SELECT (see ``SqlRule``): key, project, the department responsible,
    ``message`` and ``columns``, from live filings and their live matters; the rule adds its
    conditions (and joins)."""
    f, m = tables.filings, tables.matters
    return (
        select(
            f.c.key.label("key"),
            f.c.project_code.label("project_code"),
            filing_department(m).label("department"),
            message.label("message"),
            *columns,
        )
        .select_from(f.outerjoin(m, and_(m.c.code == f.c.matter_code, live(m))))
        .where(live(f))
    )


def unknown_codes(
    code: Any, catalogue: Table, what: str, department: ColumnElement[Any]
) -> Select[Any]:
    """Live filings whose ``code`` names no live row of ``catalogue``, filed under
    ``department``; judged only once ``catalogue`` holds anything (not during a first sync)."""
    f = tables.filings
    return select(
        f.c.key.label("key"),
        f.c.project_code.label("project_code"),
        department.label("department"),
        (literal(f"unknown {what} code ") + code).label("message"),
        code.label(code.name),
    ).where(
        live(f),
        code.is_not(None),
        ~exists().where(catalogue.c.code == code, live(catalogue)),
        exists().where(live(catalogue)),
    )
