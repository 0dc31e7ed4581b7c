#!/usr/bin/env bash
# Member directory and profile pages at scale (docs/performance.md).
#
#   bench/run_members.sh [--members N] [--keep-db] [--reuse-db]   (make bench BENCH_MEMBERS=N)
#
# 1. drops and recreates the scratch PostgreSQL database hearth_bench, migrates, seeds the demo
#    community with N generated members (default 100,000) and prints the seed time;
# 2. turns on the branding switch that makes the directory public and logs maya in (a session
#    cookie for wrk), counts the SQL queries of every page (bench/members_queries.py), as
#    served from the shared copy and on a miss (BENCH_COLD=1: rendered afresh);
# 3. serves Hearth with gunicorn (4 sync workers, production settings, 127.0.0.1 only) and
#    loads each page with wrk -t2 -c16 for 15 s after a 5 s warm-up, the way the peer forums
#    were measured (docs/performance.md): first the bare page the forum bench compares with
#    (/bench/bare from bench/forums_urls.py, a constant response through Hearth's middleware),
#    then the directory (sorts, filters, search) and a profile, each for a visitor and for
#    maya, and /healthz;
# 4. prints a markdown table with each page's share of the bare page in the same run, and
#    stops gunicorn, drops the database (unless --keep-db) and removes the temporary static
#    files whatever happens.
# --keep-db leaves hearth_bench for EXPLAIN ANALYZE; --reuse-db measures again on a kept
# database without re-seeding (a second run, as the peers were measured twice).
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password), Redis on 127.0.0.1:6379
# (logical database 5 is flushed: it belongs to the benchmark), wrk (installed with apt-get
# when missing) and the project virtualenv.
# Env: BENCH_VENV (./.venv) BENCH_PORT (8190) BENCH_OUT (bench/results/members-N)
#      WRK_THREADS (2) WRK_CONN (16) WRK_DURATION (15s) WRK_WARMUP (5s)
#      WRK_TIMEOUT (10s: wrk's default 2 s would drop slow responses from the latency stats)
#      BENCH_IDLE_MAX (25) BENCH_IDLE_WAIT (600): before each page, wait up to that many seconds
#      for other processes to use less than that % of the CPUs. The table records the CPU that
#      others used just before (everything) and during each run (processes other than gunicorn,
#      wrk, PostgreSQL and Redis, whose share is mostly the benchmark's own).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MEMBERS=100000
KEEP_DB=0
REUSE_DB=0
while [ $# -gt 0 ]; do
  case "$1" in
    --members) MEMBERS=$2; shift 2 ;;
    --members=*) MEMBERS=${1#*=}; shift ;;
    --keep-db) KEEP_DB=1; shift ;;
    --reuse-db) REUSE_DB=1; KEEP_DB=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$MEMBERS" in ''|*[!0-9]*) echo "--members needs a number" >&2; exit 2 ;; esac

VENV=${BENCH_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
GUNICORN=$VENV/bin/gunicorn
PG=(psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -q)
DB=hearth_bench
PORT=${BENCH_PORT:-8190}
BASE=http://127.0.0.1:$PORT
T=${WRK_THREADS:-2}; C=${WRK_CONN:-16}; D=${WRK_DURATION:-15s}; W=${WRK_WARMUP:-5s}; TO=${WRK_TIMEOUT:-10s}
OUT=${BENCH_OUT:-$ROOT/bench/results/members-$MEMBERS}
mkdir -p "$OUT/wrk"
rm -f "$OUT"/{machine.txt,seed.log,queries.json,queries.md,queries-cold.json,queries-cold.md,wrk.tsv,summary.md,gunicorn.log} "$OUT"/wrk/*.txt
# Temporary files (collected static files, the session cookie) stay out of the results folder.
TMP=$(mktemp -d /tmp/hearth-bench.XXXXXX)
STATIC_TMP=$TMP/static
COOKIE_FILE=$TMP/cookie

# Production settings (bench/settings.py only moves STATIC_ROOT to the temporary folder), with
# the forum bench's reference pages beside Hearth's URLs (bench/forums_settings.py).
export DJANGO_SETTINGS_MODULE=bench.forums_settings
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false
export REDIS_URL=redis://127.0.0.1:6379/5
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export STATIC_ROOT=$STATIC_TMP
export LOG_LEVEL=WARNING

log() { printf '\n==> %s\n' "$*" >&2; }
manage() { "$PY" manage.py "$@"; }
shell_run() { manage shell --no-imports -c "exec(open('$ROOT/bench/$1').read())"; }

GUNICORN_PID=""
cleanup() {
  local rc=$?
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"
    for _ in $(seq 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    echo "stopped gunicorn ($GUNICORN_PID)" >&2
  fi
  rm -rf "$TMP"
  [ -s "$OUT/gunicorn.log" ] || rm -f "$OUT/gunicorn.log"  # kept only when gunicorn said something
  redis-cli -n 5 flushdb >/dev/null 2>&1 || true
  if [ "$KEEP_DB" = 1 ]; then
    echo "kept database $DB (drop it with: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE $DB WITH (FORCE)')" >&2
  else
    "${PG[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" && echo "dropped database $DB" >&2
  fi
  exit $rc
}

# --- preflight ------------------------------------------------------------------------------
command -v wrk >/dev/null || { log "installing wrk"; apt-get install -y wrk >/dev/null \
  || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
if curl -s -o /dev/null "$BASE/"; then echo "port $PORT is taken (set BENCH_PORT)" >&2; exit 1; fi
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  if git rev-parse -q --verify HEAD >/dev/null 2>&1; then
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')"
  else
    echo "source: ${BENCH_SOURCE:-$ROOT (not a git checkout)}"
  fi
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "memory: $(free -h | awk '/Mem:/ {print $2}')"
  echo "postgresql: $("${PG[@]}" -d postgres -tAc 'SHOW server_version')"
  echo "redis: $(redis-cli info server | awk -F: '/redis_version/ {print $2}' | tr -d '\r')"
  echo "python: $("$PY" -c 'import platform; print(platform.python_version())')"
  echo "django: $("$PY" -c 'import django; print(django.get_version())')"
  echo "gunicorn: $("$GUNICORN" --version 2>&1 | awk '{print $NF}' | tr -d '()')"
  echo "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt" >&2

# --- database -------------------------------------------------------------------------------
redis-cli -n 5 flushdb >/dev/null
if [ "$REUSE_DB" = 1 ]; then
  log "reusing database $DB (not re-seeded)"
  seed_s="(reused database)"; analyze_s="-"
else
  log "recreating database $DB"
  "${PG[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  "${PG[@]}" -d postgres -c "CREATE DATABASE $DB"
  manage migrate --no-input -v 0

  log "seeding $MEMBERS members: manage.py seed_demo --members $MEMBERS --no-progress"
  seed_started=$(date +%s.%N)
  manage seed_demo --members "$MEMBERS" --no-progress | tee "$OUT/seed.log" >&2
  seed_s=$(awk -v a="$seed_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1fs", b - a}')
  analyze_started=$(date +%s.%N)
  "${PG[@]}" -d "$DB" -c "VACUUM ANALYZE"
  analyze_s=$(awk -v a="$analyze_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1fs", b - a}')
fi
rows=$("${PG[@]}" -d "$DB" -tA -F' ' -c "SELECT (SELECT count(*) FROM members_user), (SELECT count(*) FROM members_profile), (SELECT count(*) FROM members_follow), (SELECT count(*) FROM members_supportact), (SELECT count(*) FROM members_shoutout), (SELECT count(*) FROM members_membervisit), pg_size_pretty(pg_database_size('$DB'))")
read -r n_users n_profiles n_follows n_acts n_shouts n_visits db_size <<<"$rows"
{
  echo "seed: $seed_s wall (seed_demo --members $MEMBERS), VACUUM ANALYZE $analyze_s"
  echo "rows: users $n_users, profiles $n_profiles, follows $n_follows, support acts $n_acts, shout-outs $n_shouts, visits $n_visits; database $db_size"
} | tee -a "$OUT/machine.txt" >&2

manage collectstatic --no-input -v 0
BENCH_COOKIE_FILE=$COOKIE_FILE shell_run members_setup.py >&2
COOKIE=$(cat "$COOKIE_FILE")

# --- pages ----------------------------------------------------------------------------------
# label|user|path: the wrk runs, in order. Query counts also cover the other user on each page.
PAGES=(
  "bare page|visitor|/bench/bare"
  "directory (name)|visitor|/members/"
  "directory (name)|member|/members/"
  "directory search q=smith|visitor|/members/?q=smith"
  "directory search q=smith|member|/members/?q=smith"
  "directory newest, trust=basic|visitor|/members/?sort=newest&trust=1"
  "directory newest, trust=basic|member|/members/?sort=newest&trust=1"
  "directory most active|visitor|/members/?sort=active"
  "directory most active|member|/members/?sort=active"
  "directory most helpful|visitor|/members/?sort=helpful"
  "directory most helpful|member|/members/?sort=helpful"
  "profile maya|visitor|/members/maya/"
  "profile maya|member|/members/maya/"
  "profile omar|member|/members/omar/"
  "healthz|visitor|/healthz"
)
QUERY_PAGES=$("$PY" - "${PAGES[@]}" <<'PY'
import json, sys
rows, seen = [], set()
for spec in sys.argv[1:]:
    label, who, path = spec.split("|")
    for user in ("visitor", "member"):
        if (user, path) not in seen and (path not in ("/healthz", "/bench/bare") or user == who):
            seen.add((user, path))
            rows.append([label, user, path])
print(json.dumps(rows))
PY
)

log "query counts (test Client + CaptureQueriesContext, second request of each page)"
BENCH_PAGES=$QUERY_PAGES BENCH_COOKIE_FILE=$COOKIE_FILE BENCH_QUERIES_OUT=$OUT/queries.json \
  shell_run members_queries.py | tee "$OUT/queries.md"
log "the same on a miss: every page rendered afresh (BENCH_COLD=1, the pages' versions replaced)"
BENCH_COLD=1 BENCH_PAGES=$QUERY_PAGES BENCH_COOKIE_FILE=$COOKIE_FILE BENCH_QUERIES_OUT=$OUT/queries-cold.json \
  shell_run members_queries.py | tee "$OUT/queries-cold.md"

# --- gunicorn + wrk ---------------------------------------------------------------------------
log "starting gunicorn (4 workers) on $BASE"
"$GUNICORN" community.wsgi --workers 4 --bind "127.0.0.1:$PORT" \
  --error-logfile "$OUT/gunicorn.log" --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "gunicorn exited; see $OUT/gunicorn.log" >&2; exit 1; }
  sleep 0.2
done

to_ms() {  # wrk prints 850.00us / 12.34ms / 1.20s / 1.01m
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1;
    if (f < 0) { print "?"; exit } printf "%.1f", n * f }'
}

IDLE_WAIT_DEFAULT=600
# shellcheck source=bench/quiet.sh
. "$ROOT/bench/quiet.sh"
proc_ticks() {  # "pid comm utime+stime" of every process, in clock ticks like /proc/stat
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{ c = $0; sub(/^[0-9]+ \(/, "", c); sub(/\) .*$/, "", c);
    r = $0; sub(/^.*\) /, "", r); split(r, f, " "); print $1, c, f[12] + f[13] }'
}
others_ticks() {  # CPU ticks between two proc_ticks snapshots of processes that are not ours
  # (gunicorn's pids in $3), PostgreSQL or Redis: the bench's queries run in PostgreSQL backends
  # and their parallel workers, its cache reads in Redis (other people's queries are missed;
  # their test runners and browsers are not).
  awk -v ours=" $3 " 'FNR == 1 { n++ } n == 1 { a[$1] = $NF; next }
    $2 != "postgres" && $2 != "redis-server" && index(ours, " " $1 " ") == 0 {
      d = $NF - a[$1]; if (d > 0) t += d }
    END { print t + 0 }' "$1" "$2"
}


TSV=$OUT/wrk.tsv
printf 'page\tuser\tpath\tstatus\treq_per_s\tp50_ms\tp99_ms\tnon2xx\tsocket_errors\tothers_cpu_before\tothers_cpu_during\n' >"$TSV"
i=0
for spec in "${PAGES[@]}"; do
  IFS='|' read -r label who path <<<"$spec"
  i=$((i + 1))
  hdr=()
  [ "$who" = member ] && hdr=(-H "Cookie: $COOKIE")
  code=$(curl -s -o /dev/null -w '%{http_code}' "${hdr[@]}" "$BASE$path")
  if [ "$code" != 200 ]; then echo "$path answered $code for the $who, not 200" >&2; exit 1; fi
  busy=$(quiet_wait)
  log "wrk -t$T -c$C -d$D --latency $path ($who); CPU used by others just before: ${busy}%"
  wrk -t"$T" -c"$C" -d"$W" --timeout "$TO" "${hdr[@]}" "$BASE$path" >/dev/null
  f=$OUT/wrk/$i.txt
  # The machine is shared: note how much CPU other programs took during the run.
  ours="$GUNICORN_PID $(pgrep -P "$GUNICORN_PID" | tr '\n' ' ')"
  proc_ticks >"$TMP/ticks0"; read -ra c0 <<<"$(cpu_total)"
  wrk -t"$T" -c"$C" -d"$D" --timeout "$TO" --latency "${hdr[@]}" "$BASE$path" >"$f"
  proc_ticks >"$TMP/ticks1"; read -ra c1 <<<"$(cpu_total)"
  others=$(awk -v o="$(others_ticks "$TMP/ticks0" "$TMP/ticks1" "$ours")" \
    -v all=$((c1[0] - c0[0] + c1[1] - c0[1])) 'BEGIN { printf "%.0f", 100 * o / all }')
  rps=$(awk '/Requests\/sec/ {print $2}' "$f")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$f"); non2xx=${non2xx:-0}
  errs=$(awk '/Socket errors/ {$1 = $2 = ""; print substr($0, 3)}' "$f"); errs=${errs:-none}
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$label" "$who" "$path" "$code" "$rps" "$p50" "$p99" "$non2xx" "$errs" "$busy" "$others" >>"$TSV"
  printf '%s (%s): %s req/s, p50 %s ms, p99 %s ms; others used %s%% of the CPUs meanwhile\n' \
    "$path" "$who" "$rps" "$p50" "$p99" "$others" >&2
done

# --- report ---------------------------------------------------------------------------------
"$PY" - "$TSV" "$n_users" "$T" "$C" "$D" <<'PY' | tee "$OUT/summary.md"
import csv, sys
tsv, users, t, c, d = sys.argv[1:]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
bare = next((float(r["req_per_s"]) for r in rows if r["path"] == "/bench/bare"), None)
print(f"\n## Hearth member pages, {users} users (wrk -t{t} -c{c} -d{d}, gunicorn 4 workers)\n")
print("| page | user | path | req/s | % of bare page | p50 ms | p99 ms | non-2xx | others' CPU before / during |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    share = f"{100 * float(r['req_per_s']) / bare:.1f} %" if bare else "?"
    extra = "" if r["socket_errors"] == "none" else f" (socket errors: {r['socket_errors']})"
    print(
        f"| {r['page']} | {r['user']} | `{r['path']}` | {r['req_per_s']} | {share} | {r['p50_ms']} "
        f"| {r['p99_ms']} | {r['non2xx']}{extra} | {r['others_cpu_before']}% / {r['others_cpu_during']}% |"
    )
print("\nTarget: every member page >= 20 % of the bare page (/bench/bare, bench/forums_urls.py).")
PY
echo "Seed: $seed_s for $MEMBERS members (+ VACUUM ANALYZE $analyze_s). Raw output: ${OUT#"$ROOT"/}/" | tee -a "$OUT/summary.md"
