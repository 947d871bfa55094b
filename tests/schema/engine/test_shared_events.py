"""What keys a subscription's shared event results (how many executions identical subscriptions
save is measured in ``tests/schema/test_changes.py``)."""

from __future__ import annotations

from collections.abc import Hashable

from graphql import parse
from graphql.execution import Executor

from schema import build_schema
from schema.engine.internals import graphql_schema
from schema.engine.shared_events import subscription_key


def test_a_subscription_key_holds_the_variables_events_read_but_not_root_arguments() -> None:
    schema = graphql_schema(build_schema(accelerate=True))
    document = parse(
        "subscription ($filter: ChangeFilter, $after: BigInt, $values: Boolean!) {"
        "  changes(filter: $filter, after: $after) { seq newValue @include(if: $values) } }"
    )

    def key(**variables: object) -> Hashable:
        executor = Executor.build(schema, document, None, None, variables)
        return subscription_key(
            executor.operation,
            executor.fragment_definitions,
            executor.variable_values,
            executor.context_value,
        )

    shown = key(after=1, values=True)
    # Where to resume and which events to pass choose the events, not how each one shows (the
    # cut of record values to a filter's fields is part of the event's own key).
    assert key(after=2, values=True) == shown
    assert key(after=1, filter={"entities": ["project"]}, values=True) == shown
    assert key(after=1, values=False) != shown
