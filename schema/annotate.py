"""The ``annotateProject`` mutation: a supervisor gives the cause that holds a project up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from hub.annotations import AnnotationError, annotate, stored_row
from hub.changelog import ChangeLog
from hub.config import HubConfig
from hub.errors import ErrorCode
from hub.policy import Viewer
from schema.errors import UserInputError
from schema.types.annotation import ProjectAnnotation

if TYPE_CHECKING:
    from schema.context import Context


def require_supervisor(info: strawberry.Info[Context, None]) -> tuple[Viewer, str]:
    """Who may annotate: a token whose role may (``supervise``, the supervisor's; see
    ``hub.policy``); the token's name is the annotation's author."""
    viewer = info.context.viewer
    if viewer.token is None or not viewer.rules.supervise:
        who = "no bearer token" if viewer.token is None else f"token {viewer.token!r}"
        raise UserInputError(
            f"annotateProject needs a token whose role may supervise; {who} has the role "
            f"{viewer.role!r}",
            code=ErrorCode.FORBIDDEN,
        )
    return viewer, viewer.token


def _changelog(info: strawberry.Info[Context, None]) -> ChangeLog:
    """The runtime's change log (its commits wake the feed), else one on the context's store."""
    runtime = getattr(getattr(info.context.request, "app", None), "state", None)
    engine = getattr(getattr(runtime, "runtime", None), "engine", None)
    return engine.changelog if engine is not None else ChangeLog(info.context.store)


@strawberry.type
class AnnotateMutation:
    @strawberry.mutation(
        description="Give the cause that holds a project up (needs a token whose role may "
        "supervise: the supervisor's): a code of the [idle] taxonomy and a note. It becomes the "
        "idle project's cause (ANNOTATED) from now on."
    )
    async def annotate_project(
        self,
        info: strawberry.Info[Context, None],
        project_code: str,
        cause: str,
        note: str | None = None,
    ) -> ProjectAnnotation:
        viewer, author = require_supervisor(info)
        config = HubConfig(idle=info.context.idle_config)
        changelog = _changelog(info)
        try:
            annotation = await annotate(
                changelog,
                config,
                project_code,
                cause,
                note,
                author=author,
                department=viewer.department,
            )
        except AnnotationError as exc:
            raise UserInputError(str(exc), code=ErrorCode.INVALID_ANNOTATION) from None
        return ProjectAnnotation.from_row(await stored_row(changelog, annotation.key))
