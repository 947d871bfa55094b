"""Data checks (数据检查): rules over the unified store's meaning, each finding stored, logged
when it opens and closes, and graded per department (see docs/project-supervision.md)."""
