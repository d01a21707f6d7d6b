"""All runtime configuration, read from environment variables in one place.

Nothing else in the code base reads ``os.environ`` directly, so the README's list of
variables is complete by construction.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name).lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def _default_db_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'bot.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    creditor_file: Path
    log_level: str
    demo_data: bool
    rasa_url: str
    rasa_auth_token: str
    action_server_url: str
    verify_max_attempts: int
    verify_lock_minutes: int
    # Limits per tax code given and per client, against enumeration across conversations:
    # VERIFY_WIDE_MAX_FAILURES failures within VERIFY_WIDE_WINDOW_MINUTES lock for that long.
    verify_wide_max_failures: int
    verify_wide_window_minutes: int
    # Key of the tax-code hash in verification_attempts (set it in production).
    verify_hash_secret: str
    # The plain REST channel (local/demo/testing) answers 404 unless ENABLE_REST_CHANNEL=1.
    enable_rest_channel: bool
    # Channels: each is enabled only when its variables are set (see README).
    telegram_bot_token: str
    telegram_webhook_secret: str
    telegram_api_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_whatsapp_from: str
    twilio_sms_from: str
    twilio_api_base_url: str
    public_base_url: str
    webchat_token_secret: str
    webchat_allowed_origins: tuple[str, ...]
    webchat_token_ttl_minutes: int
    # Human handoff and the agent console.
    console_secret: str
    handoff_sla_minutes: int
    handoff_note_interval_minutes: int
    # Console assignment: open conversations one agent may hold at once; minutes an assigned
    # conversation may go without an agent message before it returns to the queue (0 = never).
    console_max_open_per_agent: int = 5
    console_silent_requeue_minutes: int = 15
    extra: dict[str, str] = field(default_factory=dict)
    # How long a conversation's verification (bot.security.verified) lasts at most; a new
    # session or /restart ends it sooner.
    verified_ttl_minutes: int = 120
    # Redis (REDIS_URL, empty = none): the lock store shared by Rasa replicas, live updates
    # across processes (pub/sub; else PostgreSQL LISTEN/NOTIFY on PostgreSQL, else in-process
    # only) and shared Telegram pacing. See docs/deploy.md.
    redis_url: str = ""
    # Durable inbound: a stored update that fails this many times is dead-lettered for agents.
    inbound_max_attempts: int = 5
    # Reply outbox: a reply the provider keeps refusing is given up after this many attempts.
    delivery_max_attempts: int = 6
    # How long a turn waits out an unreachable tracker database before giving up
    # (TRACKER_DB_RETRY_SECONDS): a short outage delays turns instead of losing them.
    tracker_db_retry_seconds: int = 20

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Settings from the environment as it is now; ValueError for a non-integer numeric variable."""
    origins = tuple(o.strip() for o in _env("WEBCHAT_ALLOWED_ORIGINS").split(",") if o.strip())
    return Settings(
        database_url=_env("DATABASE_URL") or _default_db_url(),
        creditor_file=Path(_env("CREDITOR_FILE") or ROOT / "creditor.yml"),
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        demo_data=_env_bool("DEMO_DATA", True),
        rasa_url=_env("RASA_URL", "http://127.0.0.1:5005"),
        rasa_auth_token=_env("RASA_AUTH_TOKEN"),
        action_server_url=_env("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook"),
        verify_max_attempts=_env_int("VERIFY_MAX_ATTEMPTS", 3),
        verify_lock_minutes=_env_int("VERIFY_LOCK_MINUTES", 30),
        verify_wide_max_failures=_env_int("VERIFY_WIDE_MAX_FAILURES", 5),
        verify_wide_window_minutes=_env_int("VERIFY_WIDE_WINDOW_MINUTES", 60),
        verify_hash_secret=_env("VERIFY_HASH_SECRET") or _env("WEBCHAT_TOKEN_SECRET") or "verification-attempts",
        enable_rest_channel=_env_bool("ENABLE_REST_CHANNEL", False),
        telegram_bot_token=_env("TELEGRAM_BOT_TOKEN"),
        telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
        telegram_api_base_url=_env("TELEGRAM_API_BASE_URL"),
        twilio_account_sid=_env("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_env("TWILIO_AUTH_TOKEN"),
        twilio_whatsapp_from=_env("TWILIO_WHATSAPP_FROM"),
        twilio_sms_from=_env("TWILIO_SMS_FROM"),
        twilio_api_base_url=_env("TWILIO_API_BASE_URL"),
        public_base_url=_env("PUBLIC_BASE_URL").rstrip("/"),
        webchat_token_secret=_env("WEBCHAT_TOKEN_SECRET"),
        webchat_allowed_origins=origins,
        webchat_token_ttl_minutes=_env_int("WEBCHAT_TOKEN_TTL_MINUTES", 60 * 48),  # links last 48 h unless set
        console_secret=_env("CONSOLE_SECRET"),
        handoff_sla_minutes=_env_int("HANDOFF_SLA_MINUTES", 30),
        handoff_note_interval_minutes=_env_int("HANDOFF_NOTE_INTERVAL_MINUTES", 10),
        verified_ttl_minutes=_env_int("VERIFIED_TTL_MINUTES", 120),
        redis_url=_env("REDIS_URL"),
        inbound_max_attempts=max(_env_int("INBOUND_MAX_ATTEMPTS", 5), 1),
        delivery_max_attempts=max(_env_int("DELIVERY_MAX_ATTEMPTS", 6), 1),
        console_max_open_per_agent=_env_int("CONSOLE_MAX_OPEN_PER_AGENT", 5),
        console_silent_requeue_minutes=_env_int("CONSOLE_SILENT_REQUEUE_MINUTES", 15),
        tracker_db_retry_seconds=_env_int("TRACKER_DB_RETRY_SECONDS", 20),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return load_settings()
