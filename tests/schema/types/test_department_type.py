from __future__ import annotations

from schema.types.department import Department
from tests.schema import seed
from tests.schema.types.rows import row


def test_department_from_row() -> None:
    department = Department.from_row(row(seed.department("FGW", "发改委", short_name="发改")))
    assert (department.code, department.name, department.short_name) == ("FGW", "发改委", "发改")
    assert department.credit_code is None
    assert department.provenance.connector == seed.CONNECTOR
