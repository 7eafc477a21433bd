"""Alembic environment of the reporting schema.

The projector runs the migrations itself (:func:`projections.reporting.migrate.upgrade`) on
the connection it holds; the ``alembic`` command line works too, given a URL::

    alembic -x url=sqlite:///reporting.db -c /dev/null upgrade head   # not needed in practice
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from projections.reporting.migrate import VERSION_TABLE
from projections.reporting.schema import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the target: alembic -x url=postgresql+psycopg://… upgrade head")
    with create_engine(url).begin() as conn:
        _run(conn)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
