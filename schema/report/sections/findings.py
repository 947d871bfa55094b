"""New and closed data-check and authenticity findings by department: waits for them."""

from __future__ import annotations

from schema.report.base import UnavailableSection


class Findings(UnavailableSection):
    key = "findings"
    title = "Data-check and authenticity findings, new and closed (数据核查与真实性)"
    needs = "data-check findings and certificate authenticity findings by department"
