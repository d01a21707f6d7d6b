"""Start-up guard: the adaptations in ``bot.rasa`` reach into private Rasa code.

They override private methods and patch class attributes of Rasa 3.6.21 and rely on the
rasa-sdk 3.6.2 wire format; on another version they could silently do the wrong thing
(a renamed method is simply never called). So every entry point Rasa loads from
``endpoints.yml`` calls :func:`check` first and the server refuses to start instead.
"""
from __future__ import annotations

from importlib import metadata

# The versions the patches were written and measured against (requirements.lock pins them).
EXPECTED = {"rasa": "3.6.21", "rasa-sdk": "3.6.2"}


class UnsupportedRasaVersion(SystemExit):
    """Raised at start-up on any other version.

    A ``SystemExit`` on purpose: Rasa catches ``Exception`` around custom tracker stores
    and falls back to an in-memory store, which would lose every conversation on restart.
    """


def installed_versions() -> dict[str, str | None]:
    """The installed version of each guarded distribution (None when it is missing)."""
    found: dict[str, str | None] = {}
    for name in EXPECTED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def mismatches(found: dict[str, str | None] | None = None) -> list[str]:
    """Human-readable lines, one per distribution whose version is not the expected one."""
    found = installed_versions() if found is None else found
    return [f"{name} {found.get(name) or 'missing'} installed, {want} expected"
            for name, want in EXPECTED.items() if found.get(name) != want]


def check(found: dict[str, str | None] | None = None) -> None:
    """Refuse to run on versions the adaptations were not verified on."""
    wrong = mismatches(found)
    if wrong:
        raise UnsupportedRasaVersion(
            "bot.rasa adapts Rasa internals and was verified only on "
            + ", ".join(f"{n} {v}" for n, v in EXPECTED.items()) + ": " + "; ".join(wrong)
            + ". Re-check bot/rasa/ (see its module docstrings) before changing the pins.")
