from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import CodeTable, load_config, parse_config
from hub.errors import ConfigError, UnknownNameError

MINIMAL = """
[store]
url = "sqlite:///hub.db"

[[connectors]]
name = "fgw"
kind = "sql"
url = "${FGW_URL}"
department = "FGW"
schedule = "every 10m"
value_maps.zt = { "1" = "APPROVED" }
value_maps.xmzt = { table = "DM_XMZT", code = "DM", value = "MC" }

[[connectors.streams]]
entity = "project"
table = "XM_JBXX"
cursor = "GXSJ"
fields = { code = "XMDM", name = "XMMC", status = { column = "XMZT", map = "xmzt" } }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_config_with_secrets_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FGW_URL", "postgresql://fgw:s3cret@db/fgw")
    config = load_config(write(tmp_path, MINIMAL))
    connector = config.connector("fgw")
    assert connector.options == {"url": "postgresql://fgw:s3cret@db/fgw"}
    assert isinstance(connector.value_maps["xmzt"], CodeTable)
    assert connector.value_maps["zt"] == {"1": "APPROVED"}
    assert connector.streams[0].fields["code"].column == "XMDM"
    assert config.resolve_url(config.store.url) == f"sqlite:///{tmp_path / 'hub.db'}"
    assert config.resolve_url("sqlite:////abs/hub.db") == "sqlite:////abs/hub.db"


def test_a_missing_environment_variable_names_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FGW_URL", raising=False)
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, MINIMAL))
    assert str(caught.value).endswith(
        "hub.toml: connectors[0].url: environment variable FGW_URL is not set"
    )


def test_env_default_is_used_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_STORE", raising=False)
    config = parse_config({"store": {"url": "${HUB_STORE:-sqlite:///x.db}"}})
    assert config.store.url == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("data", "key_path", "problem"),
    [
        ({"store": {"uri": "x"}}, "store.uri", "unknown key"),
        ({"server": {"port": 70000}}, "server.port", "less than or equal to 65535"),
        ({"connectors": [{"kind": "sql"}]}, "connectors[0].name", "required key is missing"),
        (
            {"connectors": [{"name": "Bad Name", "kind": "sql"}]},
            "connectors[0].name",
            "should match pattern",
        ),
        (
            {"connectors": [{"name": "a", "kind": "sql", "schedule": "often"}]},
            "connectors[0].schedule",
            "neither a cron expression",
        ),
        (
            {"connectors": [{"name": "a", "kind": "sql", "timezone": "Beijing"}]},
            "connectors[0].timezone",
            "unknown timezone 'Beijing'",
        ),
        (
            {
                "connectors": [
                    {"name": "a", "kind": "sql", "streams": [{"entity": "permit", "fields": {}}]}
                ]
            },
            "connectors[0].streams[0].entity",
            "unknown entity 'permit'; known: department, division, filing",
        ),
        (
            {
                "connectors": [
                    {
                        "name": "a",
                        "kind": "sql",
                        "streams": [{"entity": "project", "fields": {"name": "X"}}],
                    }
                ]
            },
            "connectors[0].streams[0]",
            "the key field 'code' of project must be mapped",
        ),
        (
            {
                "connectors": [
                    {
                        "name": "a",
                        "kind": "sql",
                        "streams": [{"entity": "project", "fields": {"code": "X", "colour": "Y"}}],
                    }
                ]
            },
            "connectors[0].streams[0]",
            "unknown field(s) colour for entity project",
        ),
        (
            {
                "connectors": [
                    {
                        "name": "a",
                        "kind": "sql",
                        "streams": [
                            {
                                "entity": "project",
                                "fields": {"code": {"column": "X", "map": "nope"}},
                            }
                        ],
                    }
                ]
            },
            "connectors[0]",
            "uses value map 'nope', which is not defined",
        ),
        (
            {"connectors": [{"name": "a", "kind": "sql"}, {"name": "a", "kind": "sql"}]},
            "",
            "connector names must be unique; repeated: a",
        ),
        ({"authority": {"project": "ghost"}}, "", "names unknown connector 'ghost'"),
    ],
)
def test_errors_name_the_key_path_and_the_problem(data: dict, key_path: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "hub.toml")
    assert caught.value.file == "hub.toml"
    assert caught.value.key_path == key_path
    assert problem in caught.value.problem


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[store\nurl="))
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml")


def test_unknown_connector_lists_the_known_ones() -> None:
    config = parse_config(
        {"connectors": [{"name": "fgw", "kind": "sql"}, {"name": "ghj", "kind": "sql"}]}
    )
    with pytest.raises(UnknownNameError, match="unknown connector 'zjj'; known: fgw, ghj"):
        config.connector("zjj")
