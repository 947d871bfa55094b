"""The demo's signed certificates (电子证照): every department signs its outcomes with its own
deterministic demo key, as its system would, over the canonical form of the values it publishes
(hub.authenticity); and seven certificates are planted that the hub must flag.

``prepare`` (on the generated data, before the sources are written) gives every outcome its
holder's credit code, its document's sha256, its key and algorithm, and plants the cases that
change published values. ``sign_sources`` (on the written sources) maps each department's
outcome rows exactly as the hub's config reads them (``hub.mapping.RecordMapper``, SQLite) and
writes the signature into the row; the forged, altered and unknown-key plants are signed wrong
there. The planted certificates are chosen by rule, without the generator's random numbers, so
the rest of the demo is the same as without them.
"""

from __future__ import annotations

import enum
import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hub.authenticity import canonical_form
from hub.config import CodeTable, ConnectorConfig, HubConfig
from hub.demo.dataset import Dataset
from hub.demo.filings import Filing, Outcome
from hub.demo.names import credit_code
from hub.demo.planted import PLANTED
from hub.demo.sources import SOURCES
from hub.entities import Decision
from hub.mapping import RecordMapper
from hub.signatures import algorithm

SM2_DEPARTMENTS = frozenset({"WSJ"})  # SM2 with SM3 (GB/T 32918); the others Ed25519
KEYS_FROM = date(2010, 1, 1)
FORGER = "FORGER"  # whose key signs the forged certificate
_SM2_BOUND = 0xFFFFFFFE << 224  # below SM2's group order n


class Plant(enum.Enum):
    """The planted certificates and what the hub says about each."""

    FORGED = "forged"  # signed with another key than its department's: INVALID_SIGNATURE
    ALTERED = "altered"  # valid_until extended after signing: INVALID_SIGNATURE
    UNKNOWN_KEY = "unknown_key"  # names a key no department has: UNKNOWN_KEY
    HOLDER_NOT_OWNER = "holder_not_owner"  # signed, but to another holder: holder_mismatch
    FLOOR_AREA = "floor_area"  # floor area 25% above its planning permit's: area_chain_mismatch
    EXPIRED = "expired"  # used as a prerequisite after it expired: prerequisite_violation
    DUPLICATE_NUMBER = "duplicate_number"  # another certificate's number: duplicate_document_number


# The findings the certificate plants open, besides the data-check plants (hub.demo.planted).
PLANT_FINDINGS = {
    "certificate_not_authentic": 3,  # forged, altered after signing, unknown key
    "holder_mismatch": 1,
    "area_chain_mismatch": 1,
    "prerequisite_violation": 1,  # used after it expired
    "duplicate_document_number": 2,  # the copy and its original
}


def unknown_department_outcomes(data: Dataset) -> list[Outcome]:
    """The outcomes of the filings planted under a department the hub does not know: that
    department's system signs them with a key the hub was never given (UNKNOWN_KEY)."""
    planted = data.planted.filings.get("unknown_department_code", [])
    return [filing.outcome for filing in planted if filing.outcome is not None]


def expected_findings(data: Dataset) -> dict[str, int]:
    """The open findings of the synced demo, by rule: the data-check plants, the certificate
    plants, and the certificates of unknown departments."""
    found = Counter({rule: data.planted.count(rule) for rule in PLANTED})
    found.update(PLANT_FINDINGS)
    found["certificate_not_authentic"] += len(unknown_department_outcomes(data))
    return dict(found)


def private_key(department: str) -> str:
    """A department's demo private key (hex): the same every build, never a secret."""
    for counter in range(100):
        key = hashlib.sha256(f"xietong-demo-key/{department}/{counter}".encode()).hexdigest()
        if int(key, 16) < _SM2_BOUND:
            return (
                key  # a valid SM2 scalar (below the group order n), and any 32 bytes do for Ed25519
            )
    raise AssertionError("unreachable: a sha256 below n is found at once")


def algorithm_of(department: str) -> str:
    return "SM2" if department in SM2_DEPARTMENTS else "ED25519"


def key_id(department: str) -> str:
    return f"{department.lower()}-demo-1"


def keys_config(departments: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """The ``[[keys.<DEPT>]]`` tables of the demo's hub.toml."""
    return {
        code: [
            {
                "id": key_id(code),
                "algorithm": algorithm_of(code),
                "public_key": algorithm(algorithm_of(code)).public_key(private_key(code)),
                "valid_from": KEYS_FROM.isoformat(),
            }
        ]
        for code in departments
    }


def document(outcome: Outcome, project_code: str) -> bytes:
    """The demo's document file of a certificate (a stand-in PDF): what /verify is sent."""
    lines = [
        "%PDF-1.7",
        f"% {outcome.document_type}",
        f"% {outcome.document_number}",
        f"% {outcome.holder}",
        f"% {project_code}",
        "%%EOF",
    ]
    return ("\n".join(lines) + "\n").encode()


def prepare(data: Dataset) -> dict[Plant, Filing]:
    """Fill every outcome's authenticity fields and plant the seven cases; returns the planted
    certificates' filings by plant."""
    for filing in data.filings:
        outcome = filing.outcome
        if outcome is None:
            continue
        department = filing.department_code
        outcome.holder_credit_code = (
            filing.project.owner_credit_code if filing.project is not None else None
        )
        outcome.signing_key_id = key_id(department)
        outcome.signature_algorithm = algorithm_of(department)
    planted = _plant(data)
    for filing in data.filings:
        if filing.outcome is not None:
            digest = hashlib.sha256(document(filing.outcome, filing.project_code))
            filing.outcome.document_sha256 = digest.hexdigest()
    return planted


def _approved(data: Dataset) -> list[Filing]:
    return [
        f
        for f in sorted(data.filings, key=lambda f: (f.source, f.native_id))
        if f.outcome is not None
        and f.project is not None
        and f.outcome.decision is Decision.APPROVED
        and f.outcome.valid_until is not None
    ]


def _plant(data: Dataset) -> dict[Plant, Filing]:
    approved = _approved(data)
    used: set[str] = set()  # projects with a plant: one plant per project
    planted: dict[Plant, Filing] = {}

    def take(plant: Plant, filing: Filing) -> None:
        assert filing.project is not None
        used.add(filing.project.code)
        planted[plant] = filing

    def fresh(filing: Filing) -> bool:
        return filing.project is not None and filing.project.code not in used

    by_project: dict[str, list[Filing]] = {}
    for filing in approved:
        by_project.setdefault(filing.project_code, []).append(filing)
    # Floor area: a construction permit (ZJJ) whose project has a planning permit stating it.
    for filing in approved:
        outcome = filing.outcome
        assert outcome is not None
        if (
            filing.department_code == "ZJJ"
            and "floor_area_m2" in outcome.attributes
            and fresh(filing)
        ):
            planning = [
                f
                for f in by_project[filing.project_code]
                if f.department_code == "GHJ"
                and f.outcome
                and "floor_area_m2" in f.outcome.attributes
            ]
            if planning:
                outcome.attributes["floor_area_m2"] = round(
                    outcome.attributes["floor_area_m2"] * 1.25, 2
                )
                take(Plant.FLOOR_AREA, filing)
                break
    # Expired: a prerequisite certificate whose validity now ends before the filing that used it.
    for filing in sorted(data.filings, key=lambda f: (f.source, f.native_id)):
        if not fresh(filing) or filing.accepted_at is None or not filing.matter.prerequisites:
            continue
        required = [
            f
            for f in by_project.get(filing.project_code, [])
            if f.matter.code in filing.matter.prerequisites
        ]
        if len(required) != 1:
            continue
        outcome = required[0].outcome
        assert outcome is not None and outcome.valid_until is not None
        ends = filing.accepted_at.date() - timedelta(days=10)
        if (
            outcome.issued_at.date() < ends < outcome.valid_until
            and filing.accepted_at.date() <= outcome.valid_until
        ):
            outcome.valid_until = ends
            take(Plant.EXPIRED, required[0])
            break
    rest = [f for f in approved if fresh(f)]
    # Holder not the owner: a genuine certificate, signed, issued to another company.
    holder = rest[0]
    assert holder.outcome is not None
    holder.outcome.holder = "深圳市鑫隆达置业有限公司"
    holder.outcome.holder_credit_code = credit_code(holder.outcome.holder, government=False)
    take(Plant.HOLDER_NOT_OWNER, holder)
    # Duplicate number: a later certificate of the same department and type given its number.
    rest = [f for f in approved if fresh(f)]
    original = rest[0]
    twin = next(
        f
        for f in rest[1:]
        if f.department_code == original.department_code
        and f.matter.code == original.matter.code
        and f.project_code != original.project_code
    )
    assert twin.outcome is not None and original.outcome is not None
    used.add(original.project_code)
    twin.outcome.document_number = original.outcome.document_number
    take(Plant.DUPLICATE_NUMBER, twin)
    # Signed wrong in sign_sources: one each of three departments.
    for plant in (Plant.FORGED, Plant.ALTERED, Plant.UNKNOWN_KEY):
        filing = next(
            f
            for f in approved
            if fresh(f)
            and f.department_code not in {p.department_code for p in planted.values() if p.outcome}
        )
        take(plant, filing)
    altered = planted[Plant.ALTERED].outcome
    assert altered is not None and altered.valid_until is not None
    altered.signed_valid_until = altered.valid_until
    altered.valid_until = altered.valid_until + timedelta(days=3 * 365)
    unknown = planted[Plant.UNKNOWN_KEY]
    assert unknown.outcome is not None
    unknown.outcome.signing_key_id = f"{unknown.department_code.lower()}-demo-9"
    for plant, filing in planted.items():
        assert filing.outcome is not None
        filing.outcome.plant = plant.value
    return planted


def _value_maps(db: sqlite3.Connection, connector: ConnectorConfig) -> dict[str, Mapping[str, str]]:
    maps: dict[str, Mapping[str, str]] = {}
    for name, spec in connector.value_maps.items():
        if isinstance(spec, CodeTable):
            rows = db.execute(f"SELECT {spec.code}, {spec.value} FROM {spec.table}").fetchall()
            maps[name] = {str(code): str(value) for code, value in rows}
        else:
            maps[name] = spec
    return maps


def sign_sources(folder: Path, data: Dataset, config: HubConfig) -> int:
    """Sign every outcome row of the written sources in ``folder`` (their connectors in
    ``config``); returns how many rows were signed."""
    tables = {
        name: (
            table.name,
            table.columns[0].name,
            next(c.name for c in table.columns if c.hub_field == "signature"),
        )
        for name, system in SOURCES.items()
        for table in system.tables
        if table.entity == "outcome"
    }
    # (number, project, China issue day) -> filing: what a mapped row is found by.
    outcomes: dict[tuple[Any, Any, Any], Filing] = {
        (f.outcome.document_number, f.project_code, f.outcome.issued_at.date()): f
        for f in data.filings
        if f.outcome is not None
    }
    signed = 0
    for connector in config.connectors:
        stream = next((s for s in connector.streams if s.entity == "outcome"), None)
        if stream is None or connector.name not in tables:
            continue
        table, key_column, signature_column = tables[connector.name]
        db = sqlite3.connect(folder / f"{connector.name}.db")
        db.row_factory = sqlite3.Row
        mapper = RecordMapper(stream, _value_maps(db, connector), connector.timezone)
        source = f"({stream.query})" if stream.query else table
        expressions = "".join(f', ({e}) AS "{label}"' for label, e in mapper.expressions.items())
        rows = db.execute(f"SELECT src.*{expressions} FROM {source} AS src").fetchall()
        updates = []
        for row in rows:
            values, _ = mapper.map(dict(row))
            if values is None:
                continue  # a planted bad row: the hub rejects it
            mapped = dict(zip(mapper.fields, values, strict=True))
            issued = mapped.get("issued_at")
            filing = outcomes.get(
                (
                    mapped.get("document_number"),
                    mapped.get("project_code"),
                    None if issued is None else (issued + timedelta(hours=8)).date(),
                )
            )
            if filing is None or filing.outcome is None:
                continue
            updates.append((_signature(filing, mapped), row[key_column]))
        statement = f"UPDATE {table} SET {signature_column} = ? WHERE {key_column} = ?"
        db.executemany(statement, updates)
        db.commit()
        db.close()
        signed += len(updates)
    return signed


def _signature(filing: Filing, mapped: dict[str, Any]) -> str:
    outcome = filing.outcome
    assert outcome is not None
    department = filing.department_code
    signer = department
    if outcome.plant == Plant.FORGED.value:
        signer = FORGER
    if outcome.plant == Plant.ALTERED.value:
        mapped = mapped | {"valid_until": outcome.signed_valid_until}
    message = canonical_form(mapped).encode()
    return algorithm(algorithm_of(department)).sign(private_key(signer), message)
