"""Alembic environment: m8flow passes its own connection (engine.store.database.Database)."""
from __future__ import annotations

from alembic import context
from alembic.util import CommandError
from sqlalchemy import create_engine

from engine.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:  # `alembic` on the command line, e.g. to autogenerate a revision
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise CommandError("Set sqlalchemy.url in the alembic configuration")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
