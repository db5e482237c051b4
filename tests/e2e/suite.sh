# tests/e2e/suite.sh - sourced by the runners of tests over TAP links
# (tests/e2e/run, tests/micropython/run): one run of a server and its client
# (consumer/netns-run), counted.  The caller sets top, work, pass and fail.
#
# suite_run NAME LIMIT-S COMMAND...: run COMMAND with its output in
# $work/NAME.log (LIMIT-S seconds at most), print its result lines, add the
# counts of its last "N passed, N failed" line to pass and fail.  No such
# line, or an exit status other than 0 with no test failed (the server or a
# sanitizer failed), is one failure more.
suite_run() {
  local name=$1 limit=$2 log=$work/$1.log line p f rc
  shift 2
  echo "--- $name"
  timeout "$limit" "$@" >"$log" 2>&1
  rc=$?
  # a result line may follow a server's own output on the same line (a REPL)
  grep -aoE '(ok|FAIL|skip|note|SKIP) +- .*' "$log"
  line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
  if [ -z "$line" ]; then
    echo "FAIL - $name: no result (exit $rc); see ${log#$top/}"
    tail -5 "$log"
    fail=$((fail + 1))
    return
  fi
  p=${line%% passed*}
  f=${line#*passed, }
  f=${f%% failed}
  pass=$((pass + p))
  fail=$((fail + f))
  if [ $rc != 0 ] && [ "$f" = 0 ]; then
    echo "FAIL - $name: exit $rc (server or sanitizer error); see ${log#$top/}"
    grep -E 'ERROR|Sanitizer|netns-run' "$log" | head -5
    fail=$((fail + 1))
  fi
}
