#!/usr/bin/env bash
# Serve a peer forum engine installed by bench/peers/setup_<peer>.sh the way the forum
# benchmark serves Hearth: gunicorn, 4 sync workers, loopback only, no access log.
#
#   bash bench/peers/serve_peer.sh start [spirit] [--port N]
#   bash bench/peers/serve_peer.sh stop|status [spirit]
#
# start returns once the peer answers (its gunicorn runs on in the background, its pid in
# $BENCH_PEERS_HOME/<peer>/gunicorn.pid, errors in gunicorn.log beside it); stop ends that
# gunicorn and waits for its workers, so the next measurement starts on an idle machine.
# Spirit is the only peer so far. Env: BENCH_PEERS_HOME (/tmp/hearth-peers),
# SPIRIT_PORT (8192; --port wins), GUNICORN_WORKERS (4).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

CMD=${1:-}; shift || true
PEER=spirit; PORT=""
while [ $# -gt 0 ]; do
  case "$1" in
    spirit) PEER=$1; shift ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$CMD" in -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

HOME_DIR=${BENCH_PEERS_HOME:-/tmp/hearth-peers}/$PEER
PIDF=$HOME_DIR/gunicorn.pid
case "$PEER" in
  spirit)
    SITE=$HOME_DIR/site_spirit SETTINGS=site_spirit.settings.bench WSGI=site_spirit.wsgi
    PORT=${PORT:-${SPIRIT_PORT:-8192}}
    ;;
esac

running() { [ -s "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }

case "$CMD" in
start)
  bash "$HERE/setup_$PEER.sh" --check ||
    { echo "$PEER is not installed and seeded: bash bench/peers/setup_$PEER.sh" >&2; exit 1; }
  if running; then echo "$PEER already runs (pid $(cat "$PIDF")); stop it first" >&2; exit 1; fi
  # Another server on the port would answer in the peer's place and be measured instead.
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
    echo "port $PORT is taken (--port or SPIRIT_PORT)" >&2; exit 1
  fi
  : >"$HOME_DIR/gunicorn.log"
  (cd "$SITE" && SPIRIT_PORT=$PORT DJANGO_SETTINGS_MODULE=$SETTINGS "$HOME_DIR/bin/gunicorn" \
    --workers "${GUNICORN_WORKERS:-4}" --bind "127.0.0.1:$PORT" --pid "$PIDF" --daemon \
    --error-logfile "$HOME_DIR/gunicorn.log" --log-level warning "$WSGI")
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)
    if [ "$code" = 200 ]; then
      echo "$PEER serves http://127.0.0.1:$PORT/ (gunicorn pid $(cat "$PIDF"))" >&2; exit 0
    fi
    sleep 0.2
  done
  echo "$PEER did not answer 200 on port $PORT (last: ${code:-none}); see $HOME_DIR/gunicorn.log" >&2
  running && kill -TERM "$(cat "$PIDF")"
  exit 1
  ;;
stop)
  if ! running; then rm -f "$PIDF"; echo "$PEER is not running" >&2; exit 0; fi
  pid=$(cat "$PIDF")
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { echo "stopped $PEER (gunicorn $pid)" >&2; exit 0; }
    sleep 0.2
  done
  echo "gunicorn $pid of $PEER still runs after 20 s" >&2; exit 1
  ;;
status)
  if running; then echo "$PEER runs (gunicorn pid $(cat "$PIDF"))"; else echo "$PEER is not running"; exit 1; fi
  ;;
*) echo "usage: $0 start|stop|status [spirit] [--port N] (try --help)" >&2; exit 2 ;;
esac
