from __future__ import annotations

from schema.types.matter import Matter
from tests.schema import seed
from tests.schema.types.rows import row


def test_matter_from_row() -> None:
    matter = Matter.from_row(
        row(
            seed.matter(
                "ZJ-001", "ZJ", stage="CONSTRUCTION_PERMIT", prerequisites=["GT-001", "FGW-001"]
            )
        )
    )
    assert matter.stage.value == "CONSTRUCTION_PERMIT"
    assert matter.time_limit_class is not None and matter.time_limit_class.value == "ORDINARY"
    assert matter.department_code == "ZJ"
    assert matter.prerequisite_codes == ["GT-001", "FGW-001"]


def test_prerequisites_that_are_not_a_list_count_as_none() -> None:
    for stored in (None, {"codes": ["GT-001"]}, "GT-001"):
        matter = Matter.from_row(row(seed.matter("M", "D", prerequisites=stored)))
        assert matter.prerequisite_codes == []
