"""Projects idle for more than two months, by cause: waits for ``idleStats``."""

from __future__ import annotations

from schema.report.base import UnavailableSection


class IdleProjects(UnavailableSection):
    key = "idle"
    title = "Projects idle for more than two months, by cause (闲置项目)"
    needs = "idle projects by cause (the GraphQL query idleStats)"
