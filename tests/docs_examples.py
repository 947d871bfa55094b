"""The examples of the README and of ``docs/``: every fenced code block, where it stands and
in which language, for the tests that run them (``tests/test_docs.py`` and the tests of each
topic's figures)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "README.zh.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


@dataclass(frozen=True, slots=True)
class Example:
    document: Path
    line: int
    language: str
    text: str
    heading: str

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line} ({self.heading})"


def examples(language: str | None = None, documents: list[Path] | None = None) -> list[Example]:
    """The fenced blocks of ``documents`` (default: all), of one ``language`` if given."""
    found = []
    for document in documents or DOCUMENTS:
        if not document.exists():
            continue
        text = document.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.M)
            example = Example(
                document, line, match.group(1), match.group(2), headings[-1] if headings else ""
            )
            if language is None or example.language == language:
                found.append(example)
    return found


def section_examples(document: str, heading: str, language: str) -> list[str]:
    """The ``language`` blocks of the section of ``document`` (relative to the repository)
    whose heading starts with ``heading``."""
    return [
        example.text
        for example in examples(language, [ROOT / document])
        if example.heading.startswith(heading)
    ]
