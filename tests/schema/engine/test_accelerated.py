"""The switch: ``accelerate=False`` and ``HUB_ACCELERATE=0`` give plain strawberry, schema and
view alike, which is what the reference run of ``tests/schema`` relies on."""

from __future__ import annotations

import pytest
from strawberry.asgi import GraphQL
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.config import HubConfig
from hub.http.app import HubGraphQL
from schema import build_schema
from schema.engine.accelerated import ACCELERATE_ENV, Accelerated, AccelerateSettingError
from schema.engine.fast_fields import FastFieldExecutor
from schema.engine.internals import graphql_schema
from schema.engine.live_delivery import LiveOperationHandler
from schema.engine.time_slices import time_sliced


def test_the_reference_path_is_plain_strawberry() -> None:
    plain = build_schema(accelerate=False)
    assert not isinstance(plain, Accelerated)
    # Time slices (a limit) wrap the executor on both paths; nothing else does.
    assert plain.execution_context_class is time_sliced(StrawberryGraphQLCoreExecutionContext)
    graphql = graphql_schema(plain)
    # Resolvers and the subscription's event stream are strawberry's own.
    matter = graphql.type_map["Filing"].fields["matter"]  # type: ignore[union-attr]
    assert not matter.resolve.__qualname__.startswith("_direct_resolver")  # type: ignore[union-attr]
    changes = graphql.subscription_type.fields["changes"]  # type: ignore[union-attr]
    assert "subscribe_directly" not in changes.subscribe.__qualname__  # type: ignore[union-attr]

    fast = build_schema(accelerate=True)
    assert isinstance(fast, Accelerated)
    assert fast.execution_context_class is time_sliced(FastFieldExecutor)
    changes = graphql_schema(fast).subscription_type.fields["changes"]  # type: ignore[union-attr]
    assert "subscribe_directly" in changes.subscribe.__qualname__  # type: ignore[union-attr]


@pytest.mark.parametrize(("setting", "on"), [("1", True), ("0", False), (" 0 ", False)])
def test_the_environment_switches_schema_and_view(
    monkeypatch: pytest.MonkeyPatch, setting: str, on: bool
) -> None:
    monkeypatch.setenv(ACCELERATE_ENV, setting)
    view = HubGraphQL(HubConfig())
    assert isinstance(view.schema, Accelerated) is on
    handler = LiveOperationHandler if on else GraphQL.graphql_transport_ws_handler_class
    assert view.graphql_transport_ws_handler_class is handler
    assert (view.frames is not None) is on
    # An explicit choice wins over the environment.
    assert isinstance(build_schema(accelerate=not on), Accelerated) is not on


def test_accelerations_are_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ACCELERATE_ENV)
    assert isinstance(build_schema(), Accelerated)
    monkeypatch.setenv(ACCELERATE_ENV, "off")
    with pytest.raises(AccelerateSettingError, match="HUB_ACCELERATE must be 1 .* or 0 .*'off'"):
        build_schema()
