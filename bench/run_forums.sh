#!/usr/bin/env bash
# Forum pages on the peers' data set, next to the ceiling and Spirit (docs/performance.md).
#
#   bench/run_forums.sh [--large] [--reseed] [--drop] [--no-spirit] [--seed-only] [--check]
#                       [--fast-paths]          (make bench-forums, make bench-forums-large)
#
# 1. database hearth_bench_forums (--large: hearth_bench_forums_large; BENCH_DB names
#    another): reused when it is already seeded with the same migration files (then only
#    `migrate` runs), else created, migrated and seeded:
#    `seed_demo --members 2000` (the demo community: maya, the Beta Program group, the demo
#    forum, polls and library) and the peers' data set (bench/peers_dataset.py: 20
#    categories, 20,000 topics, 200,000 posts, a hot topic of 500) through
#    bench/forums_seed.py, then VACUUM ANALYZE, then bench/seed_check.py (row counts, and
#    every denormalised counter against the rows: the run stops on a mismatch).
#    --large: `seed_demo --members 100000`, then 100,000 topics and 1,000,000 posts from the
#    same generator written with COPY together with 2,000,000 reactions, 3,000 polls with
#    300,000 ballots, a library of 5,000 resources with their views, downloads, reactions
#    and shares, 100,000 bookmarks and the support acts of all of it (bench/large_seed.py;
#    about 10 minutes on the shared 2-core machine, a progress bar per step on a terminal;
#    BENCH_SCALE=0.1 seeds a tenth of everything, to try it). The steps' times go to
#    machine.txt and seed.json, the check's results to check.json.
# 2. logs maya in (a member of the Beta Program group, so category checks go through group
#    permissions; bench/forums_setup.py) and counts each page's SQL (bench/members_queries.py);
# 3. serves Hearth with gunicorn (4 sync workers, production settings, DEBUG off, 127.0.0.1)
#    and loads each page with wrk -t2 -c16 -d20s after a 5 s warm-up, as the peers were
#    measured (docs/performance.md): the ceiling (/bench/bare, a constant response
#    through Hearth's middleware), the home page, the category page, latest, unanswered,
#    the busiest tag's page, the hot topic's page 1 and last page, and search for a common
#    and a rare word, topics and posts and "All" (the header's box: no kind; measured only
#    when it answers 200), each for a visitor and for maya;
#    and three floors (bench/forums_urls.py): a 24 KB page from the cache, alone and after one
#    ORM or one SQL query, what any topic page must at least do;
# 4. stops Hearth and puts Spirit 0.14.3, the peer engine, through the same wrk runs: its
#    category page, its latest topics (its home page) and the hot topic's page 1 and last
#    page, for a visitor. bench/peers/setup_spirit.sh installs it into a scratch virtualenv
#    (/tmp/hearth-peers/spirit) and seeds its own database (peers_spirit) from the same
#    generator the first time (about a minute; later runs reuse both), and
#    bench/peers/serve_peer.sh serves it with gunicorn (4 sync workers) and stops it. When
#    that fails (no PyPI, say) the table quotes Spirit's recorded topic page instead;
# 5. prints a markdown table (bench/results/forums-peers/ or forums-large/summary.md).
# --reseed drops and seeds the database again; --drop drops it at the end (neither touches
#    Spirit's: `bash bench/peers/setup_spirit.sh --reseed` seeds that one again).
# --no-spirit: leave step 4 out.
# --seed-only: step 1 alone (other benchmarks reuse the seeded database, bench/run_metrics.sh).
# --check: run bench/seed_check.py on a reused database too.
# --fast-paths: instead of steps 3-5, the topic page's page 1 (visitor and maya) with each of
#    Hearth's shortcuts around Django's and psycopg's internals turned off in turn, and all of
#    them off, against the bare page (bench/forums_settings.py has the switches), in
#    BENCH_ROUNDS (2) interleaved rounds; the table goes to bench/results/forums-fast-paths/.
#    BENCH_VARIANTS="a,b" keeps only the variants whose label starts with one of these (and
#    "as is", the reference), e.g. BENCH_VARIANTS="KeyLookup".
#    BENCH_PAGES_ONLY="category,tag" measures only the pages whose label starts with one of
#    these (and the ceiling), e.g. after a change to them; with --no-spirit, BENCH_OUT elsewhere.
#    BENCH_COMPARE_WITH=<dir> adds the code in <dir> (e.g. `git archive <commit>` unpacked,
#    same migrations) as one more variant: a change's cost in the same run.
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password), Redis on 127.0.0.1:6379
# (logical database 6 is flushed: it belongs to this benchmark), wrk, the project virtualenv;
# for Spirit's first run, python3 and pip access to PyPI.
# Env: BENCH_VENV (./.venv) BENCH_PORT (8191) BENCH_OUT BENCH_SPIRIT_PORT (8192)
#      BENCH_PEERS_HOME (/tmp/hearth-peers: where bench/peers/ installs the peer engines)
#      BENCH_DB (the database's name) BENCH_SCALE (--large only: 1) BENCH_KEEP_INDEXES (--large
#      only: 1 loads with every index in place, bench/large_seed.py)
#      WRK_THREADS (2) WRK_CONN (16) WRK_DURATION (20s) WRK_WARMUP (5s) WRK_TIMEOUT (10s)
#      BENCH_IDLE_MAX (25) BENCH_IDLE_WAIT (90): before each page, wait up to that many
#      seconds for other processes to use less than that % of the CPUs (the box is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

LARGE=0; RESEED=0; DROP=0; SPIRIT=1; FAST=0; SEED_ONLY=0; CHECK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --large) LARGE=1; shift ;;
    --reseed) RESEED=1; shift ;;
    --drop) DROP=1; shift ;;
    --no-spirit) SPIRIT=0; shift ;;
    --fast-paths) FAST=1; SPIRIT=0; shift ;;
    --seed-only) SEED_ONLY=1; SPIRIT=0; shift ;;
    --check) CHECK=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

SCALE=${BENCH_SCALE:-1}
if [ "$LARGE" = 1 ]; then
  DB=hearth_bench_forums_large; SHAPE=large
  MEMBERS=$(awk -v s="$SCALE" 'BEGIN { printf "%d", 100000 * s + 0.5 }')
else
  DB=hearth_bench_forums; MEMBERS=2000; SHAPE=peers
fi
DB=${BENCH_DB:-$DB}
VENV=${BENCH_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
GUNICORN=$VENV/bin/gunicorn
PG=(psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -q)
PORT=${BENCH_PORT:-8191}
BASE=http://127.0.0.1:$PORT
SPIRIT_PORT=${BENCH_SPIRIT_PORT:-8192}
T=${WRK_THREADS:-2}; C=${WRK_CONN:-16}; D=${WRK_DURATION:-20s}; W=${WRK_WARMUP:-5s}; TO=${WRK_TIMEOUT:-10s}
OUT=${BENCH_OUT:-$ROOT/bench/results/forums-$SHAPE}
[ "$FAST" = 1 ] && OUT=${BENCH_OUT:-$ROOT/bench/results/forums-fast-paths}
# A seed alone leaves the last measured results where they are.
[ "$SEED_ONLY" = 1 ] && OUT=${BENCH_OUT:-$ROOT/bench/results/forums-$SHAPE-seed}
mkdir -p "$OUT/wrk"
rm -f "$OUT"/{machine.txt,queries.json,queries.md,wrk.tsv,summary.md,gunicorn.log} "$OUT"/wrk/*.txt
TMP=$(mktemp -d /tmp/hearth-forums-bench.XXXXXX)
COOKIE_FILE=$TMP/cookie

export DJANGO_SETTINGS_MODULE=bench.forums_settings
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false
export REDIS_URL=redis://127.0.0.1:6379/6
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export STATIC_ROOT=$TMP/static
export LOG_LEVEL=WARNING

log() { printf '\n==> %s\n' "$*" >&2; }
manage() { "$PY" manage.py "$@"; }
shell_run() { manage shell --no-imports -c "exec(open('$ROOT/bench/$1').read())"; }

GUNICORN_PID=""; SPIRIT_UP=0
stop_gunicorn() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"
    for _ in $(seq 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    echo "stopped gunicorn ($GUNICORN_PID)" >&2
  fi
  GUNICORN_PID=""
}
cleanup() {
  local rc=$?
  stop_gunicorn
  [ "$SPIRIT_UP" = 1 ] && bash "$ROOT/bench/peers/serve_peer.sh" stop spirit >&2 || true
  rm -rf "$TMP"
  [ -s "$OUT/gunicorn.log" ] || rm -f "$OUT/gunicorn.log"
  redis-cli -n 6 flushdb >/dev/null 2>&1 || true
  if [ "$DROP" = 1 ]; then
    "${PG[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" && echo "dropped database $DB" >&2
  else
    echo "kept database $DB for the next run (--drop removes it)" >&2
  fi
  exit $rc
}

# --- preflight ------------------------------------------------------------------------------
[ "$SEED_ONLY" = 1 ] || command -v wrk >/dev/null || { log "installing wrk"; apt-get install -y wrk >/dev/null \
  || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
if [ "$SEED_ONLY" = 0 ] && curl -s -o /dev/null "$BASE/"; then echo "port $PORT is taken (set BENCH_PORT)" >&2; exit 1; fi
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  if git rev-parse -q --verify HEAD >/dev/null 2>&1; then
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')"
  fi
  echo "nproc: $(nproc); cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); memory: $(free -h | awk '/Mem:/ {print $2}')"
  echo "postgresql: $("${PG[@]}" -d postgres -tAc 'SHOW server_version'); redis: $(redis-cli info server | awk -F: '/redis_version/ {print $2}' | tr -d '\r')"
  echo "python: $("$PY" -c 'import platform; print(platform.python_version())'); django: $("$PY" -c 'import django; print(django.get_version())'); gunicorn: $("$GUNICORN" --version 2>&1 | awk '{print $NF}' | tr -d '()'); wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt" >&2

# --- database -------------------------------------------------------------------------------
redis-cli -n 6 flushdb >/dev/null
# The seeded database is stamped with each migration file's hash: a migration edited in place
# after it was applied (as happens while a feature is being built) means a fresh seed, while a
# migration added since only needs `migrate` (a new index does not call for ten minutes of seed).
migration_manifest() {
  local f
  for f in ./*/migrations/0*.py; do echo "$f:$(sha1sum <"$f" | cut -c1-12)"; done | sort
}
MIGRATIONS_STAMP="migrations-v2 $(migration_manifest | tr '\n' ' ')"
seeded() {
  local stamp
  [ "$("${PG[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" = 1 ] &&
    stamp=$("${PG[@]}" -d postgres -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$DB'") &&
    [ "${stamp%% *}" = migrations-v2 ] &&
    [ -z "$(comm -23 <(echo "${stamp#* }" | tr ' ' '\n' | grep . | sort) <(migration_manifest))" ] &&
    [ "$("${PG[@]}" -d "$DB" -tAc "SELECT count(*) FROM forums_topic WHERE title LIKE 'Topic 1: %'" 2>/dev/null)" = 1 ]
}
if [ "$RESEED" = 0 ] && seeded; then
  log "reusing the seeded database $DB (--reseed to start again)"
  manage migrate --no-input -v 0
  "${PG[@]}" -d postgres -c "COMMENT ON DATABASE $DB IS '$MIGRATIONS_STAMP'"
  echo "seed: reused database $DB" >>"$OUT/machine.txt"
else
  log "recreating database $DB"
  s0=$(date +%s.%N)
  "${PG[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  "${PG[@]}" -d postgres -c "CREATE DATABASE $DB"
  manage migrate --no-input -v 0
  log "seed_demo --members $MEMBERS"
  s1=$(date +%s.%N)
  # Its progress bars go to the terminal only (stderr, drawn when it is one).
  manage seed_demo --members "$MEMBERS" | tee "$OUT/seed.log" >&2
  s2=$(date +%s.%N)
  log "the peers' data set (bench/forums_seed.py$([ "$LARGE" = 1 ] && echo ", BENCH_LARGE=1 BENCH_SCALE=$SCALE"))"
  BENCH_LARGE=$LARGE BENCH_SCALE=$SCALE BENCH_SEED_OUT=$OUT/seed.json shell_run forums_seed.py \
    | tee -a "$OUT/seed.log" >&2
  s3=$(date +%s.%N)
  log "VACUUM ANALYZE"
  "${PG[@]}" -d "$DB" -c "VACUUM ANALYZE"
  s4=$(date +%s.%N)
  CHECK=1
fi
if [ "$CHECK" = 1 ]; then
  log "the seed's counters against the rows (bench/seed_check.py)"
  BENCH_CHECK_OUT=$OUT/check.json shell_run seed_check.py | tee -a "$OUT/seed.log" >&2 \
    || { echo "the seeded database $DB fails its check (above)" >&2; exit 1; }
  c1=$(date +%s.%N)
  if [ -n "${s4:-}" ]; then
    awk -v a="$s0" -v b="$s1" -v c="$s2" -v d="$s3" -v e="$s4" -v f="$c1" -v shape="$SHAPE" 'BEGIN {
      printf "seed: create + migrate %.1fs, seed_demo %.1fs, %s data set %.1fs, VACUUM ANALYZE %.1fs, check %.1fs; %.1fs in all\n",
        b - a, c - b, shape, d - c, e - d, f - e, f - a }' \
      | tee -a "$OUT/machine.txt" >&2
    echo "load average after the seed: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
    # Stamped only once it passed: a database that failed is seeded again next time.
    "${PG[@]}" -d postgres -c "COMMENT ON DATABASE $DB IS '$MIGRATIONS_STAMP'"
  fi
fi
read -r HOT_PK HOT_SLUG HOT_CAT HOT_LAST < <("${PG[@]}" -d "$DB" -tA -F' ' -c "
  SELECT t.id, t.slug, c.slug, ceil((t.reply_count + 1) / 20.0)::int
  FROM forums_topic t JOIN forums_category c ON c.id = t.category_id
  WHERE t.title LIKE 'Topic 1: %'")
rows=$("${PG[@]}" -d "$DB" -tA -F', ' -c "SELECT (SELECT count(*) FROM members_user) || ' users', (SELECT count(*) FROM forums_category) || ' categories', (SELECT count(*) FROM forums_topic) || ' topics', (SELECT count(*) FROM forums_post) || ' posts', (SELECT count(*) FROM forums_reaction) || ' reactions', (SELECT count(*) FROM polls_poll) || ' polls', (SELECT count(*) FROM polls_ballot) || ' ballots', (SELECT count(*) FROM library_resource) || ' library resources', pg_size_pretty(pg_database_size('$DB'))")
# The tag on most topics: the demo forum's (the peers' data set has none).
TOP_TAG=$("${PG[@]}" -d "$DB" -tA -c "
  SELECT t.slug FROM forums_topic_tags tt JOIN forums_tag t ON t.id = tt.tag_id
  GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 1")
echo "rows: $rows; hot topic $HOT_PK ($HOT_LAST pages) in $HOT_CAT; tag $TOP_TAG" | tee -a "$OUT/machine.txt" >&2
if [ "$SEED_ONLY" = 1 ]; then DROP=0; exit 0; fi

manage collectstatic --no-input -v 0
BENCH_COOKIE_FILE=$COOKIE_FILE shell_run forums_setup.py >&2
COOKIE=$(cat "$COOKIE_FILE")

TOPIC=/forums/t/$HOT_PK/$HOT_SLUG/
# label|path: each page runs for the visitor, then for maya (the ceiling for the visitor only).
PAGES=(
  "ceiling: bare page|/bench/bare"
  "floor: cached 24 KB page|/bench/floor/cached"
  "floor: + one ORM query|/bench/floor/cached-orm?pk=$HOT_PK"
  "floor: + one SQL query|/bench/floor/cached-sql?pk=$HOT_PK"
  "home|/"
  "category page|/forums/c/$HOT_CAT/"
  "latest|/forums/latest/"
  "unanswered|/forums/unanswered/"
  "tag page|/forums/tags/$TOP_TAG/"
  "topic page 1|$TOPIC?page=1"
  "topic last page|$TOPIC?page=$HOT_LAST"
  "search zeppelin|/search/?q=zeppelin&kind=forums"
  "search invoice (rare)|/search/?q=invoice&kind=forums"
  "search all zeppelin|/search/?q=zeppelin"
  "search all invoice (rare)|/search/?q=invoice"
)
# BENCH_PAGES_ONLY="a,b": only the pages whose label starts with one of these (the ceiling
# always), to measure a change to a few pages again without the rest.
if [ -n "${BENCH_PAGES_ONLY:-}" ]; then
  kept=()
  for spec in "${PAGES[@]}"; do
    IFS=',' read -ra prefixes <<<"$BENCH_PAGES_ONLY"
    for prefix in ceiling "${prefixes[@]}"; do
      case "${spec%%|*}" in "$prefix"*) kept+=("$spec"); break ;; esac
    done
  done
  PAGES=("${kept[@]}")
fi

[ "$FAST" = 1 ] || log "query counts (test Client + CaptureQueriesContext, second request of each page)"
QUERY_PAGES=$("$PY" - "${PAGES[@]}" <<'PY'
import json, sys
rows = []
for spec in sys.argv[1:]:
    label, path = spec.split("|")
    for who in ("visitor", "member"):
        rows.append([label, who, path])
print(json.dumps(rows))
PY
)
[ "$FAST" = 1 ] || BENCH_PAGES=$QUERY_PAGES BENCH_COOKIE_FILE=$COOKIE_FILE BENCH_QUERIES_OUT=$OUT/queries.json \
  shell_run members_queries.py | tee "$OUT/queries.md" || echo "(query counting failed; see above)" >&2

# --- wrk --------------------------------------------------------------------------------------
to_ms() {  # wrk prints 850.00us / 12.34ms / 1.20s / 1.01m
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1;
    if (f < 0) { print "?"; exit } printf "%.1f", n * f }'
}
# shellcheck source=bench/quiet.sh
. "$ROOT/bench/quiet.sh"

# CPU time of the server side (gunicorn's workers and the PostgreSQL backends of the bench
# database) per request: on a machine others are using too, it moves far less than req/s.
# CPU_PID / CPU_DB name another server's gunicorn and database (Spirit's, step 4).
our_pids() {
  local pid=${CPU_PID:-$GUNICORN_PID}
  [ -n "$pid" ] && pgrep -P "$pid"
  "${PG[@]}" -d postgres -tAc "SELECT pid FROM pg_stat_activity WHERE datname = '${CPU_DB:-$DB}'"
}
cpu_ticks() {  # pid:ticks (utime + stime) for each of our processes
  local pid
  for pid in $(our_pids); do
    [ -r "/proc/$pid/stat" ] && echo "$pid:$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')"
  done
}
ticks_used() {  # before after: ticks used by processes in `after` since `before`
  awk -v before="$1" -v after="$2" 'BEGIN {
    n = split(before, b, " "); for (i = 1; i <= n; i++) { split(b[i], kv, ":"); start[kv[1]] = kv[2] }
    n = split(after, a, " "); for (i = 1; i <= n; i++) { split(a[i], kv, ":"); used += kv[2] - start[kv[1]] }
    print used + 0 }'
}
TICK_MS=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN {print 1000 / hz}')

TSV=$OUT/wrk.tsv
printf 'server\tpage\tuser\tpath\tstatus\treq_per_s\tp50_ms\tp99_ms\tnon2xx\tsocket_errors\tothers_cpu_before\tcpu_ms_per_req\n' >"$TSV"
run_wrk() {  # server label who base path
  local server=$1 label=$2 who=$3 base=$4 path=$5 hdr=() code busy f
  [ "$who" = member ] && hdr=(-H "Cookie: $COOKIE")
  code=$(curl -s -o /dev/null -w '%{http_code}' "${hdr[@]}" "$base$path")
  if [ "$code" != 200 ]; then
    echo "$path answered $code for the $who: not measured" >&2
    printf '%s\t%s\t%s\t%s\t%s\tnot yet\t\t\t\t\t\t\n' "$server" "$label" "$who" "$path" "$code" >>"$TSV"
    return
  fi
  busy=$(quiet_wait)
  log "$server: wrk -t$T -c$C -d$D --timeout $TO --latency $base$path ($who); others' CPU just before: ${busy}%"
  wrk -t"$T" -c"$C" -d"$W" --timeout "$TO" "${hdr[@]}" "$base$path" >/dev/null
  f=$OUT/wrk/$(printf '%s' "$server-$label-$who" | tr -c 'a-zA-Z0-9-' '_').txt
  local before after requests cpu_ms=""
  before=$(cpu_ticks | tr '\n' ' ')
  wrk -t"$T" -c"$C" -d"$D" --timeout "$TO" --latency "${hdr[@]}" "$base$path" >"$f"
  after=$(cpu_ticks | tr '\n' ' ')
  requests=$(awk '/requests in/ {print $1}' "$f")
  if [ "${requests:-0}" -gt 0 ]; then
    cpu_ms=$(awk -v t="$(ticks_used "$before" "$after")" -v ms="$TICK_MS" -v n="$requests" 'BEGIN {printf "%.3f", t * ms / n}')
  fi
  local rps p50 p99 non2xx errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$f")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$f"); non2xx=${non2xx:-0}
  errs=$(awk '/Socket errors/ {$1 = $2 = ""; print substr($0, 3)}' "$f"); errs=${errs:-none}
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$server" "$label" "$who" "$path" "$code" "$rps" "$p50" "$p99" "$non2xx" "$errs" "$busy" "$cpu_ms" >>"$TSV"
  printf '%s (%s): %s req/s, p50 %s ms, p99 %s ms, server CPU %s ms/request\n' "$path" "$who" "$rps" "$p50" "$p99" "${cpu_ms:-?}" >&2
}

start_gunicorn() {  # extra environment assignments for this server, e.g. BENCH_DB_ENGINE=django
  local dir=$ROOT assignment
  for assignment in "$@"; do  # BENCH_CODE_DIR=<a copy of another commit>: serve that code
    case "$assignment" in BENCH_CODE_DIR=*) dir=${assignment#BENCH_CODE_DIR=} ;; esac
  done
  log "starting gunicorn (4 workers) on $BASE${*:+ with $*}"
  env "$@" "$GUNICORN" community.wsgi --chdir "$dir" --workers 4 --bind "127.0.0.1:$PORT" \
    --error-logfile "$OUT/gunicorn.log" --log-level warning &
  GUNICORN_PID=$!
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/bench/bare")" = 200 ] && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "gunicorn exited; see $OUT/gunicorn.log" >&2; exit 1; }
    sleep 0.2
  done
}
if [ "$FAST" = 1 ]; then
  VARIANTS=(  # label|environment
    "as is|"
    "KeyLookup off: ORM lookups|BENCH_KEY_LOOKUPS=orm"
    "Django's Redis cache|BENCH_CACHE_BACKEND=django"
    "health checks on|CONN_HEALTH_CHECKS=true"
    "nothing prepared|DATABASE_PREPARE_THRESHOLD="
  )
  # psycopg2, the driver before psycopg 3, when it is installed beside it (pip install psycopg2-binary).
  OLD_DRIVER=""
  if "$PY" -c 'import psycopg2' 2>/dev/null; then
    OLD_DRIVER="PYTHONPATH=$ROOT/bench/psycopg2_only DATABASE_PREPARE_THRESHOLD="
    VARIANTS+=("psycopg2|$OLD_DRIVER")
  fi
  # BENCH_COMPARE_WITH=<directory>: also the code there (another commit, same migrations), on
  # psycopg2 when it is installed, as code from before the switch to psycopg 3 was run.
  [ -n "${BENCH_COMPARE_WITH:-}" ] && VARIANTS+=("code at $BENCH_COMPARE_WITH|BENCH_CODE_DIR=$BENCH_COMPARE_WITH $OLD_DRIVER")
  for round in $(seq "${BENCH_ROUNDS:-2}"); do
    for spec in "${VARIANTS[@]}"; do
      IFS='|' read -r vlabel venv <<<"$spec"
      if [ -n "${BENCH_VARIANTS:-}" ] && [ "$vlabel" != "as is" ]; then
        wanted=0
        IFS=',' read -ra prefixes <<<"$BENCH_VARIANTS"
        for prefix in "${prefixes[@]}"; do [[ "$vlabel" == "$prefix"* ]] && wanted=1; done
        [ "$wanted" = 1 ] || continue
      fi
      read -ra assignments <<<"$venv"
      start_gunicorn "${assignments[@]}"
      case "$vlabel" in "as is"|"code at "*)
        run_wrk hearth "ceiling|$vlabel|$round" visitor "$BASE" /bench/bare ;;
      esac
      run_wrk hearth "topic page 1|$vlabel|$round" visitor "$BASE" "$TOPIC?page=1"
      run_wrk hearth "topic page 1|$vlabel|$round" member "$BASE" "$TOPIC?page=1"
      stop_gunicorn
    done
  done
  "$PY" - "$TSV" "$T" "$C" "$D" <<'PY' | tee "$OUT/summary.md"
import csv, statistics, sys
tsv, t, c, d = sys.argv[1:]
rows = [r for r in csv.DictReader(open(tsv), delimiter="\t") if r["req_per_s"] not in ("", "not yet")]
ceilings = {}  # round -> the as-is ceiling
for r in rows:
    page, variant, rnd = r["page"].split("|")
    r["page"], r["variant"], r["round"] = page, variant, rnd
    if page == "ceiling" and variant == "as is":
        ceilings[rnd] = float(r["req_per_s"])
print(f"\n## Topic page 1 with each fast path off (wrk -t{t} -c{c} -d{d}, gunicorn 4 workers)\n")
print("Each cell: req/s (% of the same round's as-is ceiling), p50 / p99 ms, server CPU ms per request")
print("(gunicorn's workers and the bench database's PostgreSQL backends); one column per round.\n")
rounds = sorted({r["round"] for r in rows}, key=int)
print("| variant | page | user | " + " | ".join(f"round {n}" for n in rounds) + " | mean % of ceiling | req/s vs as is | CPU ms/request | CPU vs as is |")
print("| --- | --- | --- | " + " | ".join("---" for _ in rounds) + " | --- | --- | --- | --- |")
order = []
for r in rows:
    key = (r["variant"], r["page"], r["user"])
    if key not in order:
        order.append(key)
base, base_cpu = {}, {}
for variant, page, user in order:
    cells, shares, cpus = [], [], []
    for n in rounds:
        found = [r for r in rows if (r["variant"], r["page"], r["user"], r["round"]) == (variant, page, user, n)]
        if not found:
            cells.append("")
            continue
        r = found[0]
        share = 100 * float(r["req_per_s"]) / ceilings[n] if n in ceilings else float("nan")
        shares.append(share)
        if r.get("cpu_ms_per_req"):
            cpus.append(float(r["cpu_ms_per_req"]))
        cells.append(f"{float(r['req_per_s']):.0f} ({share:.1f} %), {r['p50_ms']} / {r['p99_ms']}, {r.get('cpu_ms_per_req') or '?'}")
    mean = statistics.mean(shares) if shares else float("nan")
    cpu = statistics.mean(cpus) if cpus else float("nan")
    if variant == "as is":
        base[page, user], base_cpu[page, user] = mean, cpu
    ref, ref_cpu = base.get((page, user)), base_cpu.get((page, user))
    delta = f"{100 * (mean / ref - 1):+.1f} %" if ref and variant != "as is" else ""
    cpu_delta = f"{100 * (cpu / ref_cpu - 1):+.1f} %" if ref_cpu and variant != "as is" else ""
    print(f"| {variant} | {page} | {user} | " + " | ".join(cells) + f" | {mean:.1f} % | {delta} | {cpu:.3f} | {cpu_delta} |")
PY
  exit 0
fi
start_gunicorn
for spec in "${PAGES[@]}"; do
  IFS='|' read -r label path <<<"$spec"
  run_wrk hearth "$label" visitor "$BASE" "$path"
  [ "$path" = /bench/bare ] || run_wrk hearth "$label" member "$BASE" "$path"
done
stop_gunicorn

# --- Spirit, same machine, same run ---------------------------------------------------------
# Measured after Hearth has stopped, so the two never share the two cores, and with the same
# run_wrk: a figure from another day on this shared machine would compare little.
SPIRIT_NOTE=""
if [ "$SPIRIT" = 1 ]; then
  log "Spirit: bench/peers/setup_spirit.sh (installs and seeds it the first time)"
  SPIRIT_HOME=${BENCH_PEERS_HOME:-/tmp/hearth-peers}/spirit
  if bash bench/peers/setup_spirit.sh >&2 &&
    bash bench/peers/serve_peer.sh start spirit --port "$SPIRIT_PORT" >&2; then
    SPIRIT_UP=1 CPU_PID=$(cat "$SPIRIT_HOME/gunicorn.pid") CPU_DB=peers_spirit
    read -r spk sslug scpk scslug slast < <("$PY" -c '
import json, math, sys
d = json.load(open(sys.argv[1]))
print(d["hot_topic_pk"], d["hot_topic_slug"], d["hot_category_pk"], d["hot_category_slug"],
      math.ceil(d["hot_topic_posts"] / 20))' "$SPIRIT_HOME/seed.json")
    echo "spirit: $("$SPIRIT_HOME/bin/python" -c 'from importlib.metadata import version as v
print("Spirit", v("django-spirit"), "on Django", v("django"))') (database peers_spirit)" >>"$OUT/machine.txt"
    SPIRIT_BASE=http://127.0.0.1:$SPIRIT_PORT
    run_wrk spirit "category page" visitor "$SPIRIT_BASE" "/category/$scpk/$scslug/"
    run_wrk spirit "latest" visitor "$SPIRIT_BASE" /
    run_wrk spirit "topic page 1" visitor "$SPIRIT_BASE" "/topic/$spk/$sslug/"
    run_wrk spirit "topic last page" visitor "$SPIRIT_BASE" "/topic/$spk/$sslug/?page=$slast"
    bash bench/peers/serve_peer.sh stop spirit >&2; SPIRIT_UP=0 CPU_PID="" CPU_DB=""
  else
    SPIRIT_NOTE="Spirit could not be installed or served (see the output above); its recorded topic page: 39.5 / 39.7 req/s (docs/performance.md)."
  fi
else
  SPIRIT_NOTE="Spirit was not run (--no-spirit); its recorded topic page: 39.5 / 39.7 req/s (docs/performance.md)."
fi
if [ "$SPIRIT" = 1 ] && [ "$LARGE" = 1 ]; then
  SPIRIT_NOTE="${SPIRIT_NOTE:+$SPIRIT_NOTE }Spirit holds the peers' data set (200,000 posts) even with --large."
fi

# --- report ---------------------------------------------------------------------------------
"$PY" - "$TSV" "$SHAPE" "$T" "$C" "$D" "$SPIRIT_NOTE" <<'PY' | tee "$OUT/summary.md"
import csv, sys
tsv, shape, t, c, d, note = sys.argv[1:]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
ceiling = next((float(r["req_per_s"]) for r in rows if r["path"] == "/bench/bare" and r["req_per_s"] not in ("", "not yet")), None)
print(f"\n## Hearth forum pages, {shape} data set (wrk -t{t} -c{c} -d{d}, gunicorn 4 workers)\n")
print("| server | page | user | req/s | % of ceiling | p50 ms | p99 ms | non-2xx | others' CPU before |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    rps = r["req_per_s"]
    if rps in ("", "not yet"):
        print(f"| {r['server']} | {r['page']} | {r['user']} | not yet (HTTP {r['status']}) | | | | | |")
        continue
    share = f"{100 * float(rps) / ceiling:.1f} %" if ceiling else "?"
    extra = "" if r["socket_errors"] == "none" else f" (socket errors: {r['socket_errors']})"
    print(f"| {r['server']} | {r['page']} | {r['user']} | {rps} | {share} | {r['p50_ms']} | {r['p99_ms']} | {r['non2xx']}{extra} | {r['others_cpu_before']}% |")
hearth = {r["page"]: r for r in rows if r["server"] == "hearth" and r["user"] == "visitor"}
pairs = [(r, hearth.get(r["page"])) for r in rows if r["server"] == "spirit"]
pairs = [(s, h) for s, h in pairs if h and {s["req_per_s"], h["req_per_s"]}.isdisjoint({"", "not yet"})]
if pairs:
    print("\n### Side by side, a visitor (the same run; server CPU: gunicorn's workers and PostgreSQL)\n")
    print("| page | Hearth req/s | Spirit req/s | Hearth / Spirit | Hearth CPU ms/request | Spirit CPU ms/request |")
    print("| --- | --- | --- | --- | --- | --- |")
    for s, h in pairs:
        ratio = float(h["req_per_s"]) / float(s["req_per_s"])
        print(f"| {s['page']} | {h['req_per_s']} | {s['req_per_s']} | {ratio:.1f} | {h['cpu_ms_per_req'] or '?'} | {s['cpu_ms_per_req'] or '?'} |")
if note:
    print(f"\n{note}")
print("\nTargets: topic page >= 40 % of the ceiling for a visitor, >= 25 % for a member with group permissions.")
PY
