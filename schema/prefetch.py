"""Prefetching a level's children where its page is loaded, so that child fields resolve
synchronously.

graphql-core awaits every awaitable a resolver returns (one task per list item), which costs far
more than the SQL of a page. So where a page of filings is loaded, the children its query asks
for (matter, events, outcome) are loaded right away, in the very statements their DataLoaders
would run, and primed into those loaders; the child resolvers are plain functions that answer
from a loader's cache when the value is there and fall back to the loader (an awaitable) when
not. The statements of a request stay the same in number: a prefetched loader runs none later.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from schema.loaders import Loaders
    from schema.types.filing import Filing


def field_key(path: Any) -> tuple[str, ...]:
    """A field's response path without list indices, innermost key first."""
    keys: list[str] = []
    while path is not None:
        if isinstance(path.key, str):
            keys.append(path.key)
        path = path.prev
    return tuple(keys)


def cached_or_load(loader: DataLoader[Any, Any], key: Hashable) -> Any:
    """The loader's value for ``key`` when it is already loaded (no awaitable, so no task),
    else the loader's awaitable."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled():
        if future.exception() is None:
            return future.result()
    return loader.load(key)


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def children(info: GraphQLResolveInfo[Any], nodes: Iterable[FieldNode]) -> Iterable[FieldNode]:
    """The fields selected under ``nodes``, fragments flattened."""
    for node in nodes:
        yield from _flatten(info, node.selection_set)


def _flatten(
    info: GraphQLResolveInfo[Any], selection_set: SelectionSetNode | None
) -> Iterable[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _flatten(info, selection.selection_set)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                yield from _flatten(info, fragment.selection_set)


def node_fields(
    info: GraphQLResolveInfo[Any], field_nodes: Sequence[FieldNode] | None = None
) -> list[tuple[tuple[str, ...], FieldNode]]:
    """The fields selected on the nodes of the connection field ``info`` resolves (or of
    ``field_nodes``, through its ``nodes`` and its ``edges { node }``), each with its response
    path below the connection."""
    found: list[tuple[tuple[str, ...], FieldNode]] = []
    for child in children(info, info.field_nodes if field_nodes is None else field_nodes):
        if child.name.value == "nodes":
            found += [((_key(child),), n) for n in children(info, [child])]
        elif child.name.value == "edges":
            for node in children(info, [child]):
                if node.name.value == "node":
                    found += [((_key(child), _key(node)), n) for n in children(info, [node])]
    return found


def node_field_names(info: GraphQLResolveInfo[Any]) -> set[str]:
    """Names of the fields selected on the nodes of the connection field ``info`` resolves."""
    return {node.name.value for _, node in node_fields(info)}


async def _prime(
    loader: DataLoader[Any, Any], keys: list[Any], conn: AsyncConnection | None
) -> None:
    missing = [k for k in dict.fromkeys(keys) if loader.cache_map.get(k) is None]
    if missing:
        values = await loader.load_fn(missing, conn)  # type: ignore[call-arg]
        loader.prime_many(dict(zip(missing, values, strict=True)))


async def prefetch_filing_children(
    loaders: Loaders,
    names: set[str],
    filings: Sequence[Filing],
    conn: AsyncConnection | None = None,
) -> None:
    """Load the matter, events and outcome of ``filings`` (those of ``names`` that are asked
    for), each in the one statement its loader would run, and prime the loaders. The
    statements run one after another on ``conn`` (the connection that read the filings) when
    given: one connection per level saves the BEGIN and ROLLBACK round trips of three."""
    live = [filing for filing in filings if filing.as_of is None]
    if not live:
        return
    if "matter" in names:
        await _prime(loaders.matter, [filing.matter_code for filing in live], conn)
    if "events" in names:
        await _prime(loaders.events_by_filing, [filing.key for filing in live], conn)
    if "outcome" in names:
        await _prime(loaders.outcome_by_filing, [filing.key for filing in live], conn)
