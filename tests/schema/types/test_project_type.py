from __future__ import annotations

from datetime import UTC, date

from schema.types.project import Owner, Project
from schema.types.provenance import provenance_of
from tests.schema import seed
from tests.schema.types.rows import row


def test_project_from_row() -> None:
    project = Project.from_row(row(seed.project(seed.project_code(1), category="WATER")))
    assert project.code == seed.project_code(1)
    assert project.category is not None and project.category.value == "WATER"
    assert project.owner == Owner(name="深圳市建筑工务署", credit_code="11440300MB2C39106K")
    assert project.district is not None and project.district.code == "440304"
    assert project.registered_at == date(2014, 3, 1)  # a Date, not an instant
    assert provenance_of(project.source_row).source_key == seed.project_code(1)
    assert provenance_of(project.source_row).synced_at.tzinfo is UTC


def test_project_without_owner_or_optional_values() -> None:
    values = seed.project(
        seed.project_code(2),
        owner_name=None,
        owner_credit_code=None,
        district=None,
        category=None,
        status="UNKNOWN",
        registered_at=None,
    )
    project = Project.from_row(row(values))
    assert project.owner is None and project.district is None and project.category is None
    assert project.status is None and project.registered_at is None
