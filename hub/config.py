"""The hub's one configuration file (``hub.toml``), validated with pydantic.

Secrets come from the environment as ``${NAME}`` (or ``${NAME:-default}``) anywhere in a string
value. Every problem is reported as a ``ConfigError`` naming the file, the key path and what is
wrong, e.g. ``hub.toml: connectors[1].streams[0].fields.code: field required``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hub.entities import ATTRIBUTES, DIVISION_MAP, ENTITIES, NUMERIC, Stage, attribute_key
from hub.errors import ConfigError, UnknownNameError
from hub.schedules import parse_duration, parse_schedule
from hub.value_maps import chain_gaps

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = r"^[a-z][a-z0-9_]{0,63}$"
# In [authority], instead of a connector: the connector of the department a record names.
DEPARTMENT_AUTHORITY = "department"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeTable(_Strict):
    """A value map read from a code table in the source (代码表), e.g. DM_ZT(DM, MC)."""

    table: str
    code: str
    value: str


class FieldMapping(_Strict):
    """Where one canonical field comes from. A bare string in the TOML is a column name."""

    column: str | None = None
    expr: str | None = None
    # A value map, or a chain of them applied in turn: ["zjj_codes", "category"] maps a source
    # code to the source's own name (its code table) and that name to the canonical value.
    map: str | list[str] | None = None
    formats: tuple[str, ...] = ()
    split: str | None = None
    default: Any = None
    optional: bool = False
    # What an invalid value does: reject the record (default), or store the record with the
    # field empty and a warning (for optional fields, e.g. a credit code failing its check digit).
    on_invalid: Literal["reject", "null"] = "reject"
    # A number's factor from the source's unit to the field's stored unit (hub.entities), e.g.
    # 0.0001 for a source in 元 of a field in 万元.
    scale: float | None = Field(default=None, gt=0)

    @property
    def maps(self) -> tuple[str, ...]:
        """The value maps applied, in order (none when ``map`` is not given)."""
        if self.map is None:
            return ()
        return (self.map,) if isinstance(self.map, str) else tuple(self.map)

    @model_validator(mode="after")
    def _one_source(self) -> FieldMapping:
        if isinstance(self.map, list) and not self.map:
            raise ValueError("map = [] names no value map: give one name or a chain of them")
        if (self.column is None) == (self.expr is None) and self.default is None:
            raise ValueError("give exactly one of 'column' or 'expr' (or a 'default')")
        return self


class StreamConfig(_Strict):
    """One source table, query, file pattern or endpoint that feeds one canonical entity."""

    entity: str
    name: str | None = Field(default=None, pattern=_NAME)
    table: str | None = None
    query: str | None = None
    cursor: str | None = None
    fields: dict[str, FieldMapping]
    # How far an incremental read steps back below the stored cursor, to catch rows that were
    # committed late with a cursor value below it: a duration ("10m") for time cursors, a
    # number for numeric ones.
    overlap: str | int | float | None = None
    reconcile: bool = True
    options: dict[str, Any] = {}

    @field_validator("overlap")
    @classmethod
    def _valid_overlap(cls, value: str | int | float | None) -> str | int | float | None:
        if isinstance(value, str):
            parse_duration(value)
        elif value is not None and value < 0:
            raise ValueError("overlap must not be negative")
        return value

    @field_validator("entity")
    @classmethod
    def _known_entity(cls, value: str) -> str:
        if value not in ENTITIES:
            raise ValueError(f"unknown entity {value!r}; known: {', '.join(sorted(ENTITIES))}")
        return value

    @field_validator("fields", mode="before")
    @classmethod
    def _column_shorthand(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        # TOML's dotted keys (attributes.approval_type = "SPLX") arrive as a table of keys,
        # which a mapping of the whole map (attributes = { column = "FJXX" }) is not.
        extras = value.get(ATTRIBUTES)
        if isinstance(extras, dict) and extras and not set(extras) & set(FieldMapping.model_fields):
            value = {k: v for k, v in value.items() if k != ATTRIBUTES} | {
                f"{ATTRIBUTES}.{key}": mapping for key, mapping in extras.items()
            }
        return {k: {"column": v} if isinstance(v, str) else v for k, v in value.items()}

    @model_validator(mode="after")
    def _fields_exist(self) -> StreamConfig:
        entity = ENTITIES[self.entity]
        unknown = sorted(
            n for n in self.fields if n not in entity.by_name and attribute_key(n) is None
        )
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(unknown)} for entity {self.entity}; "
                f"known: {', '.join(entity.by_name)}, or attributes.<key> for a value without "
                "a field of its own"
            )
        if entity.key not in self.fields:
            raise ValueError(f"the key field {entity.key!r} of {self.entity} must be mapped")
        nulled = sorted(
            name
            for name, mapping in self.fields.items()
            if mapping.on_invalid == "null"
            and name in entity.by_name
            and entity.by_name[name].required
        )
        if nulled:
            raise ValueError(
                f"on_invalid = 'null' needs an optional field; {', '.join(nulled)} of "
                f"{self.entity} is required"
            )
        for name, mapping in self.fields.items():
            field = entity.by_name.get(name)
            if mapping.scale is not None and (field is None or field.kind not in NUMERIC):
                numeric = ", ".join(f.name for f in entity.fields if f.kind in NUMERIC)
                raise ValueError(
                    f"field {name!r}: scale converts numbers into a field's unit; the numeric "
                    f"fields of {self.entity} are: {numeric or '(none)'}"
                )
        return self

    @property
    def stream_name(self) -> str:
        return self.name or self.entity

    @property
    def unmapped_required(self) -> list[str]:
        """The entity's required fields this stream does not map: it can update records of the
        entity, but a record new to the store needs another stream to create it."""
        return [
            f.name for f in ENTITIES[self.entity].fields if f.required and f.name not in self.fields
        ]


class ConnectorConfig(BaseModel):
    """Settings every connector has; the options of its kind are validated by the connector."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(pattern=_NAME)
    kind: str
    department: str | None = None
    timezone: str = "Asia/Shanghai"
    schedule: str | None = None
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    enabled: bool = True
    # Deletes: a key scan on its own schedule soft-deletes rows missing at the source, unless
    # more than this share of the connector's rows would go (a source outage must not wipe).
    reconcile_schedule: str | None = None
    max_delete_share: float = Field(default=0.1, ge=0, le=1)
    value_maps: dict[
        str, Annotated[CodeTable | dict[str, str], Field(union_mode="left_to_right")]
    ] = {}
    streams: list[StreamConfig] = []

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name such as Asia/Shanghai)"
            ) from None
        return value

    @field_validator("schedule", "reconcile_schedule")
    @classmethod
    def _valid_schedule(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            parse_schedule(value, info.data.get("timezone", "Asia/Shanghai"))
        return value

    @model_validator(mode="after")
    def _maps_and_names(self) -> ConnectorConfig:
        for stream in self.streams:
            for field_name, mapping in stream.fields.items():
                where = f"stream {stream.stream_name!r} field {field_name!r}"
                for name in mapping.maps:
                    if name not in self.value_maps and name != DIVISION_MAP:
                        known = ", ".join(sorted(self.value_maps))
                        known += f"{', ' if known else ''}{DIVISION_MAP} (division names, built in)"
                        raise ValueError(
                            f"{where} uses value map {name!r}, which is not defined; known: {known}"
                        )
                # Chains of maps given here are checked now; code tables by `hub check`.
                static = {n: m for n, m in self.value_maps.items() if isinstance(m, dict)}
                gaps = chain_gaps(mapping.maps, static)
                if gaps:
                    raise ValueError(f"{where}: {gaps[0]}")
        names = [s.stream_name for s in self.streams]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"stream names must be unique; repeated: {', '.join(duplicates)}")
        return self

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class StoreConfig(_Strict):
    url: str = "sqlite+aiosqlite:///hub.db"
    echo: bool = False


class ServerConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    default_page_size: int = Field(default=20, ge=1)
    max_page_size: int = Field(default=500, ge=1)
    graphiql: bool = True
    # Limits of one GraphQL request. The depth limit skips introspection fields, so GraphiQL's
    # schema query (about 300 tokens) passes the defaults.
    max_depth: int = Field(default=12, ge=1)
    max_tokens: int = Field(default=2000, ge=50)
    max_aliases: int = Field(default=30, ge=0)
    # The estimated cost of a query (schema.cost): about one per field resolved, the nested
    # lists counted at their page sizes (a list without `first` at default_page_size, so
    # estimates run high). An aggregate (a *Stats root field) scans its table: it costs
    # aggregate_cost more (filingStats over the demo takes as long as ~100,000 fields).
    max_query_cost: int = Field(default=1_000_000, ge=1)
    aggregate_cost: int = Field(default=50_000, ge=0)
    # Objects and list items in one argument's value (a filter, an `in` list), variables
    # included: each becomes a condition of a statement.
    max_input_nodes: int = Field(default=1000, ge=1)
    # Bytes of a /graphql request body (413 beyond).
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    # GraphQL operations executing at once; more wait their turn (hub.http.graphql_http).
    max_concurrent_operations: int = Field(default=4, ge=1)
    # How long SIGTERM waits for open requests and websockets before closing them.
    shutdown_timeout_seconds: float = Field(default=5.0, gt=0)
    # When true, /graphql and /export need a bearer token (hub.auth); otherwise anonymous.
    require_token: bool = False
    # permessage-deflate on websockets. Change events are a few hundred bytes: compressing
    # each costs the server (and every subscriber) more CPU than the bytes it saves.
    websocket_compression: bool = False


class BusConfig(_Strict):
    """The wake-up channel between hub processes, and the change feed's limits."""

    # memory:// (one process); redis://host:port/db or postgresql://... (LISTEN/NOTIFY) for
    # several processes on one store
    url: str = "memory://"
    poll_seconds: float = Field(default=2.0, gt=0)  # fallback when a wake-up is lost
    queue_size: int = Field(default=1000, ge=1)  # per subscriber, before it re-reads the log

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        from hub.bus import SCHEMES

        scheme = value.partition("://")[0]
        if scheme not in SCHEMES:
            raise ValueError(f"unknown event bus scheme {scheme!r}; known: {', '.join(SCHEMES)}")
        return value


class WebhookConfig(_Strict):
    """Webhook delivery: per-request timeout, retries with exponential backoff, and the
    networks that targets may be in besides public ones (hub.webhooks.targets)."""

    timeout_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=8, ge=1)  # then the webhook is "failing" (still retried)
    backoff_seconds: float = Field(default=1.0, gt=0)
    max_backoff_seconds: float = Field(default=3600.0, gt=0)
    # Loopback, private, link-local ... addresses a target may resolve to, e.g. "10.1.0.0/16".
    allow_cidrs: tuple[IPvAnyNetwork, ...] = ()


def check_disjoint(holidays: Iterable[date], working_days: Iterable[date]) -> None:
    """Raise ``ValueError`` when calendar overrides name a day both a holiday and a working day
    (hub.calendar checks its overrides with this too)."""
    both = sorted(set(holidays) & set(working_days))
    if both:
        raise ValueError(
            f"days cannot be both holidays and working days: {', '.join(map(str, both))}"
        )


class CalendarConfig(_Strict):
    """Overrides of the working-day calendar (hub.calendar): days ``chinese_calendar`` lacks or
    gets wrong, e.g. a year it has not published yet."""

    holidays: list[date] = []
    working_days: list[date] = []

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarConfig:
        check_disjoint(self.holidays, self.working_days)
        return self


class SupervisionConfig(_Strict):
    """Time-limit supervision (时限监察): the business day it judges, when a filing turns yellow,
    and how often the supervision job looks for filings that turned yellow or red (督办)."""

    # The business day of the alerts: "today" (in China time), or a fixed day (a demo, a replay).
    as_of: date | Literal["today"] = "today"
    due_soon_share: float = Field(default=0.2, ge=0, le=1)
    due_soon_min_days: int = Field(default=1, ge=0)
    interval_minutes: float = Field(default=60.0, gt=0)
    enabled: bool = True


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class HttpConfig(_Strict):
    """HTTP settings for browsers: the origins of portals on other sites that may call the API
    (CORS: ``/graphql``, ``/export``, ``/healthz``), e.g. ``["https://portal.sz.gov.cn"]``."""

    cors_origins: list[str] = []  # "*" allows any origin (then without credentials)
    cors_allow_credentials: bool = False  # cookies; bearer tokens need no credentials mode
    cors_max_age_seconds: int = Field(default=600, ge=0)  # how long a preflight is cached

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme://host[:port] without a path or "
                    'trailing slash (e.g. https://portal.example.gov.cn), or "*"'
                )
        return value


class GraphQLConfig(_Strict):
    """Production switches of ``/graphql``: introspection, and an allow-list of persisted
    queries (a JSON file: ``{"id": "query ..."}`` or an Apollo persisted-query manifest),
    which ``only_persisted`` makes the only documents served."""

    introspection: bool = True
    persisted_queries: str | None = None  # a path, relative to hub.toml
    only_persisted: bool = False

    @model_validator(mode="after")
    def _list_for_only(self) -> GraphQLConfig:
        if self.only_persisted and self.persisted_queries is None:
            raise ValueError("only_persisted = true needs persisted_queries (the allow-list)")
        return self


class DivisionConfig(_Strict):
    """One administrative division (行政区划) of the region: its six-digit code, its name, and
    the code of the division it belongs to (a district's city, a city's province)."""

    code: str = Field(pattern=r"^\d{6}$")
    name: str = Field(min_length=1, max_length=100)
    parent: str | None = Field(default=None, pattern=r"^\d{6}$")


RoleData = Literal["none", "public", "department", "all"]


class RoleConfig(_Strict):
    """What a role may see and do (``[roles.<name>]``); see docs/security.md.

    ``data`` is the records it reads: ``none``, ``public`` (every record, public fields only),
    ``department`` (its department's records and those its matters need as prerequisites in
    full, the public view of the rest) or ``all``."""

    data: RoleData = "public"
    # Sensitive fields of the records it sees in full; without this they are masked or null.
    sensitive: bool = False
    # Every read of a sensitive field is an audit entry.
    audit_reads: bool = False
    # Sync runs, source files, rejects, conflicts, /metrics and every department's webhooks.
    operations: bool = False
    # The audit log (GraphQL auditLog, /export/auditLog).
    audit_log: bool = False
    # Register and manage the webhooks of its own department.
    webhooks: bool = False
    # Give the cause that holds a project up (annotateProject); the weekly report (weeklyReport,
    # /reports) and the console's board, report and project pages.
    supervise: bool = False
    # Verify a presented certificate (verifyCertificate, POST /verify); audited.
    verify: bool = False


BUILTIN_ROLES: dict[str, dict[str, Any]] = {
    "public": {},
    "department": {"data": "department", "sensitive": True, "webhooks": True, "verify": True},
    "supervisor": {
        "data": "all",
        "sensitive": True,
        "audit_reads": True,
        "supervise": True,
        "verify": True,
    },
    "operator": {"operations": True, "webhooks": True},
    "auditor": {"audit_log": True},
}

_ALL = ("*",)
# What the public view of each entity shows (``*``: every field; none: no records at all).
DEFAULT_PUBLIC_FIELDS: dict[str, tuple[str, ...]] = {
    "department": _ALL,
    "division": _ALL,  # reference data, like the departments
    "matter": _ALL,
    "project": ("code", "name", "category", "district", "status"),
    "filing": (
        "key",
        "project_code",
        "matter_code",
        "department_code",
        "status",
        "submitted_at",
        "accepted_at",
        "completed_at",
        "time_limit_days",
    ),
    "process_event": (),
    "project_annotation": ("key", "project_code", "cause", "noted_at"),
    "outcome": (
        "key",
        "filing_key",
        "project_code",
        "decision",
        "document_type",
        "document_number",
        "issued_at",
    ),
}
# Fields only roles with ``sensitive`` clearance read, on the records they see in full.
DEFAULT_SENSITIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "project": ("owner_credit_code",),
    "process_event": ("actor", "opinion"),
    "outcome": ("holder",),
    "reject": ("raw",),
}


class SecurityConfig(_Strict):
    """``[security]``: the role of anonymous callers, the public view and the sensitive
    fields. Tokens carry a role (``hub token create --role``)."""

    anonymous: str = "public"
    # The role of `hub query` without --token: whoever runs it holds the store's credentials.
    cli: str = "supervisor"
    # Serve the GraphiQL page to callers without a token (the page holds no data).
    graphiql_anonymous: bool = True
    public_fields: dict[str, tuple[str, ...]] = DEFAULT_PUBLIC_FIELDS
    sensitive_fields: dict[str, tuple[str, ...]] = DEFAULT_SENSITIVE_FIELDS

    @field_validator("public_fields", "sensitive_fields")
    @classmethod
    def _known_fields(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for entity_name, names in value.items():
            if entity_name == "reject":
                unknown = sorted(set(names) - {"raw", "reasons", "source_key"})
            elif entity_name not in ENTITIES:
                raise ValueError(f"unknown entity {entity_name!r}; known: {', '.join(ENTITIES)}")
            else:
                unknown = sorted(set(names) - set(ENTITIES[entity_name].by_name) - {"*"})
            if unknown:
                raise ValueError(f"unknown field(s) of {entity_name}: {', '.join(unknown)}")
        return value


class ReportsConfig(_Strict):
    """The weekly reports (周报): where they are kept, and whether the report job builds each
    week's on Monday morning (China time)."""

    # A folder; relative to the config file's. Default: "reports" next to a SQLite store, else
    # next to the config file.
    directory: str | None = None
    enabled: bool = True
    # When the job runs on Mondays, China time ("HH:MM"), and once at start for a missing week.
    monday_at: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class IdleCause(_Strict):
    """A cause in the taxonomy of idle projects (项目滞后原因): its code, as annotations name
    it, and its name."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,31}$")
    name: str
    land: bool = False  # the seed reports land (用地落实) apart from the other causes


# The seed's categories: 67.96% of the idle projects were held up by the first seven, 4.85% by
# land.
DEFAULT_CAUSES = (
    IdleCause(code="TENDERING", name="招标"),
    IdleCause(code="REPORT_WRITING", name="报告编写"),
    IdleCause(code="DESIGN", name="施工图设计"),
    IdleCause(code="EXPERT_REVIEW", name="专家论证"),
    IdleCause(code="ORGANISATION", name="组织报建"),
    IdleCause(code="SCHEME_CHANGE", name="方案更改"),
    IdleCause(code="SLOW_EARLY_WORK", name="前期进度慢"),
    IdleCause(code="LAND", name="用地落实", land=True),
    IdleCause(code="FUNDING", name="资金"),
    IdleCause(code="OTHER", name="其他"),
)

Waiting = Literal["OPEN", "SUPPLEMENT", "REJECTED", "NOT_FILED"]


class CauseRule(_Strict):
    """Infers a cause from the project's next required matter (hub.idle): every condition given
    must hold; the first rule that matches wins. ``waiting`` is how the project stands with
    that matter: a filing OPEN, waiting for its SUPPLEMENT (补齐补正), REJECTED and not filed
    again, or NOT_FILED though its prerequisites are approved."""

    cause: str
    matters: tuple[str, ...] = ()  # matter codes
    name_contains: tuple[str, ...] = ()  # any of these in the matter's name
    stages: tuple[Stage, ...] = ()
    waiting: tuple[Waiting, ...] = ()

    @model_validator(mode="after")
    def _some_condition(self) -> CauseRule:
        if not (self.matters or self.name_contains or self.stages or self.waiting):
            raise ValueError(
                f"the rule for {self.cause} has no condition; give matters, name_contains, "
                "stages or waiting"
            )
        return self


def _rule(cause: str, *names: str, **conditions: Any) -> CauseRule:
    return CauseRule(cause=cause, name_contains=names, **conditions)


DEFAULT_RULES = (
    _rule("TENDERING", "招标"),
    _rule("ORGANISATION", waiting=("SUPPLEMENT",)),  # the owner is slow to complete the file
    _rule("LAND", "用地", "土地", "选址", "划拨", "出让"),
    _rule("EXPERT_REVIEW", "抗震设防", "地震安全性", "超限", "专家"),
    _rule("REPORT_WRITING", "报告", "影响评价", "评估", "预评价", "水土保持方案"),
    _rule("DESIGN", "施工图", "设计审查", "设计审核", "初步设计", "设计审批"),
    _rule("SCHEME_CHANGE", "方案", "变更", "调整"),
    _rule("FUNDING", "概算", "预算", "资金", "投资计划", "年度计划"),
    _rule("SLOW_EARLY_WORK", stages=(Stage.LAND_PLANNING,)),
)


class IdleConfig(_Strict):
    """Idle projects (项目滞后): the window, the cause taxonomy and the inference rules."""

    months: int = Field(default=2, ge=1)  # the default of idle(months:)
    # A project between its construction permit and completion acceptance is building, with
    # nothing to file: not idle unless this is true.
    count_under_construction: bool = False
    causes: tuple[IdleCause, ...] = DEFAULT_CAUSES
    rules: tuple[CauseRule, ...] = DEFAULT_RULES
    default_cause: str = "OTHER"  # when no rule matches, or there is no next matter

    @model_validator(mode="after")
    def _known_causes(self) -> IdleConfig:
        codes = [c.code for c in self.causes]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"cause codes must be unique; repeated: {', '.join(repeated)}")
        named = [("default_cause", self.default_cause)]
        named += [(f"rules[{i}].cause", r.cause) for i, r in enumerate(self.rules)]
        for where, cause in named:
            if cause not in codes:
                raise ValueError(
                    f"{where} names unknown cause {cause!r}; known: {', '.join(codes)}"
                )
        return self

    @property
    def cause_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.causes)


class KeyConfig(_Strict):
    """A department's signing key (hub.authenticity): its id (what an outcome's
    ``signing_key_id`` names), algorithm, public key, and when it may be used. Several per
    department rotate: each signs the outcomes issued in its validity period."""

    id: str = Field(min_length=1, max_length=64)
    algorithm: str
    public_key: str
    valid_from: date | None = None
    valid_until: date | None = None  # the last day it may sign on
    revoked_at: datetime | None = None  # from then on nothing it signed is trusted

    @model_validator(mode="after")
    def _well_formed(self) -> KeyConfig:
        from hub.signatures import algorithm  # the crypto libraries load only with keys

        try:
            algorithm(self.algorithm).check_public_key(self.public_key)
        except (LookupError, ValueError) as exc:
            raise ValueError(f"key {self.id!r}: {exc}") from None
        return self


class AuthenticityConfig(_Strict):
    """The hub's own signing of the change log's head (hub.log_chain), and the tolerances of
    the cross-certificate checks (hub.checks)."""

    # Ed25519 private key (32 bytes, hex or base64), e.g. "${HUB_LOG_KEY}"; unset: heads unsigned.
    log_key: str | None = None
    # Verifiers without the private key check the heads against this public key.
    log_public_key: str | None = None
    head_interval_minutes: float = Field(default=60.0, gt=0)
    # Land and floor areas along the approval chain may differ by this share of the larger one.
    area_tolerance: float = Field(default=0.01, ge=0, le=1)


def _known_rules(names: Iterable[str]) -> None:
    """A ``ValueError`` (which pydantic reports with its key path) for an unknown rule name."""
    from hub.checks.registry import check_names

    try:
        check_names(set(names))
    except UnknownNameError as exc:
        raise ValueError(str(exc)) from None


class ChecksConfig(_Strict):
    """Data checks (数据检查, hub.checks): rules switched off or re-graded, how often the checks
    job runs, and how long each source may go without a successful sync before it is stale."""

    enabled: bool = True
    interval_minutes: float = Field(default=60.0, gt=0)
    run_after_sync: bool = True
    disabled: list[str] = []
    severity: dict[str, Literal["ERROR", "WARNING", "INFO"]] = {}
    # A source is stale without a successful sync for this long; per connector in stale_after_for.
    stale_after: str = "2d"
    stale_after_for: dict[str, str] = {}
    # The matters whose approval is a construction permit (施工许可) and a completion acceptance
    # (竣工验收): a project UNDER_CONSTRUCTION or COMPLETED needs one of the first, a COMPLETED
    # one also one of the second (rule project_status_contradicts_permits; empty: not checked).
    construction_permit_matters: list[str] = []
    completion_acceptance_matters: list[str] = []

    @field_validator("disabled")
    @classmethod
    def _known_disabled(cls, value: list[str]) -> list[str]:
        _known_rules(value)
        return value

    @field_validator("severity")
    @classmethod
    def _known_graded(cls, value: dict[str, str]) -> dict[str, str]:
        _known_rules(value)
        return value

    @field_validator("stale_after")
    @classmethod
    def _valid_stale_after(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("stale_after_for")
    @classmethod
    def _valid_stale_after_for(cls, value: dict[str, str]) -> dict[str, str]:
        for duration in value.values():
            parse_duration(duration)
        return value

    def stale_after_of(self, connector: str) -> str:
        """How long ``connector`` may go without a successful sync, as configured ("2d")."""
        return self.stale_after_for.get(connector, self.stale_after)

    def stale_interval(self, connector: str) -> timedelta:
        return parse_duration(self.stale_after_of(connector))


class HubConfig(_Strict):
    store: StoreConfig = StoreConfig()
    server: ServerConfig = ServerConfig()
    http: HttpConfig = HttpConfig()
    graphql: GraphQLConfig = GraphQLConfig()
    bus: BusConfig = BusConfig()
    webhooks: WebhookConfig = WebhookConfig()
    calendar: CalendarConfig = CalendarConfig()
    supervision: SupervisionConfig = SupervisionConfig()
    security: SecurityConfig = SecurityConfig()
    roles: dict[str, RoleConfig] = {}
    reports: ReportsConfig = ReportsConfig()

    idle: IdleConfig = IdleConfig()
    authenticity: AuthenticityConfig = AuthenticityConfig()
    # department code -> its signing keys ([[keys.GHJ]] tables in hub.toml)
    keys: dict[str, list[KeyConfig]] = {}

    checks: ChecksConfig = ChecksConfig()
    connectors: list[ConnectorConfig] = []
    # The region's administrative divisions, written to the store's divisions at start (a
    # connector with a stream of entity "division" can sync them instead).
    divisions: list[DivisionConfig] = []
    # entity -> connector, or entity -> {field -> connector}, naming the authoritative source;
    # "department" instead of a connector: each record's own department's connector wins.
    authority: dict[str, str | dict[str, str]] = {}
    source: Literal["file", "defaults"] = "defaults"
    path: str | None = None

    @field_validator("roles", mode="before")
    @classmethod
    def _over_builtins(cls, value: Any) -> Any:
        """A role named like a built-in starts from the built-in's settings."""
        if not isinstance(value, dict):
            return value
        return {
            name: {**BUILTIN_ROLES.get(name, {}), **given} if isinstance(given, dict) else given
            for name, given in value.items()
        }

    def role(self, name: str) -> RoleConfig:
        """The role ``name`` (configured, else built in); an unknown name lists the known."""
        if name in self.roles:
            return self.roles[name]
        if name in BUILTIN_ROLES:
            return RoleConfig(**BUILTIN_ROLES[name])
        raise UnknownNameError("role", name, sorted({*BUILTIN_ROLES, *self.roles}))

    @model_validator(mode="after")
    def _unique_connectors(self) -> HubConfig:
        for key in ("anonymous", "cli"):
            try:
                self.role(getattr(self.security, key))
            except UnknownNameError as exc:
                raise ValueError(f"security.{key}: {exc}") from None
        names = [c.name for c in self.connectors]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"connector names must be unique; repeated: {', '.join(duplicates)}")
        ids = [key.id for keys in self.keys.values() for key in keys]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"key ids must be unique across departments; repeated: {repeated}")

        stale = sorted(set(self.checks.stale_after_for) - set(names))
        if stale:
            raise ValueError(
                f"checks.stale_after_for names unknown connector {stale[0]!r}; "
                f"known: {', '.join(names) or '(none)'}"
            )
        for entity_name, rule in self.authority.items():
            if entity_name not in ENTITIES:
                raise ValueError(f"authority names unknown entity {entity_name!r}")
            if isinstance(rule, dict):
                unknown = sorted(set(rule) - set(ENTITIES[entity_name].by_name))
                if unknown:
                    raise ValueError(
                        f"authority for {entity_name} names unknown field(s) {', '.join(unknown)}"
                    )
            named = rule.values() if isinstance(rule, dict) else [rule]
            for connector in named:
                if connector == DEPARTMENT_AUTHORITY:
                    self._check_department_authority(entity_name, names)
                elif connector not in names:
                    raise ValueError(
                        f"authority for {entity_name} names unknown connector {connector!r}; "
                        f"known: {', '.join(names) or '(none)'}"
                    )
        return self

    @staticmethod
    def _check_department_authority(entity_name: str, names: Sequence[str]) -> None:
        if "department_code" not in ENTITIES[entity_name].by_name:
            raise ValueError(
                f"authority for {entity_name}: {DEPARTMENT_AUTHORITY!r} means the connector of "
                f"the department a record names, and a {entity_name} names none; name a "
                "connector instead"
            )
        if DEPARTMENT_AUTHORITY in names:
            raise ValueError(
                f"authority for {entity_name}: {DEPARTMENT_AUTHORITY!r} is both a connector's name "
                "and the rule 'the connector of the record's department'; rename the connector"
            )

    def connectors_by_department(self) -> dict[str, tuple[str, ...]]:
        """Department code -> the connectors that report for it (``department =`` in their
        section), for the authority rule ``"department"``."""
        found: dict[str, tuple[str, ...]] = {}
        for connector in self.connectors:
            if connector.department is not None:
                found[connector.department] = (*found.get(connector.department, ()), connector.name)
        return found

    def authority_for(self, entity_name: str) -> dict[str, str]:
        """Field -> the connector whose value wins for ``entity_name`` (empty: last write wins);
        ``DEPARTMENT_AUTHORITY`` for a field where the connector of each record's own department
        wins."""
        rule = self.authority.get(entity_name)
        if rule is None:
            return {}
        if isinstance(rule, str):
            return {name: rule for name in ENTITIES[entity_name].by_name}
        return dict(rule)

    def resolve_path(self, path: str) -> Path:
        """A path relative to the config file's folder (as is without a config file)."""
        given = Path(path)
        if given.is_absolute() or not self.path:
            return given
        return Path(self.path).parent / given

    def allowed_values(self, entity_name: str) -> dict[str, tuple[str, frozenset[str]]]:
        """Fields of ``entity_name`` whose values the config lists, with where it lists them:
        an annotation's cause is a code of the ``[idle]`` taxonomy."""
        if entity_name == "project_annotation":
            return {"cause": ("the causes of [idle] in the config", self.idle.cause_codes)}
        return {}

    def resolve_url(self, url: str) -> str:
        """Make a relative SQLite path in ``url`` relative to the config file's folder."""
        prefix, sep, rest = url.partition(":///")
        if not sep or not prefix.startswith("sqlite") or rest.startswith("/") or not self.path:
            return url
        return f"{prefix}:///{Path(self.path).parent / rest}"

    def reports_directory(self) -> Path:
        """Where the weekly reports are kept (``[reports] directory``, see ``ReportsConfig``)."""
        base = Path(self.path).parent if self.path else Path.cwd()
        if self.reports.directory is not None:
            return base / self.reports.directory
        prefix, sep, rest = self.resolve_url(self.store.url).partition(":///")
        if sep and prefix.startswith("sqlite") and rest and not rest.startswith(":memory:"):
            return Path(rest).parent / "reports"
        return base / "reports"

    def connector(self, name: str) -> ConnectorConfig:
        for candidate in self.connectors:
            if candidate.name == name:
                return candidate
        raise UnknownNameError("connector", name, [c.name for c in self.connectors])


def _expand_env(value: Any, path: str, file: str) -> Any:
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            raise ConfigError(file, path, f"environment variable {name} is not set")

        return _ENV_REF.sub(substitute, value)
    if isinstance(value, dict):
        return {k: _expand_env(v, f"{path}.{k}" if path else k, file) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, f"{path}[{i}]", file) for i, v in enumerate(value)]
    return value


def _key_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "union[")) or part in {"str", "dict[str,str]"}:
            continue
        else:
            path += f".{part}" if path else part
    return path


def parse_config(data: dict[str, Any], file: str = "<config>") -> HubConfig:
    """Validate a configuration already read into a dict (from TOML or built in code)."""
    expanded = _expand_env(data, "", file)
    try:
        config = HubConfig.model_validate(expanded)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "required key is missing"
        elif first["type"] == "extra_forbidden":
            message = "unknown key"
        count = exc.error_count()
        if count > 1:
            message += f" (and {count - 1} more problem{'s' if count > 2 else ''})"
        raise ConfigError(file, _key_path(first["loc"]), message) from None
    _check_records_can_be_created(config, file)
    return config


def _check_records_can_be_created(config: HubConfig, file: str) -> None:
    """A stream may map only some fields of an entity when another stream creates its records
    (then records new to the store are rejected one by one); with no such stream, none of its
    records could ever be stored, which is a mistake in the config."""
    creators = {s.entity for c in config.connectors for s in c.streams if not s.unmapped_required}
    for i, connector in enumerate(config.connectors):
        for j, stream in enumerate(connector.streams):
            missing = stream.unmapped_required
            if missing and stream.entity not in creators:
                names = ", ".join(repr(m) for m in missing)
                raise ConfigError(
                    file,
                    f"connectors[{i}].streams[{j}].fields",
                    f"stream {stream.stream_name!r} of connector {connector.name!r} does not map "
                    f"{names}, which every new {stream.entity} needs, and no stream of the config "
                    f"maps all of them to create {stream.entity} records; map "
                    f"{'it' if len(missing) == 1 else 'them'} to a column or give a default",
                )


def load_config(path: str | Path) -> HubConfig:
    """Read and validate ``hub.toml``; relative SQLite paths are resolved against its folder."""
    file = Path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(file), "", "file not found (run `hub demo` to write one)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(file), "", f"not valid TOML: {exc}") from None
    raw.setdefault("source", "file")
    raw.setdefault("path", str(file.resolve()))
    return parse_config(raw, str(file))
