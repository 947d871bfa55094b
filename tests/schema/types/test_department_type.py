from __future__ import annotations

from schema.types.department import Department
from schema.types.provenance import provenance_of
from tests.schema import seed
from tests.schema.types.rows import row


def test_department_from_row() -> None:
    department = Department.from_row(row(seed.department("FGW", "发改委", short_name="发改")))
    assert (department.code, department.name, department.short_name) == ("FGW", "发改委", "发改")
    assert department.credit_code is None
    assert provenance_of(department.source_row).connector == seed.CONNECTOR
