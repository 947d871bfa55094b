"""The Relay ``Node`` interface (Global Object Identification): every canonical entity's type
has a global ``id``, and ``node(id:)`` refetches any of them.

A global id is base64 of ``TypeName:key`` (the entity's key: a project's code, a filing's key),
the format of ``strawberry.relay.GlobalID``, so Relay and Apollo clients can cache by it. The
interface is the hub's own rather than ``strawberry.relay.Node``: that one makes ``id`` a
dataclass field of every type and its own resolvers load each node, where here the types keep
their constructors and ``node`` loads through the request's DataLoaders.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

import strawberry

from hub.entities import ENTITIES
from hub.errors import ErrorCode
from schema.errors import UserInputError

# GraphQL type name -> the canonical entity it shows.
NODE_ENTITIES: Mapping[str, str] = {
    "Department": "department",
    "Matter": "matter",
    "Project": "project",
    "Filing": "filing",
    "ProcessEvent": "process_event",
    "Outcome": "outcome",
}


def global_id(type_name: str, key: str) -> strawberry.ID:
    """The global id of the ``type_name`` object with entity key ``key``."""
    return strawberry.ID(base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii"))


def parse_global_id(value: str) -> tuple[str, str]:
    """The type name and entity key of a global id; anything else is a ``INVALID_ID`` error
    that names the node types."""
    try:
        type_name, _, key = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        type_name, key = "", ""
    if type_name not in NODE_ENTITIES or not key:
        raise UserInputError(
            f"{value!r} is not a global id: pass the id of a {', '.join(NODE_ENTITIES)} "
            "(base64 of TypeName:key)",
            code=ErrorCode.INVALID_ID,
        )
    return type_name, key


@strawberry.interface(description="An object with a global id; refetch it with node(id:).")
class Node:
    @strawberry.field(description="The global id (base64 of TypeName:key), stable over time.")
    def id(self) -> strawberry.ID:
        type_name = type(self).__name__
        entity = ENTITIES[NODE_ENTITIES[type_name]]
        return global_id(type_name, getattr(self, entity.key))
