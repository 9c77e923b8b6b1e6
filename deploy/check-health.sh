#!/usr/bin/env bash
# Restart every dashboard server (systemd unit lcpr-dashboard@PORT) that does not answer its health check twice
# in a row, 5 s apart. Run by lcpr-dashboard-health.timer every minute; by hand: deploy/check-health.sh 8501 8502
set -uo pipefail
status=0
for port in "$@"; do
  healthy() { curl -fsS --max-time 5 "http://127.0.0.1:$port/_stcore/health" >/dev/null 2>&1; }
  if healthy; then continue; fi
  sleep 5
  if healthy; then continue; fi
  echo "server on port $port does not answer /_stcore/health: restarting lcpr-dashboard@$port" >&2
  systemctl restart "lcpr-dashboard@$port.service" || status=1
done
exit $status
