"""A bounded map that keeps the most recently used entries."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most ``size`` values by key, the least recently used evicted first. ``stored`` counts
    the values put: the work done rather than found."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.stored = 0
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self.stored += 1
        self._values[key] = value
        if len(self._values) > self.size:
            self._values.popitem(last=False)
