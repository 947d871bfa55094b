"""Persisted queries for production portals: an allow-list of documents, requested by hash.

A client sends ``extensions: {persistedQuery: {version: 1, sha256Hash: "..."}}`` (Apollo's
automatic persisted queries, by POST or GET) instead of, or with, the query text; the hash is a
document's SHA-256 or an id the allow-list gives it. With ``only_persisted`` every other
document is refused (``PERSISTED_QUERY_REQUIRED``), so a leaked token cannot run arbitrary
queries. Over websockets the same holds for subscriptions.

The list is a JSON file: an object of id -> document (Relay's ``persisted-queries.json``) or an
Apollo persisted-query manifest (``{"format": "apollo-persisted-query-manifest", "operations":
[{"id", "body", ...}]}``). Every document is validated against the schema when the server
starts, so a stale list fails then, not at a portal's first request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, parse, validate
from strawberry.extensions import SchemaExtension

from hub.errors import ConfigError, ErrorCode

WHERE = "graphql.persisted_queries"


def document_hash(document: str) -> str:
    """The SHA-256 of a document's text, as Apollo clients compute it."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def _documents(raw: Any) -> Mapping[str, str]:
    """id -> document from either format; ValueError when it is neither."""
    if isinstance(raw, dict) and raw.get("format") == "apollo-persisted-query-manifest":
        operations = raw.get("operations")
        if not isinstance(operations, list):
            raise ValueError("an Apollo manifest needs a list of operations")
        pairs = [(op.get("id"), op.get("body")) for op in operations if isinstance(op, dict)]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise ValueError("expected an object of id -> document, or an Apollo manifest")
    documents: dict[str, str] = {}
    for key, body in pairs:
        if not isinstance(key, str) or not isinstance(body, str) or not body.strip():
            raise ValueError(f"entry {key!r}: an id needs a document (a non-empty string)")
        documents[key] = body
    return documents


@dataclass(frozen=True, slots=True)
class PersistedQueries:
    """The allow-list: documents by id and by hash."""

    path: Path
    documents: Mapping[str, str]  # as the file gives them: id -> document
    by_key: Mapping[str, str]  # an id or a document's hash -> the document
    hashes: frozenset[str]  # the hashes of every document

    @classmethod
    def load(cls, path: Path) -> PersistedQueries:
        """The list at ``path``; a ``ConfigError`` names the file and what is wrong."""
        try:
            documents = _documents(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(str(path), WHERE, "file not found") from None
        except (json.JSONDecodeError, ValueError) as exc:
            raise ConfigError(str(path), WHERE, str(exc)) from None
        by_key = {document_hash(d): d for d in documents.values()} | dict(documents)
        hashes = frozenset(document_hash(d) for d in documents.values())
        return cls(path, documents, by_key, hashes)

    def check(self, schema: GraphQLSchema) -> None:
        """Every document is valid for ``schema``; else a ``ConfigError`` names the entry."""
        for key, document in self.documents.items():
            try:
                problems = validate(schema, parse(document))
            except GraphQLError as exc:
                problems = [exc]
            if problems:
                raise ConfigError(
                    str(self.path), f"{WHERE}[{key!r}]", f"not valid for the schema: {problems[0]}"
                )


def _refusal(message: str, code: str) -> type[ASTValidationRule]:
    """A validation rule that refuses any document: the refusal is then an ordinary
    validation error, in HTTP responses and websocket error messages alike."""

    class Refusal(ASTValidationRule):
        def enter_document(self, *_args: Any) -> None:
            self.report_error(GraphQLError(message, extensions={"code": code}))

    return Refusal


# One class each, so that the validation cache keeps one entry per refused document.
NOT_FOUND = _refusal(
    "no persisted query with this sha256Hash on this server's allow-list",
    ErrorCode.PERSISTED_QUERY_NOT_FOUND,
)
REQUIRED = _refusal(
    "this server runs persisted queries only: send extensions.persistedQuery.sha256Hash of a "
    "document on its allow-list",
    ErrorCode.PERSISTED_QUERY_REQUIRED,
)
PLACEHOLDER = "{ __typename }"  # the document refused when a hash names none


def persisted_query_extension(queries: PersistedQueries, only_persisted: bool) -> type[Any]:
    """A schema extension that serves ``queries`` by hash (and, with ``only_persisted``,
    nothing else)."""

    class PersistedQueryExtension(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            context = self.execution_context
            persisted = (context.operation_extensions or {}).get("persistedQuery")
            wanted = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
            refusal = None
            if wanted is not None:
                document = queries.by_key.get(str(wanted))
                context.query = document or PLACEHOLDER
                refusal = NOT_FOUND if document is None else None
            elif only_persisted and document_hash(context.query or "") not in queries.hashes:
                refusal = REQUIRED
            if refusal is not None:
                context.validation_rules = (*context.validation_rules, refusal)
            yield

    return PersistedQueryExtension
