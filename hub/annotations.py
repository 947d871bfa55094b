"""Annotations written by the hub itself (a supervisor's ``annotateProject``): the same checks,
diff and change log as a synced annotation, through the batch writer, as the connector
``SUPERVISION_CONNECTOR``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hub import tables
from hub.batch import BatchWriter, MappedRecord
from hub.changelog import ChangeLog, Provenance
from hub.clock import utcnow
from hub.config import HubConfig
from hub.entities import PROJECT_ANNOTATION
from hub.errors import HubError

SUPERVISION_CONNECTOR = "supervision"  # the provenance of annotations given through the graph
FIELDS = tuple(f.name for f in PROJECT_ANNOTATION.fields)


class AnnotationError(HubError, ValueError):
    """Raised when an annotation cannot be stored: the message names the project and every
    reason (a cause outside the taxonomy, an unknown project)."""

    def __init__(self, project_code: str, reasons: list[str]) -> None:
        self.project_code = project_code
        self.reasons = reasons
        super().__init__(f"annotation of project {project_code!r}: {'; '.join(reasons)}")


@dataclass(frozen=True, slots=True)
class Annotation:
    key: str
    project_code: str
    cause: str
    note: str | None
    author: str
    noted_at: datetime


async def annotate(
    changelog: ChangeLog,
    config: HubConfig,
    project_code: str,
    cause: str,
    note: str | None,
    *,
    author: str,
    department: str | None = None,
) -> Annotation:
    """Store a new annotation of ``project_code`` now, with its ``created`` change."""
    annotation = Annotation(
        key=f"sup-{uuid.uuid4().hex}",
        project_code=project_code.strip(),
        cause=cause.strip(),
        note=(note or "").strip() or None,
        author=author,
        noted_at=utcnow(),
    )
    values = (
        annotation.key,
        annotation.project_code,
        annotation.cause,
        annotation.note,
        annotation.author,
        annotation.noted_at,
    )
    writer = BatchWriter(
        PROJECT_ANNOTATION, FIELDS, {}, config.allowed_values(PROJECT_ANNOTATION.name)
    )
    provenance = Provenance(SUPERVISION_CONNECTOR, department, None)
    async with changelog.write() as transaction:
        outcome = await writer.apply(
            transaction, [MappedRecord(values, annotation.key)], provenance, annotation.noted_at
        )
    if outcome.incomplete:
        raise AnnotationError(annotation.project_code, outcome.incomplete[annotation.key])
    return annotation


async def stored_row(changelog: ChangeLog, key: str) -> object:
    """The stored row of the annotation ``key`` (for the graph's answer)."""
    a = tables.project_annotations
    async with changelog.store.read() as conn:
        return (await conn.execute(select(a).where(a.c.key == key))).one()
