"""A certificate whose holder (name or credit code) is not the project's owner, or, for a
project without a recorded owner, not the holder of the project's other certificates (业务真伪:
one business, one applicant)."""

from __future__ import annotations

from typing import Any

from hub.checks._certificates import certificates_by_project, majority, named
from hub.checks.base import CheckContext, CheckRule, Finding


def _normal(value: str | None) -> str | None:
    return value.strip().upper() if value and value.strip() else None


class HolderMismatch(CheckRule):
    name = "holder_mismatch"
    description = (
        "A certificate's holder name or credit code differs from the project owner's (or from "
        "the project's other certificates when the owner is not recorded)."
    )
    entity = "outcome"

    async def run(self, ctx: CheckContext) -> list[Finding]:
        findings = []
        for project_code, rows in (await certificates_by_project(ctx)).items():
            for label, column, owner_column in (
                ("holder", "holder", "owner_name"),
                ("holder credit code", "holder_credit_code", "owner_credit_code"),
            ):
                owner = _normal(getattr(rows[0], owner_column))
                reference = owner or majority(
                    [v for r in rows if (v := _normal(getattr(r, column)))]
                )
                against = "the project owner's" if owner else "the project's other certificates'"
                for row in rows:
                    value = _normal(getattr(row, column))
                    if value is None or reference is None or value == reference:
                        continue
                    findings.append(
                        self._finding(row, project_code, label, column, value, reference, against)
                    )
        return _one_per_certificate(findings)

    def _finding(
        self,
        row: Any,
        project_code: str,
        label: str,
        column: str,
        value: str,
        reference: str,
        against: str,
    ) -> Finding:
        return Finding(
            rule=self.name,
            entity=self.entity,
            key=row.key,
            project_code=project_code,
            department_code=row.department,
            message=f"{named(row)}: {label} {getattr(row, column)!r} is not {against} "
            f"{reference!r}",
            details={"field": column, "value": value, "expected": reference},
        )


def _one_per_certificate(findings: list[Finding]) -> list[Finding]:
    """A certificate wrong in name and credit code is one finding, both messages joined."""
    merged: dict[str, Finding] = {}
    for finding in findings:
        earlier = merged.get(finding.key)
        if earlier is None:
            merged[finding.key] = finding
            continue
        merged[finding.key] = Finding(
            rule=earlier.rule,
            entity=earlier.entity,
            key=earlier.key,
            project_code=earlier.project_code,
            department_code=earlier.department_code,
            message=f"{earlier.message}; {finding.message.split(': ', 1)[1]}",
            details={"fields": [earlier.details, finding.details]},
        )
    return list(merged.values())
