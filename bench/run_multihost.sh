#!/usr/bin/env bash
# Hearth beyond one machine, on one: two web instances, two Celery workers and one beat on one
# PostgreSQL database and one Redis, checked to behave as one site (docs/deployment.md,
# "Beyond one machine").
#
#   bench/run_multihost.sh [--keep-db] [--members N]                  (make bench-multihost)
#
# 1. creates the database hearth_bench_multihost (dropped first if a run left it) and seeds the
#    demo community into it (`seed_demo --members N`, 60 by default, no KPI history), then
#    flushes Redis logical database 14 (BENCH_MULTIHOST_REDIS_DB) on 127.0.0.1:6379;
# 2. makes the nightly KPI snapshot and the 90-day report's daily check due every 20 s and a
#    90-day period end yesterday (bench/multihost_check.py prepare);
# 3. starts, with the production settings (bench/settings.py: DEBUG off, Redis cache and
#    sessions, persistent connections; HTTPS redirect off for plain http on 127.0.0.1):
#      - gunicorn A on 127.0.0.1:8301 and gunicorn B on 127.0.0.1:8302 (2 workers each),
#      - two Celery workers (w1, w2: -Q default,email,reports, one process each),
#      - one Celery beat (django-celery-beat's database schedule);
#    reports go to their own queue (CELERY_REPORTS_QUEUE=reports), the dashboards and
#    reports read through the replica alias (DATABASE_REPLICA_URL: here the same database
#    under other application names, so the check can see in pg_stat_activity which alias
#    of which process ran what), and e-mail goes to files (EMAIL_URL=filemail://…) so it
#    can be counted;
# 4. runs bench/multihost_check.py check: sessions, caches, notifications and e-mail, the
#    replica alias and the scheduled jobs, each PASS or FAIL (its docstrings say how);
# 5. stops everything it started (whatever happens), flushes its Redis database, drops the
#    database unless --keep-db, and writes bench/results/multihost/: summary.md, results.json,
#    machine.txt and the processes' logs when they have something in them.
# Exits 1 when a check failed. No timing is asserted: the machine may be busy.
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password), Redis on 127.0.0.1:6379 and
# the project virtualenv. Env: BENCH_VENV (./.venv) BENCH_MULTIHOST_PORTS ("8301 8302")
# BENCH_MULTIHOST_REDIS_DB (14) BENCH_MULTIHOST_TIMEOUT (900 s for each wait) BENCH_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

KEEP_DB=0; MEMBERS=60
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-db) KEEP_DB=1; shift ;;
    --members) MEMBERS=$2; shift 2 ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

DB=hearth_bench_multihost
VENV=${BENCH_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
PG=(psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -q)
read -r PORT_A PORT_B <<<"${BENCH_MULTIHOST_PORTS:-8301 8302}"
A=http://127.0.0.1:$PORT_A
B=http://127.0.0.1:$PORT_B
REDIS_DB=${BENCH_MULTIHOST_REDIS_DB:-14}
OUT=${BENCH_OUT:-$ROOT/bench/results/multihost}
case "$REDIS_DB" in 5|6|13) echo "Redis database $REDIS_DB belongs to other runs; pick another" >&2; exit 2 ;; esac
mkdir -p "$OUT"
rm -f "$OUT"/{machine.txt,summary.md,results.json,check.log} "$OUT"/*.log
TMP=$(mktemp -d /tmp/hearth-multihost.XXXXXX)
mkdir -p "$TMP/mail"

export DJANGO_SETTINGS_MODULE=bench.settings
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false LOG_LEVEL=WARNING
export STATIC_ROOT=$TMP/static
export SITE_URL=$A
export REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
# Each kind of process connects under its own application names, so the check can tell from
# pg_stat_activity which alias of which process ran what.
db_url() { echo "postgres://postgres@127.0.0.1:5432/$DB?application_name=$1"; }
export DATABASE_URL=$(db_url hearth-check)
export DATABASE_REPLICA_URL=$(db_url hearth-check-replica)
# The web instances' connections kept for the whole run (as CONN_MAX_AGE keeps them between
# requests), so the last statement each one ran can be read after the page.
export CONN_MAX_AGE=900
export CELERY_REPORTS_QUEUE=reports
export EMAIL_URL="filemail:///$TMP/mail"
export CELERY_TASK_ALWAYS_EAGER=false
export BENCH_MULTIHOST_TIMEOUT=${BENCH_MULTIHOST_TIMEOUT:-900}

log() { printf '\n==> %s\n' "$*" >&2; }
manage() { "$PY" manage.py "$@"; }
rcli() { redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" "$@"; }

PIDS=(); LABELS=()
start() {  # label logfile command...: in the background, remembered for the cleanup
  local label=$1 logfile=$2; shift 2
  "$@" >>"$logfile" 2>&1 &
  PIDS+=($!); LABELS+=("$label")
}
stop_pid() {  # pid label: TERM, then up to 60 s (a worker finishes its task first), then KILL
  local pid=$1 label=$2
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    echo "stopped $label ($pid)" >&2
  fi
}
DB_CREATED=0
cleanup() {
  local rc=$?
  local i
  for i in "${!PIDS[@]}"; do stop_pid "${PIDS[$i]}" "${LABELS[$i]}"; done
  PIDS=()
  for f in "$OUT"/*.log; do [ -s "$f" ] || rm -f "$f"; done
  rcli flushdb >/dev/null 2>&1 || true
  if [ "$DB_CREATED" = 1 ]; then
    if [ "$KEEP_DB" = 1 ]; then
      echo "kept database $DB (--keep-db)" >&2
    else
      "${PG[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
        && echo "dropped database $DB" >&2
    fi
  fi
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- preflight ------------------------------------------------------------------------------
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
rcli ping >/dev/null || { echo "Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
for port in "$PORT_A" "$PORT_B"; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is taken (set BENCH_MULTIHOST_PORTS)" >&2; exit 1
  fi
done

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  if git rev-parse -q --verify HEAD >/dev/null 2>&1; then
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')"
  fi
  echo "nproc: $(nproc); cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); memory: $(free -h | awk '/Mem:/ {print $2}')"
  echo "postgresql: $("${PG[@]}" -d postgres -tAc 'SHOW server_version'); redis: $(redis-cli -h 127.0.0.1 info server | awk -F: '/^redis_version/ {print $2}' | tr -d '\r')"
  echo "python: $("$PY" -c 'import platform; print(platform.python_version())'); django: $("$PY" -c 'import django; print(django.get_version())'); gunicorn: $("$VENV/bin/gunicorn" --version 2>&1 | awk '{print $NF}' | tr -d '()'); celery: $("$VENV/bin/celery" --version | awk '{print $1}')"
  echo "run: gunicorn A :$PORT_A and B :$PORT_B (2 workers each), Celery workers w1 and w2 (-Q default,email,reports, 1 process each), one beat; database $DB ($MEMBERS members), Redis db $REDIS_DB"
  echo "uptime before: $(uptime)"
} | tee "$OUT/machine.txt" >&2

# --- the database ---------------------------------------------------------------------------
log "creating and seeding $DB"
"${PG[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
"${PG[@]}" -d postgres -c "CREATE DATABASE $DB"
DB_CREATED=1
rcli flushdb >/dev/null
manage migrate --no-input -v 0
# Seeded in-process, mail dropped: only the run's own e-mails are counted.
CELERY_TASK_ALWAYS_EAGER=true EMAIL_URL=dummymail:// \
  manage seed_demo --members "$MEMBERS" --history none --no-progress >&2
manage collectstatic --no-input -v 0
"$PY" bench/multihost_check.py prepare >&2
rcli flushdb >/dev/null

# --- the machines ---------------------------------------------------------------------------
CELERY=("$VENV/bin/celery" -A community)
for w in w1 w2; do
  log "starting Celery worker $w (queues default, email, reports)"
  start "worker $w" "$OUT/worker-$w.log" \
    env DATABASE_URL="$(db_url hearth-worker)" DATABASE_REPLICA_URL="$(db_url hearth-worker-replica)" \
    "${CELERY[@]}" worker -n "$w@%h" -Q default,email,reports \
    --concurrency 1 --loglevel INFO --without-gossip --without-mingle
done
for _ in $(seq 300); do  # both workers declare their queues once connected
  [ "$(rcli exists _kombu.binding.reports)" = 1 ] && break
  sleep 0.2
done
log "starting Celery beat (database schedule)"
start beat "$OUT/beat.log" "${CELERY[@]}" beat --scheduler django --loglevel INFO --pidfile= \
  --schedule "$TMP/beat-schedule"
for port in "$PORT_A" "$PORT_B"; do
  log "starting gunicorn on 127.0.0.1:$port (2 workers)"
  start "gunicorn :$port" "$OUT/gunicorn-$port.log" \
    env DATABASE_URL="$(db_url hearth-web)" DATABASE_REPLICA_URL="$(db_url hearth-web-replica)" \
    "$VENV/bin/gunicorn" community.wsgi \
    --workers 2 --bind "127.0.0.1:$port" --timeout 120 --log-level warning
done
for base in "$A" "$B"; do
  for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && break
    sleep 0.5
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] || { echo "$base/healthz never answered 200" >&2; exit 1; }
done
for i in "${!PIDS[@]}"; do
  kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "${LABELS[$i]} exited; see its log in $OUT" >&2; exit 1; }
done

# --- the checks -----------------------------------------------------------------------------
log "checking A=$A and B=$B as one site"
set +e
"$PY" bench/multihost_check.py check --a "$A" --b "$B" --mail-dir "$TMP/mail" \
  --beat-log "$OUT/beat.log" --worker-log "$OUT/worker-w1.log" --worker-log "$OUT/worker-w2.log" \
  --out "$OUT" 2>&1 | tee "$OUT/check.log"
status=${PIPESTATUS[0]}
set -e
echo "uptime after: $(uptime)" | tee -a "$OUT/machine.txt" >&2

{
  echo "# Hearth on two web instances, two workers and one beat"
  echo
  echo "\`bench/run_multihost.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC')): gunicorn A and B, Celery"
  echo "workers w1 and w2 (queues default, email, reports) and one beat on one PostgreSQL database"
  echo "(read through the primary and the replica alias) and one Redis. Conditions: machine.txt."
  echo
  echo '```'
  grep -E '^(PASS|FAIL)  |checks passed' "$OUT/check.log" || true
  echo '```'
} >"$OUT/summary.md"
rm -f "$OUT/check.log"
exit "$status"
