"""Maps a connector kind name to its class; an unknown kind lists the known ones."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from connectors.base import Connector
from hub.config import ConnectorConfig, HubConfig
from hub.errors import ConfigError

# kind -> "module:Class", imported on first use so that a kind's driver loads only when used.
KINDS: dict[str, str] = {
    "sql": "connectors.sql:SqlConnector",
    "csv": "connectors.csv:CsvConnector",
    "excel": "connectors.excel:ExcelConnector",
    "http": "connectors.http:HttpConnector",
    "push": "connectors.push:PushConnector",
}


def connector_class(kind: str) -> type[Connector[Any]]:
    module_name, _, class_name = KINDS[kind].partition(":")
    found: type[Connector[Any]] = getattr(import_module(module_name), class_name)
    return found


def build_connector(config: ConnectorConfig, hub_config: HubConfig) -> Connector[Any]:
    if config.kind not in KINDS:
        raise ConfigError(
            hub_config.path or "<config>",
            f"connectors.{config.name}.kind",
            f"unknown connector kind {config.kind!r}; known: {', '.join(sorted(KINDS))}",
        )
    return connector_class(config.kind)(config, hub_config)
