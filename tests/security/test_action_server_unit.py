"""The action server's token check and bind address, without starting a server."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.security.action_server import default_host, token_guard, token_matches


def test_default_host_is_loopback() -> None:
    assert default_host({}) == "127.0.0.1"
    assert default_host({"HOST": "0.0.0.0"}) == "0.0.0.0"
    assert default_host({"HOST": "0.0.0.0", "ACTION_HOST": "10.0.0.5"}) == "10.0.0.5"


def test_empty_token_refuses_to_build_a_guard() -> None:
    with pytest.raises(ValueError):
        token_guard("")


@given(expected=st.text(min_size=1), presented=st.one_of(st.none(), st.text()))
def test_only_the_exact_token_matches(expected: str, presented: str | None) -> None:
    assert token_matches(presented, expected) == (presented == expected)


def _request(path: str, token: str | None) -> SimpleNamespace:
    return SimpleNamespace(path=path, method="POST", args={} if token is None else {"token": token})


def test_guard_lets_health_through_and_refuses_the_rest() -> None:
    guard = token_guard("s3cret")
    assert asyncio.run(guard(_request("/health", None))) is None
    assert asyncio.run(guard(_request("/webhook", "s3cret"))) is None
    refused = asyncio.run(guard(_request("/webhook", "S3CRET")))
    assert refused is not None and refused.status == 401
    assert asyncio.run(guard(_request("/actions", None))).status == 401
