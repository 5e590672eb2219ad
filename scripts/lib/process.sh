# Shared by the scripts: stops the process a pid file names (TERM, then KILL
# after the grace period) and removes the file. Uses the caller's `log`.
stop_pid_file() {
  local file="$1" what="$2" grace="${3:-30}" pid i
  if [ -f "$file" ] && pid=$(cat "$file") && kill -0 "$pid" 2>/dev/null; then
    log "stopping $what (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 "$grace"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
