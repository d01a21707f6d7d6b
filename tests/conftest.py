"""Shared fixtures.

``engine`` gives each test an empty database with the full schema. It is SQLite by
default; with ``TEST_DATABASE_URL`` set to a PostgreSQL URL the same tests run there
(``make test`` does both when PostgreSQL is available).
"""
from __future__ import annotations

import os
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.ledger.db import make_engine, session_factory
from bot.schema import Base  # every table of every room

os.environ.setdefault("ENABLE_REST_CHANNEL", "1")  # the servers the e2e tests start inherit it


@pytest.fixture()
def engine(tmp_path) -> Iterator[Engine]:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"
    eng = make_engine(url)
    Base.metadata.drop_all(eng)
    Base.metadata.create_all(eng)
    try:
        yield eng
    finally:
        Base.metadata.drop_all(eng)
        eng.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s


@pytest.fixture()
def app_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Point the application's own session_scope() (settings-driven) at the test database."""
    from bot.creditor import get_creditor
    from bot.ledger.db import get_engine
    from bot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for cached in (get_settings, get_engine, get_creditor):
        cached.cache_clear()
    yield engine
    for cached in (get_settings, get_engine, get_creditor):
        cached.cache_clear()


def pytest_collection_modifyitems(config, items) -> None:
    # Everything under tests/e2e/ needs the real servers; tests/cluster/ the whole cluster.
    for item in items:
        path = str(item.fspath).replace("\\", "/")
        if "/e2e/" in path:
            item.add_marker(pytest.mark.e2e)
        if "/cluster/" in path:
            item.add_marker(pytest.mark.cluster)
