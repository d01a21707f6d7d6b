"""Start ``rasa run`` with its HTTP API token taken from the environment, not the command line.

Rasa 3.6 reads the token only from ``--auth-token``; a token on the command line is visible
to every local user in ``ps`` and ``/proc/<pid>/cmdline``. This launcher reads
``RASA_AUTH_TOKEN`` and hands it to Rasa's own CLI inside the process (``sys.argv`` is
rewritten after the process has started, so the kernel's copy of the command line never
holds it). It also binds 127.0.0.1 unless ``--interface`` or ``HOST`` says otherwise: Rasa's
own default is every interface.

Run: ``python -m bot.security.rasa_server --model models/collections.tar.gz --enable-api
--port 5005 --credentials credentials.yml --endpoints endpoints.yml`` (any ``rasa run`` option).
"""
from __future__ import annotations

import os
import sys
from typing import Mapping, Optional, Sequence

TOKEN_ENV = "RASA_AUTH_TOKEN"


def default_interface(env: Optional[Mapping[str, str]] = None) -> str:
    """Loopback unless HOST says otherwise."""
    env = os.environ if env is None else env
    return env.get("HOST") or "127.0.0.1"


def _has_option(args: Sequence[str], *names: str) -> bool:
    return any(a in names or any(a.startswith(f"{n}=") for n in names) for a in args)


def rasa_argv(args: Sequence[str], token: str, env: Optional[Mapping[str, str]] = None) -> list[str]:
    """The argument vector handed to Rasa's CLI: ``rasa run`` + ``args`` + interface + token.

    Raises ValueError when the token is missing or already on the command line.
    """
    if not token.strip():
        raise ValueError(f"{TOKEN_ENV} is not set: the HTTP API would have no token")
    if _has_option(args, "--auth-token", "-t"):
        raise ValueError(f"pass the token in {TOKEN_ENV}, never on the command line (ps shows it)")
    argv = ["rasa", "run", *args]
    if not _has_option(args, "--interface", "-i"):
        argv += ["--interface", default_interface(env)]
    return argv + ["--auth-token", token]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the Rasa server in this process with the token from the environment."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        sys.argv = rasa_argv(args, os.environ.get(TOKEN_ENV, ""))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
