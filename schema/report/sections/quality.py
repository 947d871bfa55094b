"""Each department's data-quality score: waits for ``qualityScores``."""

from __future__ import annotations

from schema.report.base import UnavailableSection


class QualityScores(UnavailableSection):
    key = "quality"
    title = "Data-quality score by department (数据质量评分)"
    needs = "each department's quality score (the GraphQL query qualityScores)"
