"""Alembic environment: migrations run on the connection the hub hands over (see hub.store)."""

from alembic import context

from hub.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `hub migrate`, which supplies the connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
