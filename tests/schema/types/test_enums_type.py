from __future__ import annotations

from hub import entities
from schema.types.enums import FilingStatus, Stage, to_enum


def test_the_entity_enums_are_the_graphql_enums() -> None:
    assert Stage is entities.Stage and FilingStatus is entities.FilingStatus
    assert to_enum(entities.Stage, "PARALLEL") is entities.Stage.PARALLEL
    assert to_enum(entities.Stage, None) is None
    assert to_enum(entities.Stage, "NOT_A_STAGE") is None
