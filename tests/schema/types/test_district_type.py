from __future__ import annotations

from schema.types.district import DIVISIONS, District


def test_shenzhen_divisions() -> None:
    assert District.of("440304") == District(code="440304", name="福田区")
    assert District.of("440300") == District(code="440300", name="深圳市本级")
    assert District.of("450100") == District(code="450100", name=None)
    assert District.of(None) is None
    assert len(DIVISIONS) == 10 and all(code.startswith("4403") for code in DIVISIONS)
