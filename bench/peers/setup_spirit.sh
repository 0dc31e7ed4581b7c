#!/usr/bin/env bash
# Spirit, the peer forum engine the forum benchmark puts beside Hearth (docs/performance.md),
# installed and seeded from this repository alone, outside the checkout.
#
#   bash bench/peers/setup_spirit.sh [--reseed] [--check]
#
# 1. a virtualenv in $BENCH_PEERS_HOME/spirit (default /tmp/hearth-peers/spirit) holding
#    exactly bench/peers/spirit-requirements.txt (Spirit 0.14.3, from PyPI);
# 2. the project Spirit's own template makes (`spirit startproject site_spirit`), run with its
#    production settings plus bench/peers/spirit_settings.py;
# 3. the PostgreSQL database peers_spirit created, migrated (with Spirit's cache table and
#    collected static files) and seeded by bench/peers/seed_spirit.py from
#    bench/peers_dataset.py: 2,000 users, 20 categories, 20,000 topics, 200,000 posts, a hot
#    topic of 500; about a minute. The hot topic's id and slug go to seed.json beside it.
# Every step is skipped when it is already done, so a second run takes seconds. The database
# is seeded again by itself when the data set or the seed script changes.
#   --reseed  drop the database and seed it again
#   --check   change nothing; exit 0 when Spirit is ready to serve, 1 when not
# Then `bash bench/peers/serve_peer.sh start spirit` serves it; bench/run_forums.sh does both.
# Needs python3 (3.10 or newer), pip access to PyPI, PostgreSQL on 127.0.0.1:5432 (user
# postgres, no password). Env: BENCH_PEERS_HOME (/tmp/hearth-peers) BENCH_PEERS_PYTHON (python3)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(dirname "$HERE")

RESEED=0; CHECK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --reseed) RESEED=1; shift ;;
    --check) CHECK=1; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

HOME_DIR=${BENCH_PEERS_HOME:-/tmp/hearth-peers}/spirit
SITE=$HOME_DIR/site_spirit
DB=peers_spirit
PG=(psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -q)
export DJANGO_SETTINGS_MODULE=site_spirit.settings.bench

# What the seeded database was made from: when either file changes, the rows in it no longer
# match what Hearth is seeded with, and comparing the two would mislead.
SEED_HASH=$(cat "$BENCH/peers_dataset.py" "$HERE/seed_spirit.py" | sha256sum | cut -c1-16)
REQS_HASH=$(sha256sum <"$HERE/spirit-requirements.txt" | cut -c1-16)

log() { printf '==> spirit: %s\n' "$*" >&2; }

installed() { [ "$(cat "$HOME_DIR/.installed" 2>/dev/null)" = "$REQS_HASH" ]; }
seeded() {
  [ -s "$HOME_DIR/seed.json" ] &&
    [ "$("${PG[@]}" -d postgres -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$DB'")" = "seed $SEED_HASH" ]
}

if [ "$CHECK" = 1 ]; then
  installed && [ -f "$SITE/site_spirit/settings/bench.py" ] && seeded && exit 0
  exit 1
fi

pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }

if ! installed; then
  log "virtualenv $HOME_DIR (pip, from PyPI)"
  PY=${BENCH_PEERS_PYTHON:-python3}
  "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Spirit 0.14 needs Python 3.10 or newer; set BENCH_PEERS_PYTHON")'
  mkdir -p "$HOME_DIR"
  [ -x "$HOME_DIR/bin/python" ] || "$PY" -m venv "$HOME_DIR"
  "$HOME_DIR/bin/pip" install -q --upgrade pip
  "$HOME_DIR/bin/pip" install -q -r "$HERE/spirit-requirements.txt"
  echo "$REQS_HASH" >"$HOME_DIR/.installed"
fi

if [ ! -f "$SITE/manage.py" ]; then
  log "project from Spirit's template"
  # `spirit startproject` calls django-admin by name, so the virtualenv must come first on PATH.
  (cd "$HOME_DIR" && PATH=$HOME_DIR/bin:$PATH bin/spirit startproject site_spirit >/dev/null)
fi
# Copied every time: cheap, and a change to the settings must reach the next run.
cp "$HERE/spirit_settings.py" "$SITE/site_spirit/settings/bench.py"

if [ "$RESEED" = 1 ] || ! seeded; then
  log "database $DB: create, migrate, seed"
  "${PG[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  "${PG[@]}" -d postgres -c "CREATE DATABASE $DB"
  rm -f "$HOME_DIR/seed.json"
  cd "$SITE"
  ../bin/python manage.py migrate --no-input -v 0
  ../bin/python manage.py createcachetable
  ../bin/python manage.py collectstatic --no-input -v 0
  ../bin/python "$HERE/seed_spirit.py" "$HOME_DIR/seed.json.tmp" >&2
  mv "$HOME_DIR/seed.json.tmp" "$HOME_DIR/seed.json"
  # Marks the database complete only now, so an interrupted seed is redone next time.
  "${PG[@]}" -d postgres -c "COMMENT ON DATABASE $DB IS 'seed $SEED_HASH'"
else
  log "already installed and seeded ($DB; --reseed to seed again)"
fi
log "ready: $("$HOME_DIR/bin/python" -c 'import json, sys; d = json.load(open(sys.argv[1])); print("%(users)d users, %(categories)d categories, %(topics)d topics, %(posts)d posts, hot topic /topic/%(hot_topic_pk)d/%(hot_topic_slug)s/ (%(hot_topic_posts)d posts)" % d)' "$HOME_DIR/seed.json")"
