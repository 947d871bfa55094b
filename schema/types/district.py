"""Administrative divisions (行政区划) a project can be located in."""

from __future__ import annotations

import strawberry

# Shenzhen's divisions; other cities extend this table (unknown codes show name null).
DIVISIONS: dict[str, str] = {
    "440300": "深圳市本级",
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
    "440307": "龙岗区",
    "440308": "盐田区",
    "440309": "龙华区",
    "440310": "坪山区",
    "440311": "光明区",
}


@strawberry.type(description="An administrative division (行政区划代码 and name).")
class District:
    code: str
    name: str | None

    @classmethod
    def of(cls, code: str | None) -> District | None:
        return None if code is None else cls(code=code, name=DIVISIONS.get(code))
