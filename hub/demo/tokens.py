"""``demo/tokens.toml``: one bearer token per demo role and per demo department, so that a
GraphiQL user pastes one (``{"Authorization": "Bearer ..."}``) and sees what that role sees.

The file is kept across runs while its tokens still authenticate; a token that does not (the
store was rebuilt, it was revoked) is replaced by a new one.
"""

from __future__ import annotations

import secrets
import tomllib
from pathlib import Path

from sqlalchemy import select

from hub import tables
from hub.auth import create_token, principal_of
from hub.store import Store

ROLES = ("supervisor", "operator", "auditor")
HEADER = (
    "# Demo bearer tokens (hub demo writes this file). In GraphiQL, open Headers and paste\n"
    '# {"Authorization": "Bearer <token>"}; without a token you get the public view.\n'
    "# Rotate one: hub token revoke <name>, then run hub demo again.\n"
)


async def demo_tokens(store: Store, path: Path) -> dict[str, str]:
    """Key (``supervisor``, ``operator``, ``auditor``, ``department.<CODE>``) -> token, each
    valid, written to ``path`` as the TOML table ``tokens``."""
    d = tables.departments
    async with store.read() as conn:
        codes = (await conn.execute(select(d.c.code).where(d.c.deleted_at.is_(None)))).scalars()
        wanted = [*ROLES, *(f"department.{code}" for code in sorted(codes))]
    kept = _read(path)
    tokens: dict[str, str] = {}
    for key in wanted:
        role, _, department = key.partition(".")
        old = kept.get(key)
        principal = None if old is None else await principal_of(store, old)
        if old is not None and principal is not None and principal.role == role:
            tokens[key] = old
            continue
        name = f"demo-{key.replace('.', '-').lower()}-{secrets.token_hex(3)}"
        tokens[key] = await create_token(
            store, name, scopes=["read"], role=role, department=department or None
        )
    _write(path, tokens)
    return tokens


def _read(path: Path) -> dict[str, str]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("tokens", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    found = {k: v for k, v in table.items() if isinstance(v, str)}
    departments = table.get("department", {})
    found |= {f"department.{k}": v for k, v in departments.items() if isinstance(v, str)}
    return found


def _write(path: Path, tokens: dict[str, str]) -> None:
    lines = [HEADER, "[tokens]"]
    lines += [f'{key} = "{tokens[key]}"' for key in ROLES]
    lines += ["", "[tokens.department]"]
    lines += [
        f'{key.removeprefix("department.")} = "{token}"'
        for key, token in tokens.items()
        if key.startswith("department.")
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
