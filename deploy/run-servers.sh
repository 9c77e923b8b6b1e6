#!/usr/bin/env bash
# Start N dashboard processes on consecutive ports, all on one store; or stop them.
#
#   DASHBOARD_DATABASE_URL=postgresql+psycopg://dashboard@db-host/lai_chau deploy/run-servers.sh start [N] [FIRST_PORT]
#   deploy/run-servers.sh stop
#
# N defaults to 2 and FIRST_PORT to 8501 (the upstream servers in deploy/nginx.conf). Each process logs to
# var/streamlit-PORT.log and writes its pid to var/streamlit-PORT.pid. BIND_ADDRESS (default 127.0.0.1, so only
# the proxy on this machine reaches them) and PYTHON (default .venv/bin/python) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}
mkdir -p var

stop() {
  for pidfile in var/streamlit-*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done  # its port is free again
      echo "stopped $pid (${pidfile#var/})"
    fi
    rm -f "$pidfile"
  done
}

start() {
  local count=${1:-2} first=${2:-8501}
  if [ -z "${DASHBOARD_DATABASE_URL:-}" ]; then
    echo "set DASHBOARD_DATABASE_URL to the one database all processes share (PostgreSQL)" >&2
    exit 2
  fi
  local port
  for ((port = first; port < first + count; port++)); do
    if [ -e "var/streamlit-$port.pid" ] && kill -0 "$(cat "var/streamlit-$port.pid")" 2>/dev/null; then
      echo "a server is already running on port $port (var/streamlit-$port.pid): $0 stop first" >&2
      exit 1
    fi
  done
  # Prepare the store once, before any server: the migrations, the first admin and (if DASHBOARD_LOAD_SAMPLES=1)
  # the samples. Each process would do this on its first page run, but two at once on a fresh database race.
  # It refuses a store without users (anyone could then import and undo): set DASHBOARD_ADMIN_USER/_PASSWORD.
  "$PYTHON" -m loaders prepare
  for ((port = first; port < first + count; port++)); do
    "$PYTHON" -m streamlit run serve.py --server.headless true --server.address "$BIND_ADDRESS" \
      --server.port "$port" --browser.gatherUsageStats false >"var/streamlit-$port.log" 2>&1 &
    echo $! >"var/streamlit-$port.pid"
  done
  for ((port = first; port < first + count; port++)); do
    for _ in $(seq 60); do
      curl -fsS "http://$BIND_ADDRESS:$port/_stcore/health" >/dev/null 2>&1 && break
      sleep 1
    done
    if kill -0 "$(cat "var/streamlit-$port.pid")" 2>/dev/null \
      && curl -fsS "http://$BIND_ADDRESS:$port/_stcore/health" >/dev/null 2>&1; then
      echo "server on port $port: pid $(cat "var/streamlit-$port.pid"), log var/streamlit-$port.log"
    else
      echo "server on port $port did not start; see var/streamlit-$port.log" >&2
      exit 1
    fi
  done
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start [N] [FIRST_PORT] | stop" >&2; exit 2 ;;
esac
