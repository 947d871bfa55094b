"""The reports kept on disk (``[reports] directory``): ``weekly/2014-W52.html`` and the same
report as ``.md``, ``.csv`` and ``.json``, written together so that every format of a kept
week shows the same numbers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hub.weeks import IsoWeek, MalformedWeekError
from schema.report.render import FORMATS
from schema.report.weekly import WeeklyReport


@dataclass(frozen=True, slots=True)
class KeptReport:
    week: IsoWeek
    formats: tuple[str, ...]


class ReportArchive:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, week: IsoWeek, format: str) -> Path:
        return self.directory / "weekly" / f"{week}.{format}"

    def has(self, week: IsoWeek) -> bool:
        return self.path(week, "html").is_file()

    def keep(self, report: WeeklyReport) -> Path:
        """Write the report in every format (each file replaced whole); the HTML's path."""
        for name, format in FORMATS.items():
            target = self.path(report.week, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".partial")
            partial.write_text(format.render(report), encoding="utf-8")
            os.replace(partial, target)
        return self.path(report.week, "html")

    def kept(self) -> list[KeptReport]:
        """The weeks kept, newest first, with their formats."""
        found: dict[IsoWeek, list[str]] = {}
        folder = self.directory / "weekly"
        if not folder.is_dir():
            return []
        for file in folder.iterdir():
            stem, _, suffix = file.name.partition(".")
            if suffix not in FORMATS:
                continue
            try:
                found.setdefault(IsoWeek.parse(stem), []).append(suffix)
            except MalformedWeekError:
                continue
        return [
            KeptReport(week, tuple(name for name in FORMATS if name in found[week]))
            for week in sorted(found, reverse=True)
        ]
