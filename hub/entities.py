"""The canonical entities of the unified store: their fields, kinds, keys and links.

This is the one place that says what a department, matter, project, filing, process event and
outcome are. The tables, the sync engine's converters and the GraphQL types are derived from it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.errors import UnknownNameError


class Kind(enum.Enum):
    """How a field's value is parsed, validated and stored."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    DATETIME = "datetime"
    DATE = "date"
    ENUM = "enum"
    JSON = "json"
    PROJECT_CODE = "project_code"
    CREDIT_CODE = "credit_code"
    DIVISION = "division"


class Stage(enum.Enum):
    LAND_PLANNING = "LAND_PLANNING"  # 1 立项用地规划许可
    ENGINEERING_PERMIT = "ENGINEERING_PERMIT"  # 2 工程建设许可
    CONSTRUCTION_PERMIT = "CONSTRUCTION_PERMIT"  # 3 施工许可
    COMPLETION_ACCEPTANCE = "COMPLETION_ACCEPTANCE"  # 4 竣工验收
    PARALLEL = "PARALLEL"  # 并行推进


class TimeLimitClass(enum.Enum):
    IMMEDIATE = "IMMEDIATE"  # 即办
    ORDINARY = "ORDINARY"  # 普通
    COMPLEX = "COMPLEX"  # 复杂


class ProjectCategory(enum.Enum):
    BUILDING = "BUILDING"  # 房建
    MUNICIPAL = "MUNICIPAL"  # 市政
    TRANSPORT = "TRANSPORT"  # 交通
    WATER = "WATER"  # 水务
    OTHER = "OTHER"


class Funding(enum.Enum):
    GOVERNMENT = "GOVERNMENT"  # 政府投资
    SOCIAL = "SOCIAL"  # 社会投资


class ProjectStatus(enum.Enum):
    PLANNING = "PLANNING"  # 前期
    UNDER_APPROVAL = "UNDER_APPROVAL"  # 审批中
    UNDER_CONSTRUCTION = "UNDER_CONSTRUCTION"  # 在建
    COMPLETED = "COMPLETED"  # 竣工
    SUSPENDED = "SUSPENDED"  # 暂停


class FilingStatus(enum.Enum):
    SUBMITTED = "SUBMITTED"  # 已申报
    ACCEPTED = "ACCEPTED"  # 已受理
    IN_PROGRESS = "IN_PROGRESS"  # 办理中
    SUPPLEMENT = "SUPPLEMENT"  # 补齐补正
    APPROVED = "APPROVED"  # 办结(准予)
    REJECTED = "REJECTED"  # 办结(不予)
    WITHDRAWN = "WITHDRAWN"  # 撤回


class EventStep(enum.Enum):
    ACCEPT = "ACCEPT"  # 受理
    HANDLE = "HANDLE"  # 承办
    REVIEW = "REVIEW"  # 审核
    DECIDE = "DECIDE"  # 审批
    SUPPLEMENT_REQUESTED = "SUPPLEMENT_REQUESTED"  # 补正告知
    SUPPLEMENT_RECEIVED = "SUPPLEMENT_RECEIVED"  # 补正接收
    # 特别程序 (expert review, public notice, hearing): the time limit's clock stops meanwhile.
    SPECIAL_PROCEDURE_STARTED = "SPECIAL_PROCEDURE_STARTED"
    SPECIAL_PROCEDURE_ENDED = "SPECIAL_PROCEDURE_ENDED"
    COMPLETE = "COMPLETE"  # 办结


class Decision(enum.Enum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    choices: type[enum.Enum] | None = None
    length: int = 200  # text: the most characters the store keeps
    minimum: float | None = None  # numbers: the least value that makes sense (0: no negatives)

    @property
    def choice_values(self) -> frozenset[str]:
        return frozenset(member.value for member in self.choices) if self.choices else frozenset()


@dataclass(frozen=True, slots=True)
class Link:
    """A reference to another entity: the rows of ``target`` whose ``remote_field`` equals this
    entity's ``local_field`` (one row, or a list of them when ``many``). A ``local_field`` of
    kind JSON holds a list of values, each naming one target row."""

    name: str
    target: str
    local_field: str
    remote_field: str
    many: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A value taken over on insert: ``field`` is copied from ``source_field`` of the row that
    ``link`` names, when the stream does not map ``field`` itself. Later changes of the source
    value do not move it (the linked catalogue is versioned)."""

    field: str
    link: str
    source_field: str


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity: ``key`` names its identifying field, ``project_field`` the field that
    links it to a project (the join key across departments), if any; ``links`` its references
    to other entities and ``snapshots`` the values it copies from them on insert."""

    name: str
    table: str
    key: str
    fields: tuple[Field, ...]
    project_field: str | None = None
    links: tuple[Link, ...] = ()
    snapshots: tuple[Snapshot, ...] = ()
    # Fields the hub concludes and logs for the entity without storing them on its rows (a
    # filing's time-limit state): the change feed can be filtered by them like any field.
    derived_fields: tuple[str, ...] = ()
    # Links whose row must be in the store: a record naming none is rejected with the reason
    # (a filing may arrive before its project; an annotation of a project may not).
    required_links: tuple[str, ...] = ()
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)
    links_by_name: Mapping[str, Link] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "links_by_name", {link.name: link for link in self.links})
        for snapshot in self.snapshots:  # a misdeclared snapshot fails at import
            self.field(snapshot.field)
            self.link(snapshot.link)
        for name in self.required_links:
            self.link(name)

    def field(self, name: str) -> Field:
        try:
            return self.by_name[name]
        except KeyError:
            raise UnknownNameError(f"field of {self.name}", name, self.by_name) from None

    def link(self, name: str) -> Link:
        """The link called ``name``; an unknown name lists the known ones."""
        try:
            return self.links_by_name[name]
        except KeyError:
            raise UnknownNameError(f"link of {self.name}", name, self.links_by_name) from None


# The derived field of a data-check finding opened or closed about a record (hub.checks.runner).
FINDING_FIELD = "finding"


def _text(name: str, required: bool = False, length: int = 200) -> Field:
    return Field(name, Kind.TEXT, required=required, length=length)


def _enum(name: str, choices: type[enum.Enum], required: bool = False) -> Field:
    return Field(name, Kind.ENUM, required=required, choices=choices, length=32)


DEPARTMENT = Entity(
    name="department",
    table="departments",
    key="code",
    derived_fields=(FINDING_FIELD,),
    fields=(
        _text("code", required=True, length=32),
        _text("name", required=True),
        Field("credit_code", Kind.CREDIT_CODE, length=18),
        _text("short_name", length=32),
    ),
    links=(Link("matters", "matter", "code", "department_code", many=True),),
)

MATTER = Entity(
    name="matter",
    table="matters",
    key="code",
    derived_fields=(FINDING_FIELD,),
    fields=(
        _text("code", required=True, length=64),
        _text("name", required=True),
        _text("department_code", required=True, length=32),
        _enum("stage", Stage, required=True),
        _enum("time_limit_class", TimeLimitClass),
        Field("time_limit_days", Kind.INT, minimum=0),
        Field("prerequisites", Kind.JSON),
    ),
    links=(
        Link("department", "department", "department_code", "code"),
        Link("prerequisites", "matter", "prerequisites", "code", many=True),
    ),
)

PROJECT = Entity(
    name="project",
    table="projects",
    key="code",
    project_field="code",
    derived_fields=(FINDING_FIELD,),
    fields=(
        Field("code", Kind.PROJECT_CODE, required=True, length=32),
        _text("name", required=True, length=400),
        _enum("category", ProjectCategory),
        _enum("funding", Funding),
        _text("owner_name", length=400),
        Field("owner_credit_code", Kind.CREDIT_CODE, length=18),
        Field("district", Kind.DIVISION, length=6),
        Field("total_investment", Kind.FLOAT, minimum=0),
        Field("registered_at", Kind.DATETIME),
        _enum("status", ProjectStatus),
    ),
    links=(
        Link("filings", "filing", "code", "project_code", many=True),
        Link("annotations", "project_annotation", "code", "project_code", many=True),
    ),
)

FILING = Entity(
    name="filing",
    table="filings",
    key="key",
    project_field="project_code",
    derived_fields=("sla_state", FINDING_FIELD),  # hub.sla_alerts, hub.checks.runner
    fields=(
        _text("key", required=True, length=64),
        Field("project_code", Kind.PROJECT_CODE, required=True, length=32),
        _text("matter_code", required=True, length=64),
        _text("department_code", length=32),
        Field("submitted_at", Kind.DATETIME),
        Field("accepted_at", Kind.DATETIME),
        Field("completed_at", Kind.DATETIME),
        _enum("status", FilingStatus, required=True),
        Field("time_limit_days", Kind.INT, minimum=0),
        Field("materials", Kind.JSON),
    ),
    links=(
        Link("matter", "matter", "matter_code", "code"),
        Link("project", "project", "project_code", "code"),
        Link("department", "department", "department_code", "code"),
        Link("events", "process_event", "key", "filing_key", many=True),
        Link("outcome", "outcome", "key", "filing_key"),  # of several, the latest issued
    ),
    # A filing keeps the time limit its matter had when the filing arrived.
    snapshots=(Snapshot("time_limit_days", "matter", "time_limit_days"),),
)

PROCESS_EVENT = Entity(
    name="process_event",
    table="process_events",
    key="key",
    project_field="project_code",
    derived_fields=(FINDING_FIELD,),
    fields=(
        _text("key", required=True, length=64),
        _text("filing_key", required=True, length=64),
        Field("project_code", Kind.PROJECT_CODE, length=32),
        _enum("step", EventStep, required=True),
        _text("division"),
        _text("actor", length=100),
        Field("occurred_at", Kind.DATETIME, required=True),
        _text("opinion", length=2000),
    ),
    links=(Link("filing", "filing", "filing_key", "key"),),
)

OUTCOME = Entity(
    name="outcome",
    table="outcomes",
    key="key",
    project_field="project_code",
    derived_fields=(FINDING_FIELD,),
    fields=(
        _text("key", required=True, length=64),
        _text("filing_key", required=True, length=64),
        Field("project_code", Kind.PROJECT_CODE, length=32),
        _enum("decision", Decision, required=True),
        _text("document_type", length=100),
        _text("document_number", length=100),
        Field("issued_at", Kind.DATETIME),
        Field("valid_until", Kind.DATE),
        _text("issuer"),
        _text("holder", length=400),
        Field("attributes", Kind.JSON),
        # Authenticity (hub.authenticity): what the issuer signed, and with which key. Plain
        # text, checked after the record is stored, so that a malformed value still stores it.
        Field("holder_credit_code", Kind.CREDIT_CODE, length=18),
        _text("document_sha256", length=200),  # hex sha256 of the document file (PDF/OFD)
        _text("signature", length=2000),
        _text("signing_key_id", length=64),
        _text("signature_algorithm", length=32),  # SM2 or ED25519
    ),
    links=(Link("filing", "filing", "filing_key", "key"),),
)

# What a supervisor or the owner says holds a project up (hub.idle): a cause of the [idle]
# taxonomy, a note, who said it and when. Departments' systems sync them; supervisors push them
# or use the graph's annotateProject.
PROJECT_ANNOTATION = Entity(
    name="project_annotation",
    table="project_annotations",
    key="key",
    project_field="project_code",
    fields=(
        _text("key", required=True, length=64),
        Field("project_code", Kind.PROJECT_CODE, required=True, length=32),
        _text("cause", required=True, length=32),  # a code of the [idle] causes
        _text("note", length=2000),
        _text("author", length=100),
        Field("noted_at", Kind.DATETIME, required=True),
    ),
    links=(Link("project", "project", "project_code", "code"),),
    required_links=("project",),
)

ENTITIES: Mapping[str, Entity] = {
    e.name: e
    for e in (DEPARTMENT, MATTER, PROJECT, FILING, PROCESS_EVENT, OUTCOME, PROJECT_ANNOTATION)
}


def entity(name: str) -> Entity:
    """Look up a canonical entity by name; an unknown name lists the known ones."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise UnknownNameError("entity", name, ENTITIES) from None
