"""A real redis-server for the lock-store tests (skipped, with the install line, without one)."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.redis_server import MISSING, available, redis_server


@pytest.fixture()
def redis_url(tmp_path) -> Iterator[str]:
    if not available():
        pytest.skip(MISSING)
    with redis_server(tmp_path) as url:
        yield url
