"""Writes the demo's hub.toml: the store next to the file, one SQL connector per department
source, and which connector is authoritative for which entity."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hub.demo.catalogue import DEPARTMENT_CODES, build_catalogue
from hub.demo.dataset import AS_OF
from hub.demo.names import DISTRICTS
from hub.demo.planted import COMPLETION_ACCEPTANCES, CONSTRUCTION_PERMITS, permit_codes
from hub.demo.signing import keys_config
from hub.demo.sources import SOURCES, System

STORE_URL = "sqlite+aiosqlite:///hub.db"
# A filing's own department's system wins over the copies other systems keep (ZJJ's of the
# planning permits it checks).
AUTHORITY = {
    "department": "platform",
    "matter": "platform",
    "project": "fgw",
    "filing": "department",
}

PROVINCE = ("440000", "广东省")
CITY = "440300"  # 深圳市; its districts' parent
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


RECONCILE_SCHEDULE = "30 2 * * *"  # the nightly key scan for deletes
OVERLAP = "10m"  # re-read window below the cursor for rows department systems commit late


def hub_config() -> dict[str, Any]:
    """The demo configuration as data (what ``hub.config.parse_config`` accepts)."""
    return {
        "store": {"url": STORE_URL},
        # The demo's data stops at its day: time limits and alerts are judged as of then.
        "supervision": {"as_of": AS_OF.date().isoformat()},
        # Callers without a token read the public view; demo/tokens.toml has a token per role.
        "security": {"anonymous": "public"},
        "checks": demo_checks(),
        "authority": dict(AUTHORITY),
        "divisions": divisions(),
        # Each department's demo signing key (hub.demo.signing).
        "keys": keys_config(DEPARTMENT_CODES),
        "connectors": [_with_sync_discipline(s) for s in SOURCES.values()],
    }


def divisions() -> list[dict[str, str]]:
    """The demo region's administrative divisions: Guangdong, Shenzhen and its districts."""
    listed = [{"code": PROVINCE[0], "name": PROVINCE[1]}]
    for code, name in DISTRICTS.items():
        parent = PROVINCE[0] if code == CITY else CITY
        listed.append({"code": code, "name": name, "parent": parent})
    return listed


def demo_checks() -> dict[str, Any]:
    """``[checks]`` of the demo: which of its matters are construction permits and completion
    acceptances (the catalogue's codes do not vary with the seed)."""
    catalogue = build_catalogue(2014, AS_OF)
    return {
        "construction_permit_matters": permit_codes(catalogue, CONSTRUCTION_PERMITS),
        "completion_acceptance_matters": permit_codes(catalogue, COMPLETION_ACCEPTANCES),
    }


def _with_sync_discipline(system: System) -> dict[str, Any]:
    # Row versions (rjw's SCN) grow at commit, so streams that follow them need no overlap.
    versions = None if system.versions is None else system.versions.column
    connector = system.connector()
    streams = [
        {**s, "overlap": OVERLAP} if s.get("cursor") != versions else s
        for s in connector["streams"]
    ]
    return {**connector, "reconcile_schedule": RECONCILE_SCHEDULE, "streams": streams}


def write_config(path: Path) -> Path:
    path.write_text(render(hub_config()), encoding="utf-8")
    return path


def render(config: Mapping[str, Any]) -> str:
    """TOML for the demo config: tables, arrays of tables, inline tables for field mappings."""
    lines = [
        "# Xietong Hub demo: five department systems of the Shenzhen 2014 seed data.",
        "# Written by `hub demo` (hub.demo.build_demo); relative paths are relative to this file.",
        "",
        "[store]",
        f"url = {_value(config['store']['url'])}",
        "",
        "[supervision]",
        f"as_of = {_value(config['supervision']['as_of'])}",
        "",
        "# Callers without a token read the public view; demo/tokens.toml (written by",
        "# `hub demo`) holds a token per role and per department: see docs/security.md.",
        "[security]",
        f"anonymous = {_value(config['security']['anonymous'])}",
        "",
        "[checks]",
    ]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in config["checks"].items()]
    lines += [
        "",
        "[authority]",
    ]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in config["authority"].items()]
    for division in config["divisions"]:
        lines += ["", "[[divisions]]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in division.items()]
    for department, keys in config["keys"].items():
        for key in keys:
            lines += ["", f"[[keys.{department}]]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in key.items()]
    for connector in config["connectors"]:
        lines += ["", "[[connectors]]"]
        scalars = {k: v for k, v in connector.items() if k not in ("value_maps", "streams")}
        lines += [f"{_key(k)} = {_value(v)}" for k, v in scalars.items()]
        if connector.get("value_maps"):
            lines += ["", "[connectors.value_maps]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in connector["value_maps"].items()]
        for stream in connector.get("streams", ()):
            lines += ["", "[[connectors.streams]]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in stream.items() if k != "fields"]
            lines += ["", "[connectors.streams.fields]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in stream["fields"].items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    """Codes such as 00 or 10 are quoted so nobody reads them as numbers."""
    bare = _BARE_KEY.match(key) and not key.isdigit()
    return key if bare else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if "\n" in value and "'''" not in value:
            return "'''\n" + value + "\n'''"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")
