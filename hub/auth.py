"""Bearer tokens, their scopes, and the audit log.

A token has a role (``hub.config`` roles: what it may read and do; ``hub.policy``), belongs to
a department where the role needs one, and carries scopes such as ``ingest:<connector>`` (push
records to that connector), ``read`` (query the API) or ``ingest:*`` (push to any connector of
its department). The store
keeps only its sha256, so the token itself is shown once, when it is created.

Use in a Starlette endpoint::

    principal = await authenticate(request, store)
    if principal is None or not principal.allows("read"):
        return deny(principal, "read")
    ...
    await audit(store, principal.name, "export", {"rows": 120})

``authenticate`` reads ``Authorization: Bearer <token>``; ``deny`` answers 401 (no valid token)
or 403 (the token lacks the scope) as JSON with the ``WWW-Authenticate`` header of RFC 6750.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

from hub import tables
from hub.clock import utcnow
from hub.errors import ErrorCode, HubError, UnknownNameError, error_body
from hub.store import Store

TOKEN_PREFIX = "xth_"
REALM = "xietong-hub"


class TokenError(HubError, ValueError):
    """Raised when a token cannot be created as asked (a name in use, no scopes)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a token's name, its department, what it may do and its role
    (None: a token made before roles, which reads as the anonymous role)."""

    name: str
    department: str | None
    scopes: frozenset[str]
    role: str | None = None

    def allows(self, scope: str) -> bool:
        """Whether the token has ``scope``; ``ingest:*`` covers every ``ingest:<name>``."""
        kind, _, _ = scope.partition(":")
        return scope in self.scopes or f"{kind}:*" in self.scopes


@dataclass(frozen=True, slots=True)
class TokenInfo:
    name: str
    department: str | None
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    role: str | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    store: Store,
    name: str,
    *,
    scopes: Iterable[str],
    department: str | None = None,
    role: str | None = None,
    needs_department: bool = False,
) -> str:
    """Store a new token and return it; it cannot be read back later. ``needs_department``:
    the role reads as a department (``data = "department"``), so it must name one."""
    wanted = sorted(set(scopes))
    if not wanted:
        raise TokenError(f"token {name!r} needs at least one scope, e.g. read or ingest:<name>")
    if needs_department and department is None:
        raise TokenError(
            f"token {name!r} has role {role!r}, which reads as a department: give --department"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with store.write() as conn:
        taken = await conn.execute(select(tables.tokens.c.id).where(tables.tokens.c.name == name))
        if taken.first() is not None:
            raise TokenError(f"a token named {name!r} exists; revoke it or choose another name")
        await conn.execute(
            tables.tokens.insert().values(
                name=name,
                department_code=department,
                token_hash=hash_token(token),
                scopes=wanted,
                created_at=utcnow(),
                role=role,
            )
        )
    return token


async def revoke_token(store: Store, name: str) -> None:
    """Revoke the token ``name`` from now on (its row stays, for the audit log)."""
    tokens = tables.tokens
    async with store.write() as conn:
        result = await conn.execute(
            update(tokens)
            .where(tokens.c.name == name, tokens.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        if result.rowcount == 0:
            active = await conn.execute(select(tokens.c.name).where(tokens.c.revoked_at.is_(None)))
            raise UnknownNameError("active token", name, active.scalars())


async def list_tokens(store: Store) -> list[TokenInfo]:
    tokens = tables.tokens
    async with store.read() as conn:
        rows = (await conn.execute(select(tokens).order_by(tokens.c.name))).all()
    return [
        TokenInfo(r.name, r.department_code, tuple(r.scopes), r.created_at, r.revoked_at, r.role)
        for r in rows
    ]


async def authenticate(request: HTTPConnection, store: Store) -> Principal | None:
    """The principal of the request's bearer token; ``None`` when it has no valid token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await principal_of(store, token.strip())


async def principal_of(store: Store, token: str) -> Principal | None:
    """The principal of ``token``; ``None`` when it is unknown or revoked."""
    tokens = tables.tokens
    async with store.read() as conn:
        row = (
            await conn.execute(
                select(
                    tokens.c.name, tokens.c.department_code, tokens.c.scopes, tokens.c.role
                ).where(tokens.c.token_hash == hash_token(token), tokens.c.revoked_at.is_(None))
            )
        ).first()
    if row is None:
        return None
    return Principal(row.name, row.department_code, frozenset(row.scopes), row.role)


def deny(principal: Principal | None, scope: str) -> JSONResponse:
    """401 when there is no valid token, else 403: the token lacks ``scope``."""
    if principal is None:
        return JSONResponse(
            error_body(
                "a valid bearer token is required (Authorization: Bearer <token>)",
                ErrorCode.UNAUTHENTICATED,
            ),
            status_code=401,
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )
    return JSONResponse(
        error_body(
            f"token {principal.name!r} lacks the scope {scope!r}", ErrorCode.FORBIDDEN, scope=scope
        ),
        status_code=403,
        headers={
            "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", '
            f'scope="{scope}"'
        },
    )


def forbid(problem: str) -> JSONResponse:
    """403: the token has the scope but may not act on this target (``problem`` says why)."""
    return JSONResponse(
        error_body(problem, ErrorCode.FORBIDDEN),
        status_code=403,
        headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope"'},
    )


async def audit(store: Store, actor: str, action: str, detail: Mapping[str, Any]) -> None:
    """Append an entry to the audit log: who did what, when, with what outcome."""
    async with store.write() as conn:
        await conn.execute(
            tables.audit_entries.insert().values(
                at=utcnow(), actor=actor, action=action, detail=dict(detail)
            )
        )
