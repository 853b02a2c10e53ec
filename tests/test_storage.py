"""The schema: migrations create it from nothing on SQLite and PostgreSQL, and match the models."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.storage import Database
from bot.storage.models import Base


def _fresh_database(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path}/fresh.db", None
    name = f"zgzj_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return url.rsplit("/", 1)[0] + "/" + name, (admin, name)


@pytest.fixture
def fresh_url(tmp_path):
    url, cleanup = _fresh_database(tmp_path)
    yield url
    if cleanup:
        admin, name = cleanup
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_nothing_creates_every_table_and_matches_the_models(fresh_url):
    database = Database(fresh_url)
    database.upgrade()
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert not diff, f"models and migrations differ: {diff}"
    database.upgrade()  # a second upgrade is a no-op
    database.dispose()


def test_downgrade_to_nothing_and_up_again(fresh_url):
    from alembic import command

    from bot.storage.db import alembic_config

    database = Database(fresh_url)
    database.upgrade()
    command.downgrade(alembic_config(fresh_url), "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    database.upgrade()
    assert "followers" in inspect(database.engine).get_table_names()
    database.dispose()
