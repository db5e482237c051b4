# tests/bench/lib.sh - what the benchmark scripts on real TAP links
# (tests/bench/run, tests/bench/micropython) share.  Sourced by them after
# they set `set -u`; it only defines functions.  They use these globals of
# the sourcing script: ns (the namespace), pids (the servers), cpid (the
# client running), pin_client (a taskset prefix or empty), client (the
# client binary), N, SLOT_US, CONN_TIMEOUT_MS.
# shellcheck shell=bash disable=SC2154

die() { echo "bench: $*" >&2; exit 1; }

# bench_numbers VAR...: each a whole number, or die
bench_numbers() {
  local v x
  for v in "$@"; do
    x=${!v}
    case "$x" in ''|*[!0-9]*) die "$v must be a number (got '$x')" ;; esac
  done
}

# bench_lanes VAR...: each a number of servers of one variant, 1..8
bench_lanes() {
  local v x
  for v in "$@"; do
    x=${!v}
    case "$x" in ''|*[!0-9]*) die "$v must be 1..8" ;; esac
    { [ "$x" -ge 1 ] && [ "$x" -le 8 ]; } || die "$v must be 1..8"
  done
}

# bench_need_root: exit 77 (skipped) unless root
bench_need_root() {
  [ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces, TAP)" >&2; exit 77; }
}

# bench_build_client OUT HERE: the client (HERE/accept_client.c) as OUT
bench_build_client() {
  ${CC:-cc} -std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 \
    -o "$1" "$2/accept_client.c" || die "the client does not build"
}

# the client and the servers stopped, the namespace removed (EXIT trap)
bench_cleanup() {
  if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
    kill "$cpid" 2>/dev/null
    wait "$cpid" 2>/dev/null
  fi
  bench_stop_servers
  ip netns del "$ns" 2>/dev/null
}

# bench_stop_servers: every server in pids stopped and reaped; pids emptied
bench_stop_servers() {
  local p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null
  done
  pids=()
}

# bench_netns: the private namespace $ns with lo up and no IPv6 (no router
# solicitations or MLD frames on the links); the traps that remove it
bench_netns() {
  trap bench_cleanup EXIT
  trap 'echo; echo "bench: interrupted" >&2; exit 130' INT
  trap 'exit 143' TERM
  ip netns add "$ns" || die "cannot create a network namespace"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
  ip -n "$ns" link set lo up
}

# bench_tap TAP ADDR/N: a TAP interface in $ns, the kernel's side ADDR/N, up
bench_tap() {
  ip -n "$ns" tuntap add dev "$1" mode tap || die "cannot create TAP $1"
  ip -n "$ns" addr add "$2" dev "$1"
  ip -n "$ns" link set "$1" up
}

# bench_server_extra BIN BURST: sets the array `extra`, the options that
# raise the server's limit of connections in handshake or login at once
# above the burst where BIN has --max-pending (up to its maximum; all of a
# burst comes from one address: --max-per-addr the same)
bench_server_extra() {
  local help mp most
  extra=()
  help=$("$1" --help 2>/dev/null)
  if grep -q -- '--max-pending' <<<"$help"; then
    mp=$(($2 + 13))
    most=$(sed -n '/--max-pending/,+1p' <<<"$help" | grep -o 'at most [0-9]*' | grep -o '[0-9]*$')
    if [ -n "$most" ] && [ "$mp" -gt "$most" ]; then
      mp=$most
    fi
    extra=(--max-pending "$mp")
    if grep -q -- '--max-per-addr' <<<"$help"; then
      extra+=(--max-per-addr "$mp")
    fi
  fi
}

# bench_client CSV LOG SCENARIO LIMIT ARG...: one client run in $ns, N
# connections per target, rows appended to CSV, its summary in LOG.  It runs
# in the background so that Ctrl-C reaches the script's trap at once; it is
# bounded by its per-connection timeout and by timeout(1) (LIMIT seconds).
bench_client() {
  local csv=$1 log=$2 scen=$3 limit=$4 rc
  shift 4
  ip netns exec "$ns" timeout -k 5 "$limit" "${pin_client[@]}" "$client" --scenario "$scen" \
    --count "$N" --timeout-ms "$CONN_TIMEOUT_MS" --slot-us "$SLOT_US" --csv "$csv" --progress \
    "$@" >"$log" &
  cpid=$!
  wait "$cpid"
  rc=$?
  cpid=
  [ $rc = 0 ] || die "the client failed in scenario $scen (exit $rc)"
}

# bench_elapsed T0: seconds since T0 (date +%s.%N), to 0.1 s
bench_elapsed() {
  /usr/bin/python3 -c "import time; print('%.1f' % (time.time() - $1))"
}
