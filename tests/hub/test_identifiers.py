from __future__ import annotations

import pytest

from hub import identifiers


@pytest.mark.parametrize(
    "code", ["2014-440300-47-01-000123", "2104-440304-04-01-38271X", "2003-110101-70-02-000001"]
)
def test_valid_project_codes(code: str) -> None:
    assert identifiers.project_code(f" {code.lower()} ") == code


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("XM2014-0001", "expected YYYY-RRRRRR-II-TT-NNNNNN"),
        ("2014-44030-47-01-000123", "expected YYYY-RRRRRR"),
        ("9913-440300-47-01-000123", "neither a year nor YYMM"),
        ("2014-990300-47-01-000123", "not a division code"),
    ],
)
def test_invalid_project_codes_say_why(code: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        identifiers.project_code(code)


def test_credit_codes_are_checked_with_their_check_digit() -> None:
    assert identifiers.credit_code("91440300708461136T") == "91440300708461136T"
    with pytest.raises(ValueError, match="not a unified social credit code"):
        identifiers.credit_code("91440300708461136A")


def test_division_codes() -> None:
    assert identifiers.division_code("440304") == "440304"
    for bad in ("44030", "990304", "4403a4"):
        with pytest.raises(ValueError, match="administrative division code"):
            identifiers.division_code(bad)


def test_a_malformed_project_code_names_both_national_formats_with_examples() -> None:
    with pytest.raises(ValueError) as caught:
        identifiers.project_code("XM2014-0001")
    message = str(caught.value)
    assert "YYYY-RRRRRR-II-TT-NNNNNN, the old national format, e.g. 2014-440300-47-01-000123" in (
        message
    )
    assert (
        "YYMM-RRRRRR-II-TT-NNNNNC, the post-2020 format, e.g. 2106-440304-04-01-38215X" in message
    )
    # Both examples are themselves valid.
    for example in ("2014-440300-47-01-000123", "2106-440304-04-01-38215X"):
        assert identifiers.project_code(example) == example
