"""Real servers on loopback for the end-to-end tests.

``live_servers`` is module-scoped: each test module gets its own pair of servers, its own
fresh database (migrated, with the demo ledger) and the environment of its ``live_env``
fixture, which a module overrides to point channels at its fake provider APIs.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.e2e.live import MODEL, LiveServers, free_port, running_servers

__all__ = ["LiveServers", "free_port"]


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    """Extra environment for the servers; modules override this fixture."""
    return {}


@pytest.fixture(scope="module")
def live_servers(live_env: dict[str, str], tmp_path_factory) -> Iterator[LiveServers]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    with running_servers(live_env, tmp_path_factory.mktemp("live")) as servers:
        yield servers
