"""Excel workbooks (.xlsx) in a drop folder (see ``connectors.files`` for how files are found
and recorded), read with openpyxl in read-only mode: rows stream from the zipped XML, so memory
does not grow with the sheet. Cells keep their types (dates as datetimes, numbers as numbers);
formulas give their cached values.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import ClassVar

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import Field

from connectors.files import DropOptions, DropStreamOptions, FileDropConnector, Records
from hub.config import StreamConfig

NOT_XLSX_HINT = "save it as an Excel workbook (.xlsx); old .xls files are not read"


class ExcelStreamOptions(DropStreamOptions):
    sheet: str | None = Field(default=None, description="Worksheet name (default: the first)")


class ExcelConnector(FileDropConnector[DropOptions]):
    kind = "excel"
    StreamOptions: ClassVar[type[ExcelStreamOptions]] = ExcelStreamOptions
    unit = "row"

    def records(self, path: Path, stream: StreamConfig) -> Records:
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise self.rejected(
                stream, path, f"not a readable workbook: {exc}", hint=NOT_XLSX_HINT
            ) from None
        try:
            sheet_name = self.stream_options(stream, ExcelStreamOptions).sheet
            if sheet_name is None:
                sheet = workbook.worksheets[0]
            elif sheet_name in workbook.sheetnames:
                sheet = workbook[sheet_name]
            else:
                raise self.rejected(
                    stream,
                    path,
                    f"the workbook has no sheet {sheet_name!r}",
                    hint=f"its sheets are: {', '.join(workbook.sheetnames)}",
                )
            # Some exporters write a wrong dimension (e.g. "A1") that would cut the sheet short.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(min_row=1, values_only=True)
            number = 0
            while True:
                try:
                    cells = next(rows, None)
                # A workbook can be damaged past its first rows (a truncated copy); whatever the
                # parser trips on there, the file as a whole is unusable.
                except Exception as exc:  # noqa: BLE001
                    raise self.rejected(
                        stream,
                        path,
                        f"the workbook is damaged: {type(exc).__name__}: {exc}",
                        line=number + 1,
                        hint=NOT_XLSX_HINT,
                    ) from None
                if cells is None:
                    break
                number += 1
                yield number, list(cells)
        finally:
            workbook.close()
