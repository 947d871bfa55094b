"""date-only fields as dates in China's calendar; every entity's attributes map; divisions

``projects.registered_at`` (登记日期) and ``outcomes.issued_at`` (发证日期) were stored as the
naive UTC instant of midnight in Asia/Shanghai (2014-03-01 became 2014-02-28 16:00); they become
``DATE`` columns holding the China day, and the change log and conflicts that recorded their
values are rewritten the same way, so the feed and ``asOf`` read one kind of value. China has
kept UTC+8 without daylight saving since 1991, so the day is the UTC instant plus eight hours.

The change log is hash-chained (0006, ``hub.log_chain``): the rewritten rows no longer match
their hashes, so the chain is recomputed from the first rewritten chained row on, and the signed
heads from there on (which sign hashes that no longer exist) are dropped; the head job signs the
new head at its next interval. ``hub verify-log`` then holds on the migrated log.

Every entity table gets ``attributes`` (JSON), the map of source values without a canonical
field (outcomes had one already), except project annotations (a note is its own text).

``divisions`` holds the administrative divisions (code, name, parent) a region configures or
syncs, in place of the built-in table of Shenzhen's.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 16:50:00
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

from hub.log_chain import CHAINED, GENESIS, row_hash

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = timedelta(hours=8)
# table -> (entity, column) of the fields that became dates
DATE_FIELDS = {"projects": ("project", "registered_at"), "outcomes": ("outcome", "issued_at")}

_changes = sa.table(
    "changes",
    sa.column("seq", sa.BigInteger),
    sa.column("op", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_key", sa.String),
    sa.column("project_code", sa.String),
    sa.column("field", sa.String),
    sa.column("old_value", sa.JSON),
    sa.column("new_value", sa.JSON),
    sa.column("connector", sa.String),
    sa.column("department_code", sa.String),
    sa.column("sync_run_id", sa.BigInteger),
    sa.column("source_time", sa.DateTime),
    sa.column("recorded_at", sa.DateTime),
    sa.column("chain_hash", sa.String),
)
_log_heads = sa.table("log_heads", sa.column("seq", sa.BigInteger))
_RECHAIN_ROWS = 5000
_conflicts = sa.table(
    "conflicts",
    sa.column("id", sa.BigInteger),
    sa.column("entity", sa.String),
    sa.column("field", sa.String),
    sa.column("stored_value", sa.JSON),
    sa.column("offered_value", sa.JSON),
)


def _china_day(value: Any) -> Any:
    """A logged instant (``2014-02-28T16:00:00Z``) as its China day (``2014-03-01``)."""
    if not isinstance(value, str) or "T" not in value:
        return value
    moment = datetime.fromisoformat(value.removesuffix("Z")) + CHINA
    return moment.date().isoformat()


def _midnight(value: Any) -> Any:
    """The reverse of ``_china_day``: a China day as the UTC instant of its midnight."""
    if not isinstance(value, str) or "T" in value:
        return value
    moment = datetime.combine(date.fromisoformat(value), datetime.min.time()) - CHINA
    return moment.isoformat(timespec="seconds") + "Z"


def _rewrite(value: Any, column: str, convert: Any, whole: bool) -> Any:
    if whole:  # a record's values by field (created, deleted, restored changes)
        if isinstance(value, dict) and column in value:
            return {**value, column: convert(value[column])}
        return value
    return convert(value)


def _rewrite_log(entity: str, column: str, convert: Any) -> int | None:
    """Rewrite the logged values of ``entity.column``; the first rewritten change's seq that
    carries a chain hash (None: no chained row changed)."""
    bind = op.get_bind()
    first_chained: int | None = None
    for table, key, values in (
        (_changes, "seq", ("old_value", "new_value")),
        (_conflicts, "id", ("stored_value", "offered_value")),
    ):
        chained = (table.c.chain_hash,) if table is _changes else ()
        rows = bind.execute(
            sa.select(table.c[key], table.c.field, *chained, *(table.c[v] for v in values)).where(
                table.c.entity == entity,
                sa.or_(table.c.field == column, table.c.field.is_(None)),
            )
        ).all()
        updates = []
        for row in rows:
            whole = row.field is None
            new = {v: _rewrite(getattr(row, v), column, convert, whole) for v in values}
            if any(new[v] != getattr(row, v) for v in values):
                updates.append({"pk": getattr(row, key), **new})
                if chained and row.chain_hash is not None:
                    first_chained = min(first_chained or row.seq, row.seq)
        if updates:
            bind.execute(
                table.update()
                .where(table.c[key] == sa.bindparam("pk"))
                .values({v: sa.bindparam(v) for v in values}),
                updates,
            )
    return first_chained


def _rechain(start: int | None) -> None:
    """Recompute the chain hashes from seq ``start`` on (hub.log_chain's canonical form) and
    drop the signed heads the rewrite invalidated."""
    if start is None:
        return
    bind = op.get_bind()
    previous = (
        bind.execute(
            sa.select(_changes.c.chain_hash)
            .where(_changes.c.seq < start, _changes.c.chain_hash.is_not(None))
            .order_by(_changes.c.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        or GENESIS
    )
    columns = [_changes.c.seq, *(_changes.c[name] for name in CHAINED)]
    after = start - 1
    while True:
        rows = bind.execute(
            sa.select(*columns)
            .where(_changes.c.seq > after)
            .order_by(_changes.c.seq)
            .limit(_RECHAIN_ROWS)
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            previous = row_hash(previous, row._mapping)
            updates.append({"pk": row.seq, "hash": previous})
        bind.execute(
            _changes.update()
            .where(_changes.c.seq == sa.bindparam("pk"))
            .values(chain_hash=sa.bindparam("hash")),
            updates,
        )
        after = rows[-1].seq
    bind.execute(_log_heads.delete().where(_log_heads.c.seq >= start))


def _retype(table: str, column: str, new_type: sa.types.TypeEngine[Any], to_date: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        using = (
            f"({column} + INTERVAL '8 hours')::date"
            if to_date
            else f"{column}::timestamp - INTERVAL '8 hours'"
        )
        name = new_type.compile(dialect=op.get_bind().dialect)  # TIMESTAMP, not DATETIME
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {name} USING {using}")
        return
    # SQLite: batch mode would CAST the values (to a number, for DATE); a new column is filled
    # with SQLite's own date functions and takes the old one's place.
    scratch = f"{column}_retyped"
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(scratch, new_type, nullable=True))
    expression = (
        f"date({column}, '+8 hours')"
        if to_date
        else f"strftime('%Y-%m-%d %H:%M:%S.000000', {column}, '-8 hours')"
    )
    op.execute(f"UPDATE {table} SET {scratch} = {expression}")
    with op.batch_alter_table(table) as batch:
        batch.drop_column(column)
        batch.alter_column(scratch, new_column_name=column)


ATTRIBUTE_TABLES = (
    "departments",
    "matters",
    "projects",
    "filings",
    "process_events",
)


def upgrade() -> None:
    firsts: list[int | None] = []
    for table, (entity, column) in DATE_FIELDS.items():
        _retype(table, column, sa.Date(), to_date=True)
        firsts.append(_rewrite_log(entity, column, _china_day))
    _rechain(min((f for f in firsts if f is not None), default=None))
    for table in ATTRIBUTE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("attributes", sa.JSON(), nullable=True))
    op.create_table(
        "divisions",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent", sa.String(length=6), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_divisions")),
    )


def downgrade() -> None:
    firsts: list[int | None] = []
    op.drop_table("divisions")
    for table in ATTRIBUTE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("attributes")
    for table, (entity, column) in DATE_FIELDS.items():
        _retype(table, column, sa.DateTime(), to_date=False)
        firsts.append(_rewrite_log(entity, column, _midnight))
    _rechain(min((f for f in firsts if f is not None), default=None))
