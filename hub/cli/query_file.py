"""``hub query FILE.graphql``: run a query against the store in-process and print JSON or CSV.

Part of the composition root (the CLI): it builds the schema and a context on the store. For
CSV, the rows are the nodes of the query's first list (a connection's nodes or edges, or a plain
list) with nested objects flattened to ``a.b`` columns and nested lists as JSON text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graphql import GraphQLError, NamedTypeNode, NonNullTypeNode, parse

from hub.audit import AuditLog
from hub.auth import principal_of
from hub.config import HubConfig
from hub.errors import HubError
from hub.policy import Policy
from hub.sla import Supervision
from hub.store import Store
from schema import build_schema
from schema.context import Context


def _text_variables(query: str) -> set[str]:
    """Variables the query declares as String or ID: their values are never JSON-decoded
    (a district code such as 440304 stays text)."""
    try:
        document = parse(query)
    except GraphQLError:
        return set()  # the query's own error is reported when it runs
    names: set[str] = set()
    for definition in document.definitions:
        for variable in getattr(definition, "variable_definitions", None) or ():
            type_node = variable.type
            while isinstance(type_node, NonNullTypeNode):
                type_node = type_node.type
            if isinstance(type_node, NamedTypeNode) and type_node.name.value in ("String", "ID"):
                names.add(variable.variable.name.value)
    return names


def parse_variables(pairs: Iterable[str], query: str) -> dict[str, Any]:
    """``k=v`` pairs; values of String/ID variables are text, others are JSON when they parse
    (numbers, true, lists, objects) and text otherwise."""
    textual = _text_variables(query)
    variables: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--var {pair!r}: write NAME=VALUE, e.g. --var district=440304")
        if name in textual:
            variables[name] = text
            continue
        try:
            variables[name] = json.loads(text)
        except json.JSONDecodeError:
            variables[name] = text
    return variables


class UnknownTokenError(HubError, LookupError):
    """Raised when ``hub query --token`` names no active token."""

    def __init__(self) -> None:
        super().__init__("the token is unknown or revoked (see `hub token list`)")


async def run_query(
    settings: HubConfig,
    store: Store,
    text: str,
    variables: Mapping[str, Any],
    token: str | None = None,
) -> dict[str, Any]:
    """The GraphQL response (``data`` and ``errors``) of ``text`` on ``store``, as ``token``'s
    role reads it over HTTP (none: ``[security] cli``, the supervisor by default, audited as
    ``cli``)."""
    schema = build_schema(settings.server)
    policy = Policy(settings)
    if token is None:
        viewer = await policy.viewer(store, settings.security.cli, token="cli")
    else:
        principal = await principal_of(store, token)
        if principal is None:
            raise UnknownTokenError
        viewer = await policy.viewer(
            store, principal.role, department=principal.department, token=principal.name
        )
    audit = AuditLog(store)
    context = Context.create(
        store,
        settings.server,
        connector_departments={c.name: c.department for c in settings.connectors},
        supervision=Supervision.configured(store, settings),
        viewer=viewer,
        audit=audit,
        checks=settings.checks,
    )
    result = await schema.execute(text, variable_values=dict(variables), context_value=context)
    await audit.flush()
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    return response


def _rows(data: Any) -> list[Any]:
    """The first list in ``data``: a connection's nodes (or edges' nodes), or a plain list."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        nodes = data.get("nodes")
        if isinstance(nodes, list):
            return nodes
        if isinstance(data.get("edges"), list):
            return [edge.get("node", edge) for edge in data["edges"]]
        for value in data.values():
            if isinstance(value, dict | list):
                found = _rows(value)
                if found:
                    return found
    return []


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat |= _flatten(item, f"{prefix}{key}.")
        return flat
    if isinstance(value, list):
        return {prefix[:-1]: json.dumps(value, ensure_ascii=False)}
    return {prefix[:-1]: value}


def to_csv(data: Any) -> str:
    rows = [_flatten(row) if isinstance(row, dict) else {"value": row} for row in _rows(data)]
    header: list[str] = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def error_lines(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in e.get('path') or []) or 'query'}: {e['message']}"
        + (f" [{e['extensions']['code']}]" if (e.get("extensions") or {}).get("code") else "")
        for e in errors
    ]
