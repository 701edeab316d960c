# The production profile's settings, sourced by deploy/local/profile.sh and the production tests.
# Every port is non-default and bound to 127.0.0.1; override any of them before `make up`.
# shellcheck shell=bash
PWC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# All state: .prod/ (git-ignored). Postgres runs as its own user and must pass through every
# parent folder; a clone inside a private one (mktemp -d makes them 0700) keeps its state in
# /var/tmp instead, under a name fixed by the clone's path (so up, down and the tests agree).
_pwc_open_path() {
  local dir="$1"
  while [ "$dir" != / ]; do
    [ -n "$(find "$dir" -maxdepth 0 -perm -o+x)" ] || return 1
    dir="$(dirname "$dir")"
  done
}
if [ -z "${PWC_PROD:-}" ]; then
  if _pwc_open_path "$PWC_ROOT"; then
    PWC_PROD="$PWC_ROOT/.prod"
  else
    PWC_PROD="/var/tmp/pwc-prod-$(printf %s "$PWC_ROOT" | sha256sum | cut -c1-12)"
  fi
fi
export PWC_PROD
export PWC_PG_PORT="${PWC_PG_PORT:-15432}"                # Postgres: Airflow's metadata DB
export PWC_REDIS_PORT="${PWC_REDIS_PORT:-16379}"          # Redis: the Celery broker
export PWC_S3_PORT="${PWC_S3_PORT:-18333}"                # SeaweedFS: S3 API and anonymous HTTP reads
export PWC_WEED_MASTER_PORT="${PWC_WEED_MASTER_PORT:-19333}"
export PWC_WEED_VOLUME_PORT="${PWC_WEED_VOLUME_PORT:-18082}"
export PWC_WEED_FILER_PORT="${PWC_WEED_FILER_PORT:-18888}"
export PWC_WEED_ADMIN_PORT="${PWC_WEED_ADMIN_PORT:-23646}"
export PWC_API_PORT="${PWC_API_PORT:-18080}"              # Airflow api-server (UI + REST + execution API)
export PWC_BUCKET="${PWC_BUCKET:-pwc-archive}"
export PWC_S3_ENDPOINT="http://127.0.0.1:$PWC_S3_PORT"

# Generated once by `make up` (credentials, the JWT and Fernet keys); never committed.
if [ -f "$PWC_PROD/secrets.env" ]; then
  # shellcheck disable=SC1091
  . "$PWC_PROD/secrets.env"
fi

export AIRFLOW_HOME="$PWC_PROD/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$PWC_ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__UNIT_TEST_MODE=False
export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PWC_API_PORT/execution/"
export AIRFLOW__CORE__FERNET_KEY="${PWC_FERNET_KEY:-}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$PWC_PROD/admin-password.json"
export AIRFLOW__API_AUTH__JWT_SECRET="${PWC_JWT_SECRET:-}"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$PWC_API_PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PWC_API_PORT"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow:${PWC_PG_PASSWORD:-}@127.0.0.1:$PWC_PG_PORT/airflow"
export AIRFLOW__CELERY__BROKER_URL="redis://:${PWC_REDIS_PASSWORD:-}@127.0.0.1:$PWC_REDIS_PORT/0"
export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql+psycopg2://airflow:${PWC_PG_PASSWORD:-}@127.0.0.1:$PWC_PG_PORT/airflow"
export AIRFLOW__CELERY__WORKER_CONCURRENCY=2
# A worker that died is noticed within 30 s (its task is then failed and retried), not 5 min.
export AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=30
export AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL=5
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30
export AIRFLOW__LOGGING__LOGGING_LEVEL=INFO
export GX_ANALYTICS_ENABLED=False
export PATH="$PWC_ROOT/.venv/bin:$PATH"
export AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT=21600
