#!/usr/bin/env bash
# The production shape on one machine, in the foreground (docs/deploy.md):
#   nginx :CLUSTER_PORT -> RASA_REPLICAS Rasa servers -> nginx -> ACTION_REPLICAS action servers
#   PostgreSQL (throwaway under $CLUSTER_DIR/pg unless DATABASE_URL is set), Redis (REDIS_URL,
#   or a throwaway redis-server), the outreach worker.
# Every process writes $CLUSTER_DIR/<name>.pid and <name>.log; a process that dies is
# restarted; Ctrl-C stops all of it.
# Ports come from the environment so tests can run several clusters side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/.venv/bin"
CLUSTER_DIR="$(mkdir -p "${CLUSTER_DIR:-var/cluster}" && cd "${CLUSTER_DIR:-var/cluster}" && pwd)"
CLUSTER_PORT="${CLUSTER_PORT:-5005}"          # nginx in front of the Rasa replicas
RASA_REPLICAS="${RASA_REPLICAS:-2}"
ACTION_REPLICAS="${ACTION_REPLICAS:-2}"
RASA_BASE_PORT="${RASA_BASE_PORT:-5101}"      # rasa-1 on 5101, rasa-2 on 5102, ...
ACTION_BASE_PORT="${ACTION_BASE_PORT:-5201}"  # action-1 on 5201, ...
ACTION_LB_PORT="${ACTION_LB_PORT:-5200}"      # nginx in front of the action servers (loopback only)
CLUSTER_PG_PORT="${CLUSTER_PG_PORT:-55499}"   # the throwaway PostgreSQL
CLUSTER_REDIS_PORT="${CLUSTER_REDIS_PORT:-6399}"
MODEL="${MODEL:-models/collections.tar.gz}"
# Explicit port lists win over the bases (the tests pass free ports): "5101 5102".
read -r -a RASA_PORT_LIST <<<"${RASA_PORTS:-$(for i in $(seq 1 "$RASA_REPLICAS"); do echo -n "$((RASA_BASE_PORT + i - 1)) "; done)}"
read -r -a ACTION_PORT_LIST <<<"${ACTION_PORTS:-$(for i in $(seq 1 "$ACTION_REPLICAS"); do echo -n "$((ACTION_BASE_PORT + i - 1)) "; done)}"
RASA_REPLICAS=${#RASA_PORT_LIST[@]}
ACTION_REPLICAS=${#ACTION_PORT_LIST[@]}

# --- what must be installed: one line naming the apt-get command -------------------------
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
[ -n "${DATABASE_URL:-}" ] && [[ "${DATABASE_URL}" != sqlite* ]] || [ -x "$PGBIN/pg_ctl" ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "make cluster needs: ${missing[*]} - install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
[ -f "$MODEL" ] || { echo "no trained model at $MODEL: run \`make train\` first" >&2; exit 1; }

declare -A pid_of cmd_of
start() {  # start NAME COMMAND...: background process with its pid and log files
  local name="$1"; shift
  cmd_of[$name]="$(printf '%q ' "$@")"
  "$@" >>"$CLUSTER_DIR/$name.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/$name.pid"
  pid_of[$name]=$!
}
PG_STARTED=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pid_of[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$PG_STARTED" ]; then as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/pg" -m fast stop >/dev/null 2>&1 || true; fi
  rm -f "$CLUSTER_DIR"/*.pid
}
trap cleanup INT TERM EXIT
wait_port() {  # wait_port PORT NAME: until something listens (or the process died)
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.5
  done
  echo "$2 did not start: see $CLUSTER_DIR/$2.log" >&2; return 1
}

# --- PostgreSQL ----------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ] || [[ "${DATABASE_URL}" == sqlite* ]]; then
  if [ ! -s "$CLUSTER_DIR/pg/PG_VERSION" ]; then
    mkdir -p "$CLUSTER_DIR/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$CLUSTER_DIR/pg"
    as_pg "$PGBIN/initdb" -D "$CLUSTER_DIR/pg" -A trust -U postgres >"$CLUSTER_DIR/initdb.log" 2>&1 \
      || { cat "$CLUSTER_DIR/initdb.log" >&2; exit 1; }
  fi
  [ "$(id -u)" = 0 ] && touch "$CLUSTER_DIR/postgres.log" && chown postgres "$CLUSTER_DIR/postgres.log"
  as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/pg" -l "$CLUSTER_DIR/postgres.log" -w \
    -o "-p $CLUSTER_PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  PG_STARTED=1
  head -1 "$CLUSTER_DIR/pg/postmaster.pid" >"$CLUSTER_DIR/postgres.pid"
  "$PGBIN/psql" -h 127.0.0.1 -p "$CLUSTER_PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='bot'" | grep -q 1 \
    || "$PGBIN/createdb" -h 127.0.0.1 -p "$CLUSTER_PG_PORT" -U postgres bot
  export DATABASE_URL="postgresql://postgres@127.0.0.1:$CLUSTER_PG_PORT/bot"
fi

# --- Redis ---------------------------------------------------------------------------------
if [ -z "${REDIS_URL:-}" ]; then
  start redis redis-server --port "$CLUSTER_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$CLUSTER_DIR"
  wait_port "$CLUSTER_REDIS_PORT" redis
  export REDIS_URL="redis://127.0.0.1:$CLUSTER_REDIS_PORT/1"
fi

# --- secrets, as scripts/serve.sh makes them (one per install, under var/) -----------------
secret() {  # secret FILE: a per-install random secret, created once
  mkdir -p var
  [ -s "var/$1" ] || (umask 077; "$VENV/python" -c 'import secrets; print(secrets.token_urlsafe(32))' >"var/$1")
  cat "var/$1"
}
export RASA_AUTH_TOKEN="${RASA_AUTH_TOKEN:-$(secret rasa_auth_token)}"
export WEBCHAT_TOKEN_SECRET="${WEBCHAT_TOKEN_SECRET:-$(secret webchat_secret)}"
export CONSOLE_SECRET="${CONSOLE_SECRET:-$(secret console_secret)}"
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-$(secret action_server_secret)}"
export WEBCHAT_ALLOWED_ORIGINS="${WEBCHAT_ALLOWED_ORIGINS:-http://localhost:${CLUSTER_PORT},http://127.0.0.1:${CLUSTER_PORT}}"
export ACTION_SERVER_URL="http://127.0.0.1:$ACTION_LB_PORT/webhook"
# A ticket of a killed replica blocks its conversation this long (Rasa's default is 60 s).
export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-20}"
export PYTHONPATH="$ROOT" SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false

# --- schema, demo ledger (only into an empty ledger), tracker table ------------------------
"$VENV/python" -m bot db upgrade
if [ "${DEMO_DATA:-1}" != "0" ]; then "$VENV/python" -m bot demo-data --if-empty; fi
"$VENV/python" -m bot.rasa.tracker_store  # tables and indexes once, before the replicas race for them

# --- nginx ---------------------------------------------------------------------------------
mkdir -p "$CLUSTER_DIR/nginx"
{
  echo "worker_processes 1;"
  echo "pid $CLUSTER_DIR/nginx.pid;"
  echo "error_log $CLUSTER_DIR/nginx.log warn;"
  echo "events { worker_connections 2048; }"
  echo "http {"
  # \$uri, not \$request: query strings carry secrets (the action server's token, link tokens).
  echo "  log_format cluster '\$remote_addr \$request_method \$uri \$status \$request_time upstream=\$upstream_addr';"
  echo "  access_log $CLUSTER_DIR/nginx-access.log cluster;"
  echo "  client_body_temp_path $CLUSTER_DIR/nginx/body; proxy_temp_path $CLUSTER_DIR/nginx/proxy;"
  echo "  fastcgi_temp_path $CLUSTER_DIR/nginx/fastcgi; uwsgi_temp_path $CLUSTER_DIR/nginx/uwsgi; scgi_temp_path $CLUSTER_DIR/nginx/scgi;"
  echo "  upstream rasa {"
  echo "    least_conn;"
  for port in "${RASA_PORT_LIST[@]}"; do echo "    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"; done
  echo "  }"
  echo "  upstream actions {"
  echo "    least_conn;"
  for port in "${ACTION_PORT_LIST[@]}"; do echo "    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"; done
  echo "  }"
  echo "  server {"
  echo "    listen 127.0.0.1:$CLUSTER_PORT;"
  cat deploy/nginx/rasa-locations.conf
  echo "  }"
  echo "  server {"
  echo "    listen 127.0.0.1:$ACTION_LB_PORT;"
  echo "    access_log $CLUSTER_DIR/nginx-actions-access.log cluster;"
  echo "    client_max_body_size 20m;  # Rasa sends the whole tracker of the session"
  echo "    # An action request already sent is not replayed on another server (it may write);"
  echo "    # the Rasa replica then answers with an apology (bot/rasa/apology.py)."
  echo "    location / { proxy_pass http://actions; proxy_read_timeout 300s;"
  echo "      proxy_next_upstream error timeout; }"
  echo "  }"
  echo "}"
} >"$CLUSTER_DIR/nginx.conf"
nginx -t -q -p "$CLUSTER_DIR/nginx" -c "$CLUSTER_DIR/nginx.conf" -g "daemon off;" 2>"$CLUSTER_DIR/nginx.log" \
  || { cat "$CLUSTER_DIR/nginx.log" >&2; exit 1; }

# --- the servers ---------------------------------------------------------------------------
for i in $(seq 1 "$ACTION_REPLICAS"); do
  start "action-$i" "$VENV/python" -m bot.security.action_server --actions actions --port "${ACTION_PORT_LIST[$((i - 1))]}"
done
for i in $(seq 1 "$RASA_REPLICAS"); do
  # The launcher hands Rasa the token from the environment: on a command line, ps would show it.
  start "rasa-$i" "$VENV/python" -m bot.security.rasa_server --model "$MODEL" --enable-api \
    --interface 127.0.0.1 --port "${RASA_PORT_LIST[$((i - 1))]}" --credentials credentials.yml --endpoints endpoints.yml
done
start outreach "$VENV/python" -m bot outreach run
# nginx writes its own pid file ($CLUSTER_DIR/nginx.pid); the one start() writes is the same pid.
start nginx nginx -p "$CLUSTER_DIR/nginx" -c "$CLUSTER_DIR/nginx.conf" -g "daemon off;"

for i in $(seq 1 "$RASA_REPLICAS"); do wait_port "${RASA_PORT_LIST[$((i - 1))]}" "rasa-$i"; done
wait_port "$CLUSTER_PORT" nginx
if [ "${DEMO_DATA:-1}" != "0" ]; then "$VENV/python" -m bot urls --port "$CLUSTER_PORT" --demo-agent || true; fi
echo "Cluster up on http://localhost:$CLUSTER_PORT: ${RASA_REPLICAS} Rasa, ${ACTION_REPLICAS} action servers; logs in $CLUSTER_DIR. Ctrl-C stops it."
set +e
# A process that dies is started again, like systemd's Restart=always in deploy/: a replica
# killed mid-conversation comes back while the others carry the traffic. While
# $CLUSTER_DIR/<name>.hold exists that process is left down (maintenance, fault tests).
while true; do
  sleep 1
  for name in "${!pid_of[@]}"; do
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null && [ ! -e "$CLUSTER_DIR/$name.hold" ]; then
      wait "${pid_of[$name]}" 2>/dev/null
      echo "$(date -u +%FT%TZ) $name exited (status $?): restarting; see $CLUSTER_DIR/$name.log" >&2
      eval "start $name ${cmd_of[$name]}"
    fi
  done
done
