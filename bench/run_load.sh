#!/usr/bin/env bash
# A mixed community morning on the peers' data set: many people reading and a few writing at
# once, against gunicorn and a Celery worker (docs/performance.md, "Mixed load").
#
#   bench/run_load.sh [--people N] [--duration S] [--think S] [--warmup S] [--reads-only]
#                     [--beat] [--shared-redis] [--spirit] [--profile]
#                     [-- <more bench/load.py options>]
#                                                                            (make bench-load)
#
# 1. reuses the database hearth_bench_forums that bench/run_forums.sh seeded (the peers' data
#    set: 2,000 members with the demo community, 20,000 topics, 200,000 posts); it never seeds,
#    reseeds or drops it, and stops when it is not there. `migrate` runs as in run_forums.sh.
#    Replies, reactions, votes and bookmarks made by the run stay in it.
# 2. writes what bench/load.py needs (bench/load_setup.py): the members who sign in (the data
#    set's first people, with the demo password), every topic with its last page, the
#    categories, tags and open polls;
# 3. serves Hearth with gunicorn (4 sync workers, production settings as in run_forums.sh,
#    bench/forums_settings.py) and a Celery worker (`celery -A community worker -Q
#    default,email`; --beat adds beat, which flushes view counts and read positions every
#    minute), both on logical database 9 of a Redis server the run starts for itself (port
#    BENCH_REDIS_PORT, nothing saved, stopped at the end): Redis counts hits and misses for the
#    whole server, so only a server of its own gives Hearth's hit rate. --shared-redis uses
#    database 9 of the Redis on 127.0.0.1:6379 instead (flushed before and after; the hit rate
#    then counts every other client's lookups too, and the report lists them). The client's
#    address comes from X-Real-IP (ALLAUTH_TRUSTED_CLIENT_IP_HEADER), so each simulated person
#    has an address of their own, as people do; e-mails are built and dropped (dummymail://).
# 4. runs bench/load.py: --people (200), 70 % signed-in members, for --duration (60) seconds
#    on the clock after --warmup (10) seconds of the same load (the cache starts empty: a
#    community's is warm), --think (2) seconds between actions; --reads-only: no writes;
# 5. stops gunicorn and the worker and writes bench/results/load-peers/: summary.md, load.json
#    (every figure), writes.jsonl (every write that succeeded, one JSON line each),
#    writes-other.jsonl (refused, or without a definite answer), machine.txt.
# --profile: py-spy samples the gunicorn workers during the measured seconds (100 a second,
#    without pausing them, from the moment bench/load.py starts its clock); the collapsed stacks go to profile.txt and the functions holding
#    the most time to profile-top.md (bench/profile_top.py).
# --spirit: then the same people, reads only, against Spirit (its URL set: bench/load.py's
#    SpiritAdapter) at BENCH_SPIRIT_URL; when nothing answers there, bench/peers/ installs and
#    seeds Spirit (the first time) and serves it for the run, then stops it. Its topics
#    and categories are read from its database BENCH_SPIRIT_DB; results in
#    bench/results/load-spirit/.
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password), redis-server (or, with
# --shared-redis, Redis on 127.0.0.1:6379), the project virtualenv with its dev dependencies.
# Env: BENCH_VENV (./.venv) BENCH_PORT (8196) BENCH_OUT BENCH_REDIS_DB (9) BENCH_REDIS_PORT (6396)
#      BENCH_SPIRIT_URL (http://127.0.0.1:8192) BENCH_SPIRIT_DB (peers_spirit)
#      BENCH_IDLE_MAX (25) BENCH_IDLE_WAIT (90): first wait up to that many seconds for other
#      processes to use less than that % of the CPUs (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PEOPLE=200; DURATION=60; THINK=2; WARMUP=10; READS_ONLY=0; BEAT=0; SPIRIT=0; OWN_REDIS=1; PROFILE=0
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --people) PEOPLE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --think) THINK=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --reads-only) READS_ONLY=1; shift ;;
    --beat) BEAT=1; shift ;;
    --spirit) SPIRIT=1; shift ;;
    --profile) PROFILE=1; shift ;;
    --shared-redis) OWN_REDIS=0; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,47p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

DB=hearth_bench_forums
VENV=${BENCH_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
PG=(psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -q)
PORT=${BENCH_PORT:-8196}
BASE=http://127.0.0.1:$PORT
REDIS_DB=${BENCH_REDIS_DB:-9}
REDIS_PORT=6379
[ "$OWN_REDIS" = 1 ] && REDIS_PORT=${BENCH_REDIS_PORT:-6396}
SPIRIT_URL=${BENCH_SPIRIT_URL:-http://127.0.0.1:8192}
SPIRIT_DB=${BENCH_SPIRIT_DB:-peers_spirit}
OUT=${BENCH_OUT:-$ROOT/bench/results/load-peers}
SPIRIT_OUT=$(dirname "$OUT")/load-spirit
MEMBERS=$("$PY" -c "print(round($PEOPLE * 0.7))")
mkdir -p "$OUT"
rm -f "$OUT"/{machine.txt,summary.md,load.json,writes.jsonl,writes-other.jsonl,gunicorn.log,worker.log,profile.txt,profile-top.md}
TMP=$(mktemp -d /tmp/hearth-load-bench.XXXXXX)

case "$REDIS_DB" in 6|13) echo "Redis database $REDIS_DB belongs to other runs; pick another" >&2; exit 2 ;; esac
export DJANGO_SETTINGS_MODULE=bench.forums_settings
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/$REDIS_DB
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export STATIC_ROOT=$TMP/static
export LOG_LEVEL=WARNING
export ALLAUTH_TRUSTED_CLIENT_IP_HEADER=X-Real-IP
export EMAIL_URL=dummymail://

log() { printf '\n==> %s\n' "$*" >&2; }
manage() { "$PY" manage.py "$@"; }
rcli() { redis-cli -p "$REDIS_PORT" -n "$REDIS_DB" "$@"; }
flush_redis() { rcli flushdb >/dev/null 2>&1 || true; }

GUNICORN_PID=""; WORKER_PID=""; REDIS_PID=""
stop_pid() {  # pid label: TERM, then wait up to 30 s (the worker finishes its tasks first)
  local pid=$1 label=$2
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $label ($pid)" >&2
  fi
}
cleanup() {
  local rc=$?
  stop_pid "$GUNICORN_PID" gunicorn; GUNICORN_PID=""
  stop_pid "$WORKER_PID" "the Celery worker"; WORKER_PID=""
  rm -rf "$TMP"
  for f in "$OUT/gunicorn.log" "$OUT/worker.log"; do [ -s "$f" ] || rm -f "$f"; done
  flush_redis
  stop_pid "$REDIS_PID" "the run's Redis"; REDIS_PID=""
  echo "kept database $DB" >&2
  exit $rc
}

# shellcheck source=bench/quiet.sh
. "$ROOT/bench/quiet.sh"

# --- preflight ------------------------------------------------------------------------------
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
if [ "$OWN_REDIS" = 0 ]; then
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
fi
"$PY" -c 'import aiohttp' 2>/dev/null || { echo "aiohttp is missing: make install (it is a dev dependency)" >&2; exit 1; }
if curl -s -o /dev/null "$BASE/"; then echo "port $PORT is taken (set BENCH_PORT)" >&2; exit 1; fi
if [ "$OWN_REDIS" = 1 ] && redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "port $REDIS_PORT already has a Redis (set BENCH_REDIS_PORT)" >&2; exit 1
fi
if [ "$("${PG[@]}" -d "$DB" -tAc "SELECT count(*) FROM forums_topic WHERE title LIKE 'Topic 1: %'" 2>/dev/null)" != 1 ]; then
  echo "database $DB does not hold the peers' data set; seed it once with bench/run_forums.sh --seed-only" >&2
  exit 1
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  if git rev-parse -q --verify HEAD >/dev/null 2>&1; then
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')"
  fi
  echo "nproc: $(nproc); cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); memory: $(free -h | awk '/Mem:/ {print $2}')"
  echo "postgresql: $("${PG[@]}" -d postgres -tAc 'SHOW server_version'); redis: $(redis-server --version | awk '{print $3}' | cut -d= -f2)"
  echo "python: $("$PY" -c 'import platform; print(platform.python_version())'); django: $("$PY" -c 'import django; print(django.get_version())'); gunicorn: $("$VENV/bin/gunicorn" --version 2>&1 | awk '{print $NF}' | tr -d '()'); celery: $("$VENV/bin/celery" --version | awk '{print $1}'); aiohttp: $("$PY" -c 'import aiohttp; print(aiohttp.__version__)')"
  echo "run: $PEOPLE people, $DURATION s after $WARMUP s of warm-up, think $THINK s$([ "$READS_ONLY" = 1 ] && echo ', reads only')$([ "$BEAT" = 1 ] && echo ', worker with beat')$([ "$OWN_REDIS" = 1 ] && echo ", own Redis on port $REDIS_PORT")${EXTRA[*]:+, load.py ${EXTRA[*]}}"
  echo "uptime before: $(uptime)"
} | tee "$OUT/machine.txt" >&2

# --- Hearth ---------------------------------------------------------------------------------
if [ "$OWN_REDIS" = 1 ]; then
  log "starting the run's own Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --logfile "" >/dev/null &
  REDIS_PID=$!
  for _ in $(seq 50); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
flush_redis
log "reusing the seeded database $DB (never reseeded here)"
manage migrate --no-input -v 0
rows=$("${PG[@]}" -d "$DB" -tA -F', ' -c "SELECT (SELECT count(*) FROM members_user) || ' users', (SELECT count(*) FROM forums_topic) || ' topics', (SELECT count(*) FROM forums_post) || ' posts', (SELECT count(*) FROM forums_reaction) || ' reactions', (SELECT count(*) FROM forums_bookmark) || ' bookmarks', (SELECT count(*) FROM polls_ballot) || ' poll ballots', pg_size_pretty(pg_database_size('$DB'))")
echo "rows before: $rows" | tee -a "$OUT/machine.txt" >&2
manage collectstatic --no-input -v 0
BENCH_LOAD_MEMBERS=$MEMBERS BENCH_LOAD_TARGETS=$TMP/targets.json \
  manage shell --no-imports -c "exec(open('$ROOT/bench/load_setup.py').read())" >&2

log "starting a Celery worker (queues default, email$([ "$BEAT" = 1 ] && echo ', with beat')) on $REDIS_URL"
WORKER_ARGS=(-A community --quiet worker -Q default,email --loglevel WARNING --logfile "$OUT/worker.log")
[ "$BEAT" = 1 ] && WORKER_ARGS+=(--beat --scheduler django --pidfile= --schedule "$TMP/beat-schedule")
"$VENV/bin/celery" "${WORKER_ARGS[@]}" >>"$OUT/worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 150); do  # the worker declares its queues once it is connected
  [ "$(rcli exists _kombu.binding.default)" = 1 ] && break
  kill -0 "$WORKER_PID" 2>/dev/null || { echo "the worker exited; see $OUT/worker.log" >&2; exit 1; }
  sleep 0.2
done

log "starting gunicorn (4 workers) on $BASE"
"$VENV/bin/gunicorn" community.wsgi --workers 4 --bind "127.0.0.1:$PORT" \
  --error-logfile "$OUT/gunicorn.log" --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/bench/bare")" = 200 ] && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "gunicorn exited; see $OUT/gunicorn.log" >&2; exit 1; }
  sleep 0.2
done

busy=$(quiet_wait)
echo "others' CPU just before: ${busy}%; uptime just before: $(uptime)" | tee -a "$OUT/machine.txt" >&2
LOAD_ARGS=(--people "$PEOPLE" --duration "$DURATION" --think "$THINK" --warmup "$WARMUP")
[ "$READS_ONLY" = 1 ] && LOAD_ARGS+=(--reads-only)
PROFILER_PID=""
if [ "$PROFILE" = 1 ]; then
  # Sampling starts with the measured seconds, after the sign-ins and the warm-up.
  (while [ ! -e "$TMP/clock" ]; do sleep 0.2; done && exec "$VENV/bin/py-spy" record --pid "$GUNICORN_PID" --subprocesses \
    --nonblocking --rate 100 --duration "$DURATION" --format raw -o "$OUT/profile.txt") \
    >"$TMP/py-spy.log" 2>&1 &
  PROFILER_PID=$!
fi
log "bench/load.py against $BASE"
"$PY" bench/load.py --server hearth --base-url "$BASE" --targets "$TMP/targets.json" \
  "${LOAD_ARGS[@]}" --redis-url "$REDIS_URL" --out "$OUT/load.json" \
  --writes-log "$OUT/writes.jsonl" --writes-other-log "$OUT/writes-other.jsonl" \
  --clock-file "$TMP/clock" "${EXTRA[@]}" | tee "$OUT/summary.md"
echo "uptime after: $(uptime)" | tee -a "$OUT/machine.txt" >&2
if [ -n "$PROFILER_PID" ]; then
  wait "$PROFILER_PID" || { echo "py-spy failed:" >&2; cat "$TMP/py-spy.log" >&2; }
  if [ -s "$OUT/profile.txt" ]; then
    "$PY" bench/profile_top.py "$OUT/profile.txt" --top 40 >"$OUT/profile-top.md"
    log "where the workers' time went (py-spy, $OUT/profile-top.md)"
    cat "$OUT/profile-top.md" >&2
  fi
fi
stop_pid "$GUNICORN_PID" gunicorn; GUNICORN_PID=""
stop_pid "$WORKER_PID" "the Celery worker"; WORKER_PID=""
rows=$("${PG[@]}" -d "$DB" -tA -F', ' -c "SELECT (SELECT count(*) FROM forums_post) || ' posts', (SELECT count(*) FROM forums_reaction) || ' reactions', (SELECT count(*) FROM forums_bookmark) || ' bookmarks', (SELECT count(*) FROM polls_ballot) || ' poll ballots'")
echo "rows after: $rows" | tee -a "$OUT/machine.txt" >&2

# --- Spirit, reads only ---------------------------------------------------------------------
[ "$SPIRIT" = 1 ] || exit 0
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$SPIRIT_URL/")" != 200 ]; then
  # Installed and seeded once (bench/peers/setup_spirit.sh: about a minute the first time),
  # then served the way the forum benchmark serves it, and stopped at the end.
  spirit_port=${SPIRIT_URL##*:}
  if ! bash bench/peers/setup_spirit.sh >&2 ||
    ! bash bench/peers/serve_peer.sh start spirit --port "${spirit_port%%/*}" >&2; then
    echo "--spirit: Spirit could not be installed or served (above); only Hearth was driven" >&2
    exit 0
  fi
  trap 'bash bench/peers/serve_peer.sh stop spirit >&2 || true; cleanup' EXIT
fi
mkdir -p "$SPIRIT_OUT"
rm -f "$SPIRIT_OUT"/{summary.md,load.json,writes.jsonl,writes-other.jsonl}
cp "$OUT/machine.txt" "$SPIRIT_OUT/machine.txt"
# Spirit's topics in the data set's order, each with its last page (Spirit's default of 20
# comments a page; comment_count includes the opening comment), and its categories.
"${PG[@]}" -d "$SPIRIT_DB" -tAc "
  SELECT json_build_object(
    'server', 'spirit',
    'topics', (SELECT json_agg(json_build_array(id, slug, greatest(1, ceil(comment_count / 20.0)::int))
                               ORDER BY substring(title FROM '^Topic ([0-9]+):')::int)
               FROM spirit_topic_topic WHERE title ~ '^Topic [0-9]+: ' AND NOT is_removed),
    'categories', (SELECT json_agg(json_build_array(id, slug) ORDER BY title)
                   FROM spirit_category_category WHERE title ~ '^Category [0-9]+$'))" \
  >"$TMP/spirit-targets.json"
busy=$(quiet_wait)
log "bench/load.py against Spirit at $SPIRIT_URL, reads only (others' CPU just before: ${busy}%)"
"$PY" bench/load.py --server spirit --base-url "$SPIRIT_URL" --targets "$TMP/spirit-targets.json" \
  "${LOAD_ARGS[@]}" --reads-only --out "$SPIRIT_OUT/load.json" \
  --writes-log "$SPIRIT_OUT/writes.jsonl" --writes-other-log "$SPIRIT_OUT/writes-other.jsonl" \
  "${EXTRA[@]}" | tee "$SPIRIT_OUT/summary.md"
rm -f "$SPIRIT_OUT/writes.jsonl" "$SPIRIT_OUT/writes-other.jsonl"
echo "uptime after Spirit: $(uptime)" | tee -a "$SPIRIT_OUT/machine.txt" >&2
