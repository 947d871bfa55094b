"""Every example of the README and of ``docs/`` is run, so that none of them can drift: GraphQL
is validated against the schema and queries are executed on the demo; TOML is parsed and
validated as a ``hub.toml``; every ``hub``, ``make``, ``python -m`` and ``curl`` command line is
checked against the CLI, the Makefile, the modules and the app's routes; the newcomer's first
connector is followed step by step; the Python clients are run against a live hub."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from graphql import OperationDefinitionNode, OperationType, parse, validate
from standardwebhooks import Webhook

from hub.calendar import standard_calendar
from hub.cli import app as cli_app
from hub.cli.reference import render
from hub.config import load_config, parse_config
from hub.http.app import create_app
from hub.sla import FilingClock, Supervision
from schema import build_schema
from schema.context import Context
from schema.engine.internals import graphql_schema
from tests.demo_support import SyncedDemo
from tests.docs_examples import DOCUMENTS, ROOT, Example, examples, section_examples
from tests.feed_support import live_server

pytestmark = pytest.mark.anyio

DEMO_DAY = date(2014, 12, 31)
# Values for the variables the documented operations declare, by name.
VARIABLES: dict[str, Any] = {"district": "440304", "first": 20, "code": "2012-440300-47-01-000004"}
# Commands whose every use in the docs is checked; other programs (curl's peers, psql...) are
# the reader's own.
CHECKED_PROGRAMS = {"hub", "make", "python", "curl"}


def ids(found: list[Example]) -> list[str]:
    return [example.where for example in found]


GRAPHQL = examples("graphql")
TOML = examples("toml")
PYTHON = examples("python")
SHELL = [e for e in examples() if e.language in ("sh", "console", "bash")]


def test_the_docs_have_examples_of_each_kind() -> None:
    assert len(GRAPHQL) >= 10 and len(TOML) >= 8 and len(PYTHON) >= 3 and len(SHELL) >= 8


@pytest.mark.parametrize("example", GRAPHQL, ids=ids(GRAPHQL))
def test_every_graphql_example_is_valid_against_the_schema(example: Example) -> None:
    errors = validate(graphql_schema(build_schema()), parse(example.text))
    assert errors == [], f"{example.where}: {errors}"


def operations(example: Example) -> list[OperationDefinitionNode]:
    return [d for d in parse(example.text).definitions if isinstance(d, OperationDefinitionNode)]


QUERIES = [e for e in GRAPHQL if all(o.operation is OperationType.QUERY for o in operations(e))]


@pytest.mark.parametrize("example", QUERIES, ids=ids(QUERIES))
async def test_every_documented_query_runs_on_the_demo(
    example: Example, synced_demo: SyncedDemo
) -> None:
    (operation,) = operations(example)
    names = [v.variable.name.value for v in operation.variable_definitions or ()]
    missing = [name for name in names if name not in VARIABLES]
    assert not missing, f"{example.where}: give ${missing} a value in VARIABLES"
    supervision = Supervision(FilingClock(synced_demo.store, standard_calendar()), DEMO_DAY)
    result = await build_schema().execute(
        example.text,
        variable_values={name: VARIABLES[name] for name in names},
        context_value=Context.create(synced_demo.store, supervision=supervision),
    )
    assert result.errors is None, f"{example.where}: {result.errors}"


def environment_names(text: str) -> set[str]:
    return set(re.findall(r"\$\{(\w+)", text))


@pytest.mark.parametrize("example", TOML, ids=ids(TOML))
def test_every_toml_example_is_a_valid_hub_toml(
    example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block is validated as it stands, over a store of its own when it names none: the
    sections of a whole hub.toml shown one at a time are each valid."""
    for name in environment_names(example.text):
        monkeypatch.setenv(name, "secret")
    data = tomllib.loads(example.text)
    assert not isinstance(data.get("connectors"), dict), (
        f"{example.where}: [[connectors.streams]] without its [[connectors]]"
    )
    parse_config({"store": {"url": "sqlite:///hub.db"}} | data, example.where)


def command_lines(example: Example) -> Iterator[list[str]]:
    """The command lines of a shell block, continuations and quotes across lines joined;
    prompts, comments and the output shown after a console prompt left out."""
    lines = iter(example.text.replace("\\\n", " ").splitlines())
    for line in lines:
        if example.language == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        while True:
            try:
                words = shlex.split(line, comments=True)
                break
            except ValueError:  # a quote that closes on a later line
                line += "\n" + next(lines)
        while words and re.fullmatch(r"\w+=\S*", words[0]):  # VAR=value in front
            words.pop(0)
        if words:
            words[0] = Path(words[0]).name  # .venv/bin/python -> python
            yield words


COMMANDS = [
    (example, words)
    for example in SHELL
    for words in command_lines(example)
    if words[0] in CHECKED_PROGRAMS
]


def check_hub_command(arguments: list[str]) -> None:
    """Parse ``hub ARGUMENTS`` the way the CLI would, without running it."""
    command: click.Command = typer.main.get_command(cli_app)
    name = "hub"
    while True:
        context = command.make_context(name, list(arguments))
        if not isinstance(command, click.Group):
            return
        rest = [*context._protected_args, *context.args]
        assert rest, f"hub {name}: a subcommand is missing"
        found, sub, arguments = command.resolve_command(context, rest)
        assert sub is not None and found is not None
        name, command = found, sub


def check_route(url: str) -> None:
    path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
    routes = create_app(parse_config({"store": {"url": "sqlite:///:memory:"}})).routes
    assert any(route.path_regex.match(path) for route in routes), f"no route serves {path}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("example", "words"), COMMANDS, ids=[f"{e.where}: {' '.join(w)}" for e, w in COMMANDS]
)
def test_every_documented_command_exists(example: Example, words: list[str]) -> None:
    program, arguments = words[0], words[1:]
    if program == "hub":
        check_hub_command(arguments)
    elif program == "make":
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        for target in arguments:
            assert re.search(rf"^{target}:", makefile, re.M), f"no make target {target}"
    elif program == "python":
        spec = find_spec(arguments[1]) if arguments[0] == "-m" else None
        assert spec is not None and spec.origin, f"no module {arguments[1:2]}"
        if arguments[1].startswith("bench."):  # a benchmark takes the options it is shown with
            source = Path(spec.origin).read_text(encoding="utf-8")
            declared = set(re.findall(r'add_argument\(\s*"(--[a-z-]+)"', source))
            for option in (a.partition("=")[0] for a in arguments[2:] if a.startswith("--")):
                assert option in declared, f"{arguments[1]} has no option {option}"
    else:
        (url,) = [word for word in arguments if word.startswith("http")]
        check_route(url)


def hub_cli() -> list[str]:
    """The ``hub`` command of this environment, as a new user runs it."""
    return [sys.executable, "-m", "hub"]


def test_the_first_own_connector_works_as_the_readme_says(tmp_path: Path) -> None:
    """Step by step, in an empty folder: the Python block makes the source, the TOML block is
    hub.toml, the GraphQL block page.graphql, and every command runs; the CSV is as shown."""
    heading = "Your first own connector"
    (make_source,) = section_examples("README.md", heading, "python")
    (hub_toml,) = section_examples("README.md", heading, "toml")
    (page,) = section_examples("README.md", heading, "graphql")
    (tmp_path / "make_source.py").write_text(make_source, encoding="utf-8")
    (tmp_path / "hub.toml").write_text(hub_toml, encoding="utf-8")
    (tmp_path / "page.graphql").write_text(page, encoding="utf-8")
    subprocess.run([sys.executable, "make_source.py"], cwd=tmp_path, check=True)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    blocks = [e for e in SHELL if e.document.name == "README.md" and e.heading.startswith(heading)]
    for block in blocks:
        for words in command_lines(block):
            done = subprocess.run(
                [*hub_cli(), *words[1:]], cwd=tmp_path, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, f"{' '.join(words)}:\n{done.stdout}{done.stderr}"
            shown = block.text.split(f"$ {' '.join(words)}\n", 1)[1].split("$ ", 1)[0]
            if shown.strip():
                assert done.stdout.strip() == shown.strip()


def feed_example(name: str) -> str:
    (text,) = [e.text for e in PYTHON if e.document.name == "feed.md" and name in e.text]
    return text


def run_example(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(text, "docs/feed.md", "exec"), namespace)  # noqa: S102 - our own docs
    return namespace


async def test_the_subscription_client_of_the_docs_follows_the_demo(
    synced_demo: SyncedDemo, tmp_path: Path
) -> None:
    client = run_example(feed_example("async def follow"))
    client["LAST_SEQ"] = tmp_path / "last_seq.txt"
    client["save_last_seq"](0)  # from the start of the log
    app = create_app(load_config(synced_demo.config_path), store=synced_demo.store)
    printed = io.StringIO()
    async with live_server(app) as address:
        client["HUB"] = f"ws://{address}/graphql"
        with contextlib.redirect_stdout(printed):
            with pytest.raises(TimeoutError):  # it follows the feed until stopped
                await asyncio.wait_for(client["follow"](client["load_last_seq"]()), 5)
    lines = printed.getvalue().splitlines()
    assert lines, "no change arrived"
    seqs = [int(line.split()[0]) for line in lines]
    assert seqs == sorted(seqs) and client["load_last_seq"]() == seqs[-1]
    assert {line.split()[1] for line in lines} <= {"outcome", "filing"}


def test_the_webhook_receiver_of_the_docs_verifies_and_drops_repeats() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver = run_example(feed_example("def receive").replace('"whsec_..."', repr(secret)))
    change = {"seq": 7, "entity": "outcome", "key": "K", "field": None, "newValue": {"a": 1}}
    body = json.dumps({"type": "change.created", "data": change})
    timestamp = datetime.now(UTC)
    headers = {
        "webhook-id": "chg_7",
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign("chg_7", timestamp, body),
    }
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert receiver["receive"](body.encode(), headers) == 200
        assert receiver["receive"](body.encode(), headers) == 200  # a repeat: not applied
        assert receiver["receive"](body.replace("7", "8").encode(), headers) == 400
    assert printed.getvalue().splitlines() == ["7 outcome K None {'a': 1}"]


@pytest.mark.parametrize("example", PYTHON, ids=ids(PYTHON))
def test_every_python_example_compiles(example: Example) -> None:
    compile(example.text, example.where, "exec")


def test_the_reference_is_generated_from_the_code() -> None:
    written = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert written == render(), "run `hub reference > docs/reference.md`"


def test_the_chinese_readme_walks_through_the_same_connector() -> None:
    """README.zh.md's steps are the English ones (which the test above runs), block for block."""
    english = section_examples("README.md", "Your first own connector", "python")
    english += section_examples("README.md", "Your first own connector", "toml")
    chinese = section_examples("README.zh.md", "第一个自己的连接器", "python")
    chinese += section_examples("README.zh.md", "第一个自己的连接器", "toml")
    assert chinese == english
    steps = [e.text for e in SHELL if e.heading.startswith(("Your first own", "第一个自己的"))]
    assert len(steps) == 4 and steps[:2] == steps[2:]


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.name for d in DOCUMENTS])
def test_every_link_between_the_documents_leads_somewhere(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text):
        assert (document.parent / target).exists(), f"{document.name} links to {target}"
