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
from collections.abc import Awaitable, Hashable
from typing import Any, ClassVar

from graphql import ExecutionResult, FieldNode, Node, VariableNode, Visitor, print_ast, visit
from graphql.execution import Executor

from hub.lru import Lru

# Distinct (subscription, event) results kept: enough for a burst of changes to reach every
# subscriber of a few hundred distinct subscriptions before its entries are evicted.
RESULT_CACHE_SIZE = 8192


class ResultCache(Lru[tuple[Hashable, Hashable], ExecutionResult]):
    """The least recently used results, by (subscription key, event key)."""

    def __init__(self, size: int = RESULT_CACHE_SIZE) -> None:
        super().__init__(size)

    @property
    def executions(self) -> int:
        """Results executed rather than served from the cache."""
        return self.stored


def _event_variables(executor: Executor) -> list[str]:
    """The variables that an event's execution reads. The root field's arguments are left out:
    they choose the events (in the subscription's resolver), while each event's root field
    resolves to the event itself, so that subscribers resuming from different ``after`` seqs
    still share results."""
    used: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            used.add(node.name.value)

    parts: list[Node] = [
        *(executor.operation.directives or ()),
        *executor.fragment_definitions.values(),
    ]
    for selection in executor.operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            parts += selection.directives or ()
            parts += [selection.selection_set] if selection.selection_set else []
        else:
            parts.append(selection)
    for part in parts:
        visit(part, Collect())
    return sorted(used)


def subscription_key(executor: Executor) -> Hashable:
    """What decides a subscription's result for an event, besides the event: the operation
    and fragments as printed, the variables read per event, the viewer."""
    fragments = sorted(print_ast(f) for f in executor.fragment_definitions.values())
    coerced = executor.variable_values.coerced
    variables = {name: coerced.get(name) for name in _event_variables(executor)}
    viewer = getattr(executor.context_value, "viewer", None)
    return (
        print_ast(executor.operation),
        tuple(fragments),
        json.dumps(variables, sort_keys=True, default=repr),
        viewer,
    )


class SharedEventExecutor(Executor):
    """A mixin for the schema's executor class: event results shared through ``cache`` (both
    set by ``shared_event_executor``)."""

    cache: ClassVar[ResultCache]
    shared_key: Hashable = None  # the subscription's key, computed once when it is built

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        executor = super().build(*args, **kwargs)
        if isinstance(executor, SharedEventExecutor):  # otherwise: errors, returned as they are
            executor.shared_key = subscription_key(executor)
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


def shared_event_executor(base: type[Executor], cache: ResultCache) -> type[SharedEventExecutor]:
    """``base`` (the schema's executor class) sharing ``cache`` among its subscriptions: one
    cache per schema, as a cache must not outlive the store whose events it holds."""
    return type("SharedEventExecutor", (SharedEventExecutor, base), {"cache": cache})
