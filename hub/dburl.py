"""Database URLs: users write the plain scheme, the hub picks the asyncio driver."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "mysql": "mysql+aiomysql",
    "mariadb": "mysql+aiomysql",
}


def async_url(url: str | URL) -> URL:
    """Return ``url`` with an asyncio driver: ``postgresql://`` becomes ``postgresql+asyncpg://``."""
    parsed = make_url(url)
    if "+" in parsed.drivername:
        return parsed
    driver = ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(
            f"unsupported database {parsed.drivername!r}; known: {', '.join(sorted(ASYNC_DRIVERS))}"
        )
    return parsed.set(drivername=driver)


def redact(url: str | URL) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)
