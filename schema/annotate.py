"""The ``annotateProject`` mutation: a supervisor gives the cause that holds a project up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from hub.annotations import AnnotationError, annotate, stored_row
from hub.auth import Principal, authenticate
from hub.changelog import ChangeLog
from hub.config import HubConfig
from schema.errors import UserInputError
from schema.types.annotation import ProjectAnnotation

if TYPE_CHECKING:
    from schema.context import Context

SUPERVISE_SCOPE = "supervise"


async def require_supervisor(info: strawberry.Info[Context, None]) -> Principal:
    """Who may annotate: a token whose role may (``supervise``, the supervisor's; see
    ``hub.policy``), or one with the ``supervise`` scope (``hub auth``)."""
    request = info.context.request
    principal = None if request is None else await authenticate(request, info.context.store)
    if principal is not None and info.context.viewer.rules.supervise:
        return principal
    if principal is None or not principal.allows(SUPERVISE_SCOPE):
        who = "no valid bearer token" if principal is None else f"token {principal.name!r}"
        raise UserInputError(
            f"annotateProject needs a token with the scope {SUPERVISE_SCOPE!r}; {who} has none",
            code="FORBIDDEN",
        )
    return principal


def _changelog(info: strawberry.Info[Context, None]) -> ChangeLog:
    """The runtime's change log (its commits wake the feed), else one on the context's store."""
    runtime = getattr(getattr(info.context.request, "app", None), "state", None)
    engine = getattr(getattr(runtime, "runtime", None), "engine", None)
    return engine.changelog if engine is not None else ChangeLog(info.context.store)


@strawberry.type
class AnnotateMutation:
    @strawberry.mutation(
        description="Give the cause that holds a project up (needs a token with the "
        "`supervise` scope): a code of the [idle] taxonomy and a note. It becomes the idle "
        "project's cause (ANNOTATED) from now on."
    )
    async def annotate_project(
        self,
        info: strawberry.Info[Context, None],
        project_code: str,
        cause: str,
        note: str | None = None,
    ) -> ProjectAnnotation:
        principal = await require_supervisor(info)
        config = HubConfig(idle=info.context.idle_config)
        changelog = _changelog(info)
        try:
            annotation = await annotate(
                changelog,
                config,
                project_code,
                cause,
                note,
                author=principal.name,
                department=principal.department,
            )
        except AnnotationError as exc:
            raise UserInputError(str(exc), code="INVALID_ANNOTATION") from None
        return ProjectAnnotation.from_row(await stored_row(changelog, annotation.key))
