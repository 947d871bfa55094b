"""The one interface every source adapter implements.

A connector reads raw rows (column name -> value, exactly as the source holds them) from the
streams its config declares; the sync engine maps, validates, diffs and stores them. Connectors
never write to the store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast, get_args, get_origin

from pydantic import BaseModel, ValidationError

from hub.config import ConnectorConfig, HubConfig, StreamConfig
from hub.errors import ConfigError
from hub.source import RawRow, ReadRequest, SourceColumns

__all__ = ["Connector", "OptionsT", "RawRow", "ReadRequest", "SourceColumns"]

OptionsT = TypeVar("OptionsT", bound=BaseModel)
ModelT = TypeVar("ModelT", bound=BaseModel)


class Connector(ABC, Generic[OptionsT]):
    """A source of department records (the core's ``hub.source.Source``), generic over the
    model of its ``options`` table: ``class SqlConnector(Connector[SqlOptions])``. Subclasses set
    ``kind``, and ``StreamOptions`` when a stream's ``options`` table says where its records are
    (a file pattern, an endpoint)."""

    kind: ClassVar[str]
    # Set from the class's generic argument (``Connector[SqlOptions]`` -> SqlOptions).
    Options: ClassVar[type[BaseModel]]
    StreamOptions: ClassVar[type[BaseModel] | None] = None
    supports_expressions: ClassVar[bool] = False
    options: OptionsT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            origin = get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Connector):
                (argument,) = get_args(base)
                if isinstance(argument, type) and issubclass(argument, BaseModel):
                    cls.Options = argument

    def __init__(self, config: ConnectorConfig, hub_config: HubConfig) -> None:
        self.config = config
        self.hub_config = hub_config
        self.name = config.name
        # Options is the class's OptionsT (set by __init_subclass__), which a ClassVar can't say.
        self.options = cast(
            OptionsT, self._validate(self.Options, config.options, f"connectors.{config.name}")
        )
        self._stream_options: dict[str, BaseModel] = {}
        if self.StreamOptions is not None:
            for stream in config.streams:
                self._stream_options[stream.stream_name] = self._validate(
                    self.StreamOptions,
                    stream.options,
                    f"connectors.{config.name}.streams.{stream.stream_name}.options",
                )
        if not self.supports_expressions:
            for stream in config.streams:
                for field, mapping in stream.fields.items():
                    if mapping.expr is not None:
                        key_path = f"connectors.{config.name}.streams.{stream.stream_name}"
                        raise ConfigError(
                            hub_config.path or "<config>",
                            f"{key_path}.fields.{field}",
                            f"'expr' needs a SQL source; a {self.kind} connector reads columns",
                        )

    def _validate(self, model: type[ModelT], data: Mapping[str, Any], key_path: str) -> ModelT:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            path = ".".join(str(p) for p in error["loc"])
            raise ConfigError(
                self.hub_config.path or "<config>",
                f"{key_path}.{path}",
                error["msg"] if error["type"] != "missing" else "required key is missing",
            ) from None

    def stream_options(self, stream: StreamConfig, model: type[ModelT]) -> ModelT:
        """``stream``'s validated options, as the ``model`` (this kind's ``StreamOptions``)."""
        options = self._stream_options[stream.stream_name]
        assert isinstance(options, model), (type(options), model)
        return options

    @abstractmethod
    async def check(self) -> str:
        """Reach the source and describe it in one line; raise ``SourceError`` if it cannot."""

    @abstractmethod
    async def columns(self, stream: StreamConfig) -> SourceColumns:
        """The source's columns for ``stream`` (to check the mapping and detect drift)."""

    @abstractmethod
    def read(self, request: ReadRequest) -> AsyncIterator[list[RawRow]]:
        """Yield batches of raw rows holding the request's wanted columns (see
        ``hub.source.ReadRequest``)."""

    async def committed(self, stream: StreamConfig, batch: list[RawRow]) -> None:  # noqa: B027
        """Called once the transaction holding ``batch`` (a list ``read`` yielded) committed,
        batches in the order they were read; a source with bookkeeping of its own (which files
        were applied) records it here, never earlier."""

    def failures(self) -> list[str]:
        """The parts of the source the last ``read`` skipped as a whole (drop files that do not
        decode), each with its reason: the run is partial, not a plain success."""
        return []

    async def pending(self, stream: StreamConfig, cursor: Any) -> int | None:
        """How many source rows lie past ``cursor`` (the lag of the store behind the source);
        None where the source cannot tell cheaply."""
        return None

    async def code_table(self, table: str, code: str, value: str) -> dict[str, str]:
        """Read a code table (代码表) from the source; only sources with tables have them."""
        raise ConfigError(
            self.hub_config.path or "<config>",
            f"connectors.{self.name}.value_maps",
            f"a {self.kind} connector has no tables to read a code table from",
        )

    async def close(self) -> None:  # noqa: B027 - optional hook, most connectors hold nothing
        """Release what the connector holds open (engines, clients)."""
