from __future__ import annotations

import pytest

from hub.config import ServerConfig
from hub.store import Store
from schema.context import Context
from schema.errors import UserInputError


def test_each_context_has_fresh_loaders_and_the_page_limits(tmp_path) -> None:  # noqa: ANN001
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    server = ServerConfig(default_page_size=7, max_page_size=9)
    first, second = Context.create(store, server), Context.create(store, server)
    assert first.store is store and first.loaders.store is store
    assert first.loaders is not second.loaders
    assert first.loaders.project is not second.loaders.project
    assert first.page_size(None) == 7
    assert first.page_size(9) == 9
    with pytest.raises(UserInputError, match="at most 9"):
        first.page_size(10)
    defaults = Context.create(store)
    assert (defaults.default_page_size, defaults.max_page_size) == (20, 500)
