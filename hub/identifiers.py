"""Validators for the identifiers that link department records: project codes, unified social
credit codes and administrative division codes.

Each returns the normalised value or raises ``ValueError`` with a message that says what is wrong.
The same codes recur in every row that links to a project or an owner, so results are cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

# Old national format: YYYY-RRRRRR-II-TT-NNNNNN; post-2020 format: YYMM-RRRRRR-II-TT-NNNNNC.
_PROJECT_CODE = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-(\d{5}[0-9A-Z])$")
_DIVISION = re.compile(r"^[1-8]\d{5}$")
# First two digits of a mainland or SAR/Taiwan administrative division code.
_PROVINCES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
    }
)


def _plausible_period(head: str) -> bool:
    year = int(head)
    if 1990 <= year <= 2099:
        return True
    month = int(head[2:])
    return 1 <= month <= 12 and int(head[:2]) >= 20


@lru_cache(maxsize=65536)
def project_code(value: str) -> str:
    """Validate a national project code (项目代码)."""
    code = value.strip().upper()
    match = _PROJECT_CODE.match(code)
    if match is None:
        raise ValueError(
            f"{value!r} is not a project code (expected YYYY-RRRRRR-II-TT-NNNNNN, the old "
            "national format, e.g. 2014-440300-47-01-000123, or YYMM-RRRRRR-II-TT-NNNNNC, the "
            "post-2020 format, e.g. 2106-440304-04-01-38215X)"
        )
    period, region = match.group(1), match.group(2)
    if not _plausible_period(period):
        raise ValueError(f"{value!r} is not a project code: {period!r} is neither a year nor YYMM")
    if int(region[:2]) not in _PROVINCES:
        raise ValueError(f"{value!r} is not a project code: {region!r} is not a division code")
    return code


@lru_cache(maxsize=65536)
def credit_code(value: str) -> str:
    """Validate an 18-character unified social credit code (GB 32100, with its check digit)."""
    try:
        return uscc.validate(value.strip())
    except ValidationError as exc:
        raise ValueError(f"{value!r} is not a unified social credit code: {exc}") from None


@lru_cache(maxsize=65536)
def division_code(value: str) -> str:
    """Validate a six-digit administrative division code such as 440304 (福田区)."""
    code = value.strip()
    if not _DIVISION.match(code) or int(code[:2]) not in _PROVINCES:
        raise ValueError(f"{value!r} is not a six-digit administrative division code")
    return code
