#!/usr/bin/env bash
# Starts the action server and the Rasa server in the foreground; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv/bin
RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}"
# The HTTP API is never open: without a configured token a random one is made per run.
if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  RASA_AUTH_TOKEN="$($VENV/python -c 'import secrets; print(secrets.token_hex(24))')"
fi
export RASA_AUTH_TOKEN
# Local/demo profile: the web chat works out of the box with a per-install secret.
if [ -z "${WEBCHAT_TOKEN_SECRET:-}" ]; then
  mkdir -p var
  [ -s var/webchat_secret ] || (umask 077; $VENV/python -c 'import secrets; print(secrets.token_urlsafe(32))' > var/webchat_secret)
  WEBCHAT_TOKEN_SECRET="$(cat var/webchat_secret)"
fi
export WEBCHAT_TOKEN_SECRET
export WEBCHAT_ALLOWED_ORIGINS="${WEBCHAT_ALLOWED_ORIGINS:-http://localhost:${RASA_PORT},http://127.0.0.1:${RASA_PORT}}"
if [ -z "${CONSOLE_SECRET:-}" ]; then
  [ -s var/console_secret ] || (umask 077; $VENV/python -c 'import secrets; print(secrets.token_urlsafe(32))' > var/console_secret)
  CONSOLE_SECRET="$(cat var/console_secret)"
fi
export CONSOLE_SECRET
# The action server answers only the Rasa server, which sends this secret (endpoints.yml).
if [ -z "${ACTION_SERVER_TOKEN:-}" ]; then
  mkdir -p var
  [ -s var/action_server_secret ] || (umask 077; $VENV/python -c 'import secrets; print(secrets.token_hex(32))' > var/action_server_secret)
  ACTION_SERVER_TOKEN="$(cat var/action_server_secret)"
fi
export ACTION_SERVER_TOKEN

pids=()
cleanup() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT

$VENV/python -m bot.security.action_server --actions actions --port "$ACTIONS_PORT" >var/actions.log 2>&1 &
pids+=($!)
# Proactive reminders: the worker sends due outreach messages exactly once (docs/outreach.md).
$VENV/python -m bot outreach run >var/outreach.log 2>&1 &
pids+=($!)
# The launcher hands RASA_AUTH_TOKEN to Rasa inside the process: `ps` never shows it. It binds
# 127.0.0.1 unless HOST says otherwise (so does the action server).
$VENV/python -m bot.security.rasa_server --model models/collections.tar.gz --enable-api \
  --port "$RASA_PORT" --credentials credentials.yml --endpoints endpoints.yml &
pids+=($!)

if [ "${DEMO_DATA:-1}" != "0" ]; then $VENV/python -m bot urls --port "$RASA_PORT" --demo-agent || true; else $VENV/python -m bot urls --port "$RASA_PORT" || true; fi
echo "Assistant starting on http://localhost:${RASA_PORT} (REST: POST /webhooks/rest/webhook). Ctrl-C stops it."
wait -n "${pids[@]}"
