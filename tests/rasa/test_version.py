"""The start-up guard refuses any Rasa or rasa-sdk other than the verified pins."""
from __future__ import annotations

import pytest

from bot.rasa import lock_store, tracker_store, version


def test_the_installed_versions_are_the_verified_ones():
    assert version.mismatches() == []
    version.check()  # does not raise


@pytest.mark.parametrize("found", [
    {"rasa": "3.6.20", "rasa-sdk": "3.6.2"},
    {"rasa": "3.7.0", "rasa-sdk": "3.6.2"},
    {"rasa": "3.6.21", "rasa-sdk": "3.6.1"},
    {"rasa": "3.6.21", "rasa-sdk": None},
])
def test_any_other_version_stops_the_start(found):
    with pytest.raises(version.UnsupportedRasaVersion) as raised:
        version.check(found)
    assert "3.6.21" in str(raised.value) and "bot/rasa/" in str(raised.value)


def test_it_is_not_an_exception_rasa_would_swallow():
    # Rasa catches Exception around custom stores and falls back to memory.
    assert not issubclass(version.UnsupportedRasaVersion, Exception)


def test_the_stores_rasa_loads_check_the_version_first(monkeypatch, tmp_path):
    monkeypatch.setattr(version, "installed_versions", lambda: {"rasa": "3.8.0", "rasa-sdk": "3.8.0"})
    with pytest.raises(version.UnsupportedRasaVersion):
        tracker_store.UrlSQLTrackerStore(url=f"sqlite:///{tmp_path / 't.db'}")
    with pytest.raises(version.UnsupportedRasaVersion):
        lock_store.ConfiguredLockStore()
