#!/usr/bin/env bash
# The nightly KPI snapshot and a year's backfill on a seeded community (docs/performance.md).
#
#   bench/run_metrics.sh [--large] [--days N]
#
# 1. the database of bench/run_forums.sh (hearth_bench_forums: the peers' data set, 2,000
#    members and 200,000 posts; --large: hearth_bench_forums_large, 100,000 members and
#    1,000,000 posts), seeded by that script when it is missing (--seed-only);
# 2. one night's snapshot (`metrics_snapshot`, every KPI and window, nothing stored before
#    for that day), timed three times, the median kept;
# 3. a backfill of the N days before it (default 365; `backfill_metrics`), timed once;
# 4. prints a markdown table (bench/results/metrics-peers/ or metrics-large/summary.md).
# Needs what bench/run_forums.sh needs (PostgreSQL, Redis, the virtualenv); no wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

LARGE=0; DAYS=365
while [ $# -gt 0 ]; do
  case "$1" in
    --large) LARGE=1; shift ;;
    --days) DAYS=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$LARGE" = 1 ]; then DB=hearth_bench_forums_large; SHAPE=large; else DB=hearth_bench_forums; SHAPE=peers; fi
PY=${BENCH_VENV:-$ROOT/.venv}/bin/python
OUT=${BENCH_OUT:-$ROOT/bench/results/metrics-$SHAPE}
mkdir -p "$OUT"

log() { printf '\n==> %s\n' "$*" >&2; }
log "the seeded database ($DB)"
BENCH_OUT="$OUT/seed" bash bench/run_forums.sh $([ "$LARGE" = 1 ] && echo --large) --seed-only \
  >/dev/null 2>"$OUT/seed.log" || { cat "$OUT/seed.log" >&2; exit 1; }

export DJANGO_SETTINGS_MODULE=bench.forums_settings
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY ALLOWED_HOSTS=127.0.0.1 REDIS_URL=redis://127.0.0.1:6379/6
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB LOG_LEVEL=WARNING
STATIC_ROOT=$(mktemp -d /tmp/hearth-metrics-bench.XXXXXX)
export STATIC_ROOT
trap 'rm -rf "$STATIC_ROOT"; redis-cli -n 6 flushdb >/dev/null 2>&1 || true' EXIT
manage() { "$PY" manage.py "$@"; }

# The day after the newest post: the night the job would run for it.
NIGHT=$(psql -h 127.0.0.1 -U postgres -d "$DB" -tAc "SELECT (max(created_at))::date FROM forums_post")
FIRST=$("$PY" -c "import datetime as d; print(d.date.fromisoformat('$NIGHT') - d.timedelta(days=$DAYS))")
LAST=$("$PY" -c "import datetime as d; print(d.date.fromisoformat('$NIGHT') - d.timedelta(days=1))")
clear_day() { psql -h 127.0.0.1 -U postgres -d "$DB" -qc "DELETE FROM metrics_kpisnapshot WHERE day = '$1'"; }

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git rev-parse --short HEAD)"
  echo "nproc: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  psql -h 127.0.0.1 -U postgres -d "$DB" -tAc "SELECT (SELECT count(*) FROM members_user) || ' users, ' || (SELECT count(*) FROM forums_post) || ' posts, ' || (SELECT count(*) FROM forums_reaction) || ' reactions, ' || (SELECT count(*) FROM members_membervisit) || ' visits'"
  echo "KPIs: $(manage kpis --date "$NIGHT" --json | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)["kpis"]))')"
} | tee "$OUT/machine.txt" >&2

log "one night: metrics_snapshot --date $NIGHT, three times"
times=()
for run in 1 2 3; do
  clear_day "$NIGHT"
  t0=$(date +%s.%N); manage metrics_snapshot --date "$NIGHT" >&2; t1=$(date +%s.%N)
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
done
NIGHT_S=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)

log "backfill_metrics --from $FIRST --to $LAST ($DAYS days)"
t0=$(date +%s.%N)
manage backfill_metrics --from "$FIRST" --to "$LAST" >&2
t1=$(date +%s.%N)
BACKFILL_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

{
  echo "# KPI snapshots ($SHAPE data set)"
  echo
  sed 's/^/    /' "$OUT/machine.txt"
  echo
  echo "| what | seconds |"
  echo "| --- | ---: |"
  echo "| one night (every KPI × 7/30/90-day windows), median of 3: ${times[*]} | $NIGHT_S |"
  echo "| backfill of $DAYS days | $BACKFILL_S |"
} | tee "$OUT/summary.md"
