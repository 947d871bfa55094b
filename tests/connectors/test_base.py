from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ConfigDict

from connectors.base import Connector, RawRow, ReadRequest, SourceColumns
from connectors.registry import KINDS, connector_class
from hub.config import StreamConfig, parse_config
from hub.errors import ConfigError


class GreetingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    greeting: str


class GreetingConnector(Connector[GreetingOptions]):
    kind = "greeting"

    async def check(self) -> str:
        return self.options.greeting

    async def columns(self, stream: StreamConfig) -> SourceColumns:
        return SourceColumns.named_by(stream)

    async def read(self, request: ReadRequest) -> AsyncIterator[list[RawRow]]:
        yield [{"code": self.options.greeting}]


def _config(options: dict[str, Any]) -> Any:
    config = parse_config(
        {
            "store": {"url": "sqlite+aiosqlite:///:memory:"},
            "connectors": [{"name": "hello", "kind": "greeting", **options}],
        },
        "hub.toml",
    )
    return config.connectors[0], config


def test_the_options_model_comes_from_the_generic_argument() -> None:
    assert GreetingConnector.Options is GreetingOptions
    connector_config, hub_config = _config({"greeting": "你好"})
    connector = GreetingConnector(connector_config, hub_config)
    assert isinstance(connector.options, GreetingOptions)
    assert connector.options.greeting == "你好"


def test_bad_options_name_the_key_path() -> None:
    connector_config, hub_config = _config({"greting": "typo"})
    with pytest.raises(ConfigError, match=r"connectors\.hello\.greet"):
        GreetingConnector(connector_config, hub_config)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_registered_kind_declares_its_options_model_as_its_generic_argument(
    kind: str,
) -> None:
    cls = connector_class(kind)
    declared = [
        argument
        for base in cls.__mro__
        for generic in getattr(base, "__orig_bases__", ())
        for argument in get_args(generic)
        if isinstance(argument, type)
    ]
    assert declared and cls.Options is declared[0]
    assert issubclass(cls.Options, BaseModel)
