"""Every benchmark command in docs/benchmarks.md names a bench module that declares the options
it is shown with (the benchmarks themselves take minutes; their ``--help`` alone, a second or
more each, is read here from the module's ``add_argument`` calls)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


def _commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line.partition("#")[0])
            if "-m" in words and words[words.index("-m") + 1].startswith("bench."):
                commands.append(words[words.index("-m") + 1 :])
    return commands


def test_every_benchmark_command_takes_its_options() -> None:
    commands = _commands()
    assert {c[0] for c in commands} >= {"bench.sync_large", "bench.serve_workers"}
    for module, *arguments in commands:
        source = (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        declared = set(re.findall(r"add_argument\(\s*\"(--[a-z-]+)\"", source))
        for option in (a.partition("=")[0] for a in arguments if a.startswith("--")):
            assert option in declared, f"{module} has no option {option}"
