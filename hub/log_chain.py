"""The change log's hash chain and its signed heads (tamper evidence).

Every change row carries ``chain_hash = sha256(previous chain_hash + "\\n" + canonical row)``,
hex; the first chained row's previous hash is ``GENESIS``. The canonical row is the compact JSON
array (keys sorted, UTF-8 without escapes, separators ``,`` and ``:``) of

    [op, entity, entity_key, project_code, field, old_value, new_value,
     connector, department_code, sync_run_id, source_time, recorded_at]

with instants as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``. ``hub.changelog.append`` computes it under
the change-log lock, in the transaction that inserts the rows, so concurrent writers and crashes
cannot break the chain. At intervals the hub signs the head (the newest row's seq and hash) with
its own Ed25519 key (``[authenticity] log_key``); ``verify_log`` recomputes the whole chain,
checks each signed head, and names the first seq that does not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import tables
from hub.signatures import SignatureFormatError, algorithm
from hub.store import Store

GENESIS = "0" * 64
HEAD_ALGORITHM = "ED25519"
CHAINED = (
    "op",
    "entity",
    "entity_key",
    "project_code",
    "field",
    "old_value",
    "new_value",
    "connector",
    "department_code",
    "sync_run_id",
    "source_time",
    "recorded_at",
)
_SCAN_ROWS = 5000


def _instant(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds") + "Z"
    return value


def row_hash(previous: str, row: Mapping[str, Any] | RowMapping) -> str:
    """The chain hash of change row ``row`` (columns by name) after ``previous``."""
    values = [_instant(row[name]) for name in CHAINED]
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


async def chain(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Set ``chain_hash`` on ``rows`` (about to be inserted in this order), continuing from the
    newest stored row. The caller holds the change-log lock."""
    changes = tables.changes
    previous = (
        await conn.execute(select(changes.c.chain_hash).order_by(changes.c.seq.desc()).limit(1))
    ).scalar_one_or_none() or GENESIS
    for row in rows:
        previous = row["chain_hash"] = row_hash(previous, row)


def head_message(seq: int, chain_hash: str) -> bytes:
    """What the hub signs for the head at ``seq``."""
    return f"XTHUB-LOG-HEAD-1\nseq={seq}\nchain_hash={chain_hash}\n".encode()


async def sign_head(store: Store, private_key: str, now: datetime) -> int | None:
    """Sign the current head, unless it is signed already; returns its seq (None: empty log)."""
    changes, heads = tables.changes, tables.log_heads
    signer = algorithm(HEAD_ALGORITHM)
    async with store.write() as conn:
        await store.serialize_changes(conn)  # the head cannot move meanwhile
        head = (
            await conn.execute(
                select(changes.c.seq, changes.c.chain_hash).order_by(changes.c.seq.desc()).limit(1)
            )
        ).first()
        if head is None or head.chain_hash is None:
            return None
        signed = (
            await conn.execute(select(heads.c.seq).order_by(heads.c.seq.desc()).limit(1))
        ).scalar_one_or_none()
        if signed == head.seq:
            return int(head.seq)
        await conn.execute(
            heads.insert().values(
                seq=head.seq,
                chain_hash=head.chain_hash,
                algorithm=HEAD_ALGORITHM,
                public_key=signer.public_key(private_key),
                signature=signer.sign(private_key, head_message(head.seq, head.chain_hash)),
                signed_at=now,
            )
        )
        return int(head.seq)


@dataclass(slots=True)
class LogCheck:
    """What ``verify_log`` found: ``first_bad_seq`` is None when everything matches."""

    rows: int = 0
    chained_from: int | None = None  # the first seq with a hash (older rows predate the chain)
    heads: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_log(store: Store, public_keys: Iterable[str] = ()) -> LogCheck:
    """Recompute the chain and check the signed heads: each head's signature (against
    ``public_keys``, the hub's; none given: the key stored with the head) and its hash."""
    check = LogCheck()
    changes, heads = tables.changes, tables.log_heads
    async with store.read() as conn:
        signed = list((await conn.execute(select(heads).order_by(heads.c.seq))).all())
        by_seq: dict[int, str] = {}
        wanted = {h.seq for h in signed}
        previous = GENESIS
        result = await conn.stream(select(changes).order_by(changes.c.seq))
        async for batch in result.partitions(_SCAN_ROWS):
            for row in batch:
                check.rows += 1
                values = row._mapping
                stored = values["chain_hash"]
                if stored is None and check.chained_from is None:
                    continue  # written before the chain existed
                if check.chained_from is None:
                    check.chained_from = row.seq
                expected = row_hash(previous, values)
                if stored != expected and check.first_bad_seq is None:
                    check.first_bad_seq = row.seq
                    check.problems.append(
                        f"seq {row.seq}: its hash does not follow from its content and the row "
                        "before (the row, or one before it, was changed, inserted or removed)"
                    )
                # Go on from the stored hash: rows after a changed one are judged on their own.
                previous = stored if stored is not None else expected
                if row.seq in wanted:
                    by_seq[row.seq] = previous
    trusted = set(public_keys)
    for head in signed:
        check.heads += 1
        if trusted and head.public_key not in trusted:
            check.problems.append(f"signed head at seq {head.seq}: not signed by the hub's key")
            continue
        try:
            good = algorithm(head.algorithm).verify(
                head.public_key, head_message(head.seq, head.chain_hash), head.signature
            )
        except (SignatureFormatError, LookupError) as exc:
            good = False
            check.problems.append(f"signed head at seq {head.seq}: {exc}")
        if not good:
            check.problems.append(f"signed head at seq {head.seq}: the signature does not hold")
        elif head.seq not in by_seq:
            check.problems.append(
                f"signed head at seq {head.seq}: the log has no such row (rows were removed)"
            )
            _first_bad(check, head.seq)
        elif by_seq[head.seq] != head.chain_hash:
            check.problems.append(
                f"signed head at seq {head.seq}: the chain there differs from the one signed "
                "(rows up to it were rewritten)"
            )
            _first_bad(check, head.seq)
    return check


def _first_bad(check: LogCheck, seq: int) -> None:
    if check.first_bad_seq is None or seq < check.first_bad_seq:
        check.first_bad_seq = seq
