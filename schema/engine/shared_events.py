"""Subscription events executed once per distinct subscription, not once per subscriber.

graphql-core executes a subscription's selection set for every event of every subscriber, and
with many subscribers that execution dominates delivery. Yet subscribers mostly hold identical
subscriptions (every client of a department portal sends the same query and variables), and
for those the result of an event is the same. ``SharedEventExecutor`` keys an event's result
by everything that decides it -- the operation and its fragments as printed, the variables
read per event, the viewer -- and by the event's own ``event_key`` (which must identify the
event's content), and serves repeats from a bounded cache that the schema's subscriptions
share. Events without an ``event_key`` are executed as usual. An evicted entry is only
executed again: the cache's size bounds memory, never correctness.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Hashable, Mapping
from typing import Any, ClassVar

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    Node,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    print_ast,
    visit,
)
from graphql.execution import Executor
from graphql.execution.values import VariableValues

from hub.lru import Lru

# Distinct (subscription, event) results kept: enough for a burst of changes to reach every
# subscriber of a few hundred distinct subscriptions before its entries are evicted.
RESULT_CACHE_SIZE = 8192
# Distinct subscription operations whose printed shape is kept.
SHAPE_CACHE_SIZE = 1024


class ResultCache(Lru[tuple[Hashable, Hashable], ExecutionResult]):
    """The least recently used results, by (subscription key, event key)."""

    def __init__(self, size: int = RESULT_CACHE_SIZE) -> None:
        super().__init__(size)

    @property
    def executions(self) -> int:
        """Results executed rather than served from the cache."""
        return self.stored


def _event_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[str]:
    """The variables that an event's execution reads. The root field's arguments are left out:
    they choose the events (in the subscription's resolver), while each event's root field
    resolves to the event itself, so that subscribers resuming from different ``after`` seqs
    still share results."""
    used: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            used.add(node.name.value)

    parts: list[Node] = [*(operation.directives or ()), *fragments.values()]
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            parts += selection.directives or ()
            parts += [selection.selection_set] if selection.selection_set else []
        else:
            parts.append(selection)
    for part in parts:
        visit(part, Collect())
    return sorted(used)


OperationShape = tuple[str, tuple[str, ...], list[str]]
# Operations whose printed shape is kept, by identity (the parse cache hands every subscriber
# of a query the same document), each with its node so that an identity is never reused.
_shapes: Lru[int, tuple[OperationDefinitionNode, OperationShape]] = Lru(SHAPE_CACHE_SIZE)


def _shape(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> OperationShape:
    """The operation and its fragments as printed, and the variables an event reads."""
    found = _shapes.get(id(operation))
    if found is None:
        shape = (
            print_ast(operation),
            tuple(sorted(print_ast(f) for f in fragments.values())),
            _event_variables(operation, fragments),
        )
        found = (operation, shape)
        _shapes.put(id(operation), found)
    return found[1]


def subscription_key(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
    context: Any,
) -> Hashable:
    """What decides a subscription's result for an event, besides the event: the operation
    and fragments as printed, the variables read per event, the viewer. The same for the
    subscription's executor and for its resolver's info."""
    printed, printed_fragments, event_variables = _shape(operation, fragments)
    read = {name: variables.coerced.get(name) for name in event_variables}
    return (
        printed,
        printed_fragments,
        json.dumps(read, sort_keys=True, default=repr),
        getattr(context, "viewer", None),
    )


class SharedEventExecutor(Executor[Any]):
    """A mixin for the schema's executor class: event results shared through ``cache`` (both
    set by ``shared_event_executor``)."""

    cache: ClassVar[ResultCache]
    shared_key: Hashable = None  # the subscription's key, computed once when it is built

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        executor = super().build(*args, **kwargs)
        if isinstance(executor, SharedEventExecutor):  # otherwise: errors, returned as they are
            executor.shared_key = subscription_key(
                executor.operation,
                executor.fragment_definitions,
                executor.variable_values,
                executor.context_value,
            )
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        # Per-event executors are copies of the subscription's with the event as root value.
        event_key = getattr(self.root_value, "event_key", None)
        if event_key is None or self.shared_key is None:
            return super().execute_operation(serially)
        key = (self.shared_key, event_key)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._store_when_done(key, result)
        self.cache.put(key, result)  # type: ignore[arg-type]
        return result

    async def _store_when_done(
        self, key: tuple[Hashable, Hashable], pending: Awaitable[Any]
    ) -> Any:
        result = await pending
        self.cache.put(key, result)
        return result


def shared_event_executor(
    base: type[Executor[Any]], cache: ResultCache
) -> type[SharedEventExecutor]:
    """``base`` (the schema's executor class) sharing ``cache`` among its subscriptions: one
    cache per schema, as a cache must not outlive the store whose events it holds."""
    return type("SharedEventExecutor", (SharedEventExecutor, base), {"cache": cache})
