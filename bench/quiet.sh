# Sourced by the bench scripts: the box is shared, so each measurement first waits for the
# other processes to quieten down. quiet_wait waits up to BENCH_IDLE_WAIT seconds (the
# script's IDLE_WAIT_DEFAULT, else 90) until they use less than BENCH_IDLE_MAX % (25) of the
# CPUs, and prints what they used.
cpu_total() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat; }  # busy idle
cpu_busy() {  # percent of all CPUs busy over 2 s, while nothing of ours runs
  local a b
  read -ra a <<<"$(cpu_total)"; sleep 2; read -ra b <<<"$(cpu_total)"
  awk -v bu=$((b[0] - a[0])) -v id=$((b[1] - a[1])) 'BEGIN {printf "%.0f", 100 * bu / (bu + id)}'
}
quiet_wait() {
  local busy waited=0
  while busy=$(cpu_busy); [ "$busy" -gt "${BENCH_IDLE_MAX:-25}" ] && [ "$waited" -lt "${BENCH_IDLE_WAIT:-${IDLE_WAIT_DEFAULT:-90}}" ]; do
    [ "$waited" = 0 ] && echo "other processes use ${busy}% CPU; waiting for a quieter moment" >&2
    sleep 8; waited=$((waited + 10))
  done
  echo "$busy"
}
