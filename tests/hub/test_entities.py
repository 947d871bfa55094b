from __future__ import annotations

import pytest

from hub.entities import ENTITIES, FILING, MATTER, Entity, Kind, Link, Snapshot, entity
from hub.errors import UnknownNameError


def test_links_are_looked_up_by_name() -> None:
    assert FILING.link("matter") == Link("matter", "matter", "matter_code", "code")
    assert entity("project").link("filings") == Link(
        "filings", "filing", "code", "project_code", many=True
    )


def test_an_unknown_link_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError) as caught:
        FILING.link("matters")
    assert str(caught.value) == (
        "unknown link of filing 'matters'; known: department, events, matter, outcome, project"
    )


def test_every_link_joins_declared_fields() -> None:
    for source in ENTITIES.values():
        for link in source.links:
            target = entity(link.target)
            local, remote = source.field(link.local_field), target.field(link.remote_field)
            # A list of codes in one JSON field names many rows; a plain field compares as is.
            assert link.many or local.kind is not Kind.JSON, (source.name, link.name)
            assert remote.kind is not Kind.JSON, (source.name, link.name)


def test_prerequisites_are_a_json_list_of_matter_codes() -> None:
    prerequisites = MATTER.link("prerequisites")
    assert (prerequisites.target, prerequisites.many) == ("matter", True)
    assert MATTER.field(prerequisites.local_field).kind is Kind.JSON


def test_a_snapshot_must_name_a_declared_link() -> None:
    with pytest.raises(UnknownNameError, match="unknown link of filing 'catalogue'"):
        Entity(
            name="filing",
            table="filings",
            key="key",
            fields=FILING.fields,
            links=FILING.links,
            snapshots=(Snapshot("time_limit_days", "catalogue", "time_limit_days"),),
        )
