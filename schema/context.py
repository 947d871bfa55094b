"""The per-request GraphQL context: the store, the page-size limits, fresh DataLoaders and the
connectors' departments (for provenance)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.audit import AuditLog
from hub.authenticity import KeyRing
from hub.config import ChecksConfig, IdleConfig, ServerConfig
from hub.idle import IdleRule
from hub.policy import SYSTEM, Viewer
from hub.sla import Supervision
from hub.store import Store
from schema.filters import FilterScope
from schema.loaders import Loaders
from schema.pagination import page_size


@dataclass(slots=True)
class Context:
    """What resolvers get as ``info.context``. Build one per request (or per subscription
    connection) with ``Context.create`` so that DataLoader caches never outlive it."""

    store: Store
    loaders: Loaders
    default_page_size: int = 20
    max_page_size: int = 500
    request: Any = None
    response: Any = None
    connector_departments: Mapping[str, str | None] = field(default_factory=dict)
    supervision: Supervision | None = None
    idle_config: IdleConfig = field(default_factory=IdleConfig)
    # Who the request acts as (hub.policy); the hub itself when built without one.
    viewer: Viewer = SYSTEM
    # Where audited reads are queued (hub.audit); None: not audited (the hub's own reads).
    audit: AuditLog | None = None
    checks: ChecksConfig = field(default_factory=ChecksConfig)  # [checks], for qualityRules
    # The departments' signing keys, for verifyCertificate (hub.verification).
    keys: KeyRing = field(default_factory=lambda: KeyRing({}))

    @classmethod
    def create(
        cls,
        store: Store,
        server: ServerConfig | None = None,
        *,
        request: Any = None,
        response: Any = None,
        connector_departments: Mapping[str, str | None] | None = None,
        supervision: Supervision | None = None,
        viewer: Viewer = SYSTEM,
        audit: AuditLog | None = None,
        idle: IdleConfig | None = None,
        checks: ChecksConfig | None = None,
        keys: KeyRing | None = None,
    ) -> Context:
        server = server or ServerConfig()
        supervision = supervision or Supervision.standard(store)
        idle = idle or IdleConfig()
        return cls(
            store=store,
            loaders=Loaders(store, supervision.clock, IdleRule(store, idle), viewer),
            viewer=viewer,
            audit=audit,
            supervision=supervision,
            idle_config=idle,
            default_page_size=server.default_page_size,
            max_page_size=server.max_page_size,
            request=request,
            response=response,
            connector_departments=connector_departments or {},
            checks=checks or ChecksConfig(),
            keys=keys or KeyRing({}),
        )

    @property
    def clock(self) -> Supervision:
        """The deployment's filing clock and business day (``hub.sla``)."""
        assert self.supervision is not None, "Context.create sets it"
        return self.supervision

    @property
    def filter_scope(self) -> FilterScope:
        return FilterScope(self.clock, self.loaders.idle_rule, self.viewer)

    def page_size(self, first: int | None) -> int:
        """The page size for a connection's ``first`` argument (an error when out of range)."""
        return page_size(first, default=self.default_page_size, maximum=self.max_page_size)
