"""The Alembic history builds exactly the schema the models describe, and can go back."""
import os

from sqlalchemy import inspect

from bot.ledger.db import make_engine
from bot.ledger.migrate import downgrade_database, upgrade_database
from bot.schema import Base
from tests.schema_compare import schema_diff


def _url(tmp_path):
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrate.db'}"


def test_upgrade_matches_models_and_downgrade_empties(tmp_path):
    url = _url(tmp_path)
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    try:
        upgrade_database(url)
        with engine.connect() as conn:
            diff = schema_diff(conn)
        assert diff == []
        upgrade_database(url)  # idempotent
        downgrade_database(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version", "events"}  # events: Rasa's
    finally:
        Base.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        engine.dispose()
