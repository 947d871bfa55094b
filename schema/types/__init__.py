"""The GraphQL object types, one module per domain type. Each is built from a store row by
``from_row`` (plain attribute copies, no ORM objects); links to other types resolve through the
per-request DataLoaders in ``info.context.loaders``."""
