"""Registers every desk page on the console blueprint: ``register_desk_routes(bp)``.

Profile and search, task inbox, canned replies, per-agent figures, assisted verification.
"""
from __future__ import annotations

from sanic import Blueprint

from bot.agentdesk.texts import desk_texts
from bot.handoff import web

from bot.handoff.console_agents import register_agent_routes
from bot.handoff.console_canned import register_canned_routes
from bot.handoff.console_profile import register_profile_routes
from bot.handoff.console_tasks import register_task_routes
from bot.handoff.console_verify import register_verify_routes


def register_desk_routes(bp: Blueprint) -> None:
    """Add the desk's pages and its static files to the console blueprint."""
    # The conversation page and the top bar include desk partials; they read the wording here.
    web._env.globals["desk_texts"] = desk_texts
    register_profile_routes(bp)
    register_task_routes(bp)
    register_canned_routes(bp)
    register_agent_routes(bp)
    register_verify_routes(bp)
