#!/usr/bin/env bash
# One 90-day plan report on a seeded community (docs/performance.md, "90-day plan reports").
#
#   bench/run_plans.sh [--large]
#
# Reuses the database of bench/run_metrics.sh (hearth_bench_forums, or with --large
# hearth_bench_forums_large: 100,000 members and 1,000,000 posts, with the support acts and
# visits that script adds); run that first. Makes the report of the 90 days before the
# newest post's day as the Celery task does (bench/plans_profile.py), times each section,
# and prints a markdown table (bench/results/plans-peers/ or plans-large/summary.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

LARGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --large) LARGE=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$LARGE" = 1 ]; then DB=hearth_bench_forums_large; SHAPE=large; else DB=hearth_bench_forums; SHAPE=peers; fi
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || { echo "no $DB: run bench/run_metrics.sh$([ "$LARGE" = 1 ] && echo ' --large') first" >&2; exit 1; }
PY=${BENCH_VENV:-$ROOT/.venv}/bin/python
OUT=${BENCH_OUT:-$ROOT/bench/results/plans-$SHAPE}
mkdir -p "$OUT"

export DJANGO_SETTINGS_MODULE=bench.forums_settings
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY ALLOWED_HOSTS=127.0.0.1 REDIS_URL=redis://127.0.0.1:6379/6
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB LOG_LEVEL=WARNING
STATIC_ROOT=$(mktemp -d /tmp/hearth-plans-bench.XXXXXX)
export STATIC_ROOT
trap 'rm -rf "$STATIC_ROOT"; redis-cli -n 6 flushdb >/dev/null 2>&1 || true' EXIT

"$PY" manage.py migrate --no-input -v 0
NIGHT=$(psql -h 127.0.0.1 -U postgres -d "$DB" -tAc "SELECT (max(created_at))::date FROM forums_post")
{
  echo "# A 90-day plan report ($SHAPE data set)"
  echo
  echo "    date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git rev-parse --short HEAD)"
  echo "    nproc: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  BENCH_NIGHT=$NIGHT "$PY" manage.py shell -v 0 -c "exec(open('bench/plans_profile.py').read())"
} | tee "$OUT/summary.md"
