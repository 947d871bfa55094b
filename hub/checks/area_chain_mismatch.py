"""Parcel, land area or floor area that change along the approval chain 用地规划许可 → 工程规划许可
→ 施工许可 → 竣工验收: a later certificate of the project disagrees with the earliest one that
states the value (areas beyond ``[authenticity] area_tolerance``, a share of the larger)."""

from __future__ import annotations

from typing import Any

from hub.checks._certificates import certificates_by_project, named
from hub.checks.base import CheckContext, CheckRule, Finding

ATTRIBUTES = ("parcel", "land_area_m2", "floor_area_m2")


def _value(row: Any, attribute: str) -> Any:
    attributes = row.attributes if isinstance(row.attributes, dict) else {}
    value = attributes.get(attribute)
    if value is None or attribute == "parcel":
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _agree(first: Any, later: Any, tolerance: float) -> bool:
    if isinstance(first, float) and isinstance(later, float):
        return abs(first - later) <= tolerance * max(abs(first), abs(later))
    return str(first).strip() == str(later).strip()


class AreaChainMismatch(CheckRule):
    name = "area_chain_mismatch"
    description = (
        "A certificate's parcel, land area or floor area differs from the one on the project's "
        "earlier certificate along 用地规划许可 → 工程规划许可 → 施工许可 → 竣工验收."
    )
    entity = "outcome"

    async def run(self, ctx: CheckContext) -> list[Finding]:
        tolerance = ctx.config.authenticity.area_tolerance
        findings = []
        for project_code, rows in (await certificates_by_project(ctx)).items():
            for row in rows:
                differences = []
                for attribute in ATTRIBUTES:
                    first = next((r for r in rows if _value(r, attribute) is not None), None)
                    value = _value(row, attribute)
                    if first is None or first is row or value is None:
                        continue
                    if not _agree(_value(first, attribute), value, tolerance):
                        differences.append((attribute, value, first))
                if differences:
                    findings.append(self._finding(row, project_code, differences))
        return findings

    def _finding(self, row: Any, project_code: str, differences: list[Any]) -> Finding:
        said = "; ".join(
            f"{attribute} {value:g} differs from {_value(first, attribute):g} on {named(first)}"
            if isinstance(value, float) and isinstance(_value(first, attribute), float)
            else f"{attribute} {value!r} differs from {_value(first, attribute)!r} on "
            f"{named(first)}"
            for attribute, value, first in differences
        )
        return Finding(
            rule=self.name,
            entity=self.entity,
            key=row.key,
            project_code=project_code,
            department_code=row.department,
            message=f"{named(row)}: {said}",
            details={
                "differences": [
                    {"attribute": a, "value": v, "expected": _value(f, a), "certificate": f.key}
                    for a, v, f in differences
                ]
            },
        )
