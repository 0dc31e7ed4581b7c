#!/usr/bin/env bash
# The nightly KPI snapshot and a year's backfill on a seeded community (docs/performance.md).
#
#   bench/run_metrics.sh [--large] [--days N]
#
# 1. the database of bench/run_forums.sh (hearth_bench_forums: the peers' data set, 2,000
#    members and 200,000 posts; --large: hearth_bench_forums_large, 100,000 members and
#    1,000,000 posts), seeded by that script when it is missing (--seed-only), plus the
#    support acts and visits the bulk seed leaves out (once);
# 2. one night's snapshot (`metrics_snapshot`, every KPI and window, nothing stored before
#    for that day), timed three times as a command and three times inside one process
#    (as the Celery worker runs it), the medians kept, then the slowest KPIs of that night
#    (bench/metrics_profile.py);
# 3. a backfill of the N days before it (default 365; `backfill_metrics`), timed once;
# 4. prints markdown tables (bench/results/metrics-peers/ or metrics-large/summary.md).
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

# The forum seed writes posts in bulk, without what the services record beside each one;
# the KPIs read those rows, so they are added once here, as the services would have:
# a reply's support act (replier -> topic author, members_supportact) and a visit on each
# day a member posted (members_membervisit; readers who never post visit too in a real
# community, so this is a lower bound).
log "the activity beside the posts (support acts of replies, visits on posting days)"
psql -h 127.0.0.1 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -q <<'SQL' >&2
DO $$
DECLARE
  post_type integer := (SELECT id FROM django_content_type
                        WHERE app_label = 'forums' AND model = 'post');
  tz text := coalesce((SELECT time_zone FROM community_sitebranding WHERE id = 1), 'UTC');
BEGIN
  IF (SELECT count(*) FROM members_supportact WHERE kind = 'reply') < 100000 THEN
    INSERT INTO members_supportact
      (created_at, updated_at, giver_id, receiver_id, kind, target_type_id, target_id, occurred_at)
    SELECT p.created_at, p.created_at, p.author_id, t.author_id, 'reply', post_type, p.id,
           p.created_at
    FROM forums_post p JOIN forums_topic t ON t.id = p.topic_id
    WHERE NOT p.is_opening AND p.author_id <> t.author_id
    ON CONFLICT DO NOTHING;
    INSERT INTO members_membervisit (created_at, updated_at, user_id, day)
    SELECT min(p.created_at), min(p.created_at), p.author_id,
           (p.created_at AT TIME ZONE tz)::date
    FROM forums_post p WHERE p.author_id IS NOT NULL
    GROUP BY p.author_id, (p.created_at AT TIME ZONE tz)::date
    ON CONFLICT DO NOTHING;
  END IF;
END $$;
ANALYZE members_supportact;
ANALYZE members_membervisit;
SQL

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
  psql -h 127.0.0.1 -U postgres -d "$DB" -tAc "SELECT (SELECT count(*) FROM members_user) || ' users, ' || (SELECT count(*) FROM forums_post) || ' posts, ' || (SELECT count(*) FROM forums_reaction) || ' reactions, ' || (SELECT count(*) FROM members_supportact) || ' support acts, ' || (SELECT count(*) FROM members_membervisit) || ' visits'"
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

# The nightly job itself runs in the Celery worker, already started: the same snapshot_day
# timed inside one process, three times (the command above also pays Python's start-up).
log "one night inside one process (what the worker runs), three times"
read -r -a job_times < <(manage shell -v 0 -c "
import datetime, time
from metrics.models import KpiSnapshot
from metrics.snapshots import snapshot_day
night = datetime.date.fromisoformat('$NIGHT')
spent = []
for _ in range(3):
    KpiSnapshot.objects.filter(day=night).delete()
    started = time.perf_counter()
    snapshot_day(night)
    spent.append(time.perf_counter() - started)
print(' '.join(f'{s:.2f}' for s in spent))")
JOB_S=$(printf '%s\n' "${job_times[@]}" | sort -n | sed -n 2p)

log "the night's slowest KPIs (bench/metrics_profile.py)"
BENCH_NIGHT=$NIGHT manage shell -v 0 -c "exec(open('bench/metrics_profile.py').read())" >"$OUT/kpis.md"
cat "$OUT/kpis.md" >&2

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
  echo "| one night in the worker (snapshot_day: every KPI × 7/30/90-day windows), median of 3: ${job_times[*]} | $JOB_S |"
  echo "| the same as a command (\`metrics_snapshot\`, with Python's start-up), median of 3: ${times[*]} | $NIGHT_S |"
  echo "| backfill of $DAYS days | $BACKFILL_S |"
  echo
  cat "$OUT/kpis.md"
} | tee "$OUT/summary.md"
