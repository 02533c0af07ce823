# tests/integration/t-24-autorestart.sh: autorestart = unexpected restarts a
# job that exits with a status not in exitcodes; one that keeps failing to
# start (it ends before startsecs) is tried startretries more times, with
# growing delays, then given up with the last status; an expected exit is
# not restarted.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# flaky_conf STATUS [EXTRA]: a job that notes the time of each run, then exits
# STATUS (before startsecs: each run is a failed start).
flaky_conf() {
	write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:flaky]
command = date +%s.%N >>"$T/runs"; exit $1
autorestart = unexpected
exitcodes = 0
startretries = 3
startsecs = 10
${2:-}
EOF
	rm -f "$T/runs"
}

# expect_runs RC RUNS WHAT: run $CONF, expect exit RC and RUNS runs noted.
expect_runs() {
	expect_rc "$1" lockrun --config "$CONF"
	RUNS=$(count_lines "$T/runs")
	[ "$RUNS" -eq "$2" ] || fail "$3: expected $2 runs, got $RUNS"
}

# --- exit 3, not expected: 1 run + 3 restarts, delays growing, status 3 -----
# Between runs the job keeps its singleton lock: another run is skipped.
flaky_conf 3
start_bg lockrun --config "$CONF" 2>"$T/flaky.err"
FLAKY=$BG_PID
wait_for 'test -s "$T/runs"' 5
expect_rc 75 lockrun --config "$CONF" flaky
expect_bg_rc 3 "$FLAKY" 15
RUNS=$(count_lines "$T/runs")
[ "$RUNS" -eq 4 ] || fail "expected 4 runs (1 + 3 restarts), got $RUNS"
grep -q "job flaky: gave up: 4 failed starts in a row (startretries = 3)" \
    "$T/flaky.err" || fail "no 'gave up' line: $(cat "$T/flaky.err")"
# The gaps between runs: about 0.5 s, 1 s, 2 s. A delay never ends early, so
# each gap is at least (nearly) its delay; load can only stretch a gap, so
# assert just that each is longer than the one before.
GAPS=$(awk 'NR > 1 { printf "%.3f ", $1 - prev } { prev = $1 }' "$T/runs")
note "gaps between runs: $GAPS"
# shellcheck disable=SC2086
set -- $GAPS
assert_between "$1" 0.4 10 "first restart delay (s)"
assert_between "$2" 0.9 10 "second restart delay (s)"
assert_between "$3" 1.8 10 "third restart delay (s)"
awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { exit !(b > a && c > b) }' ||
    fail "restart delays do not grow: $GAPS"

# --- exit 0, expected: 1 run (startsecs = 0: every start succeeds) ----------
flaky_conf 0
sed -i '/^startsecs/d' "$CONF"
expect_runs 0 1 "an expected exit"

# --- exit 3 listed in exitcodes: expected too, 1 run, status 3 --------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:flaky]
command = date +%s.%N >>"$T/runs"; exit 3
autorestart = unexpected
exitcodes = 0, 3
EOF
rm -f "$T/runs"
expect_runs 3 1 "exit 3 with exitcodes = 0, 3"

# --- startretries = 0: no restart at all ------------------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:flaky]
command = date +%s.%N >>"$T/runs"; exit 4
autorestart = true
startretries = 0
startsecs = 10
EOF
rm -f "$T/runs"
expect_runs 4 1 "startretries = 0"

# --- not a singleton: restarts work without a PID file ----------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:free]
command = date +%s.%N >>"$T/runs"; exit 3
singleton = no
autorestart = unexpected
startretries = 2
startsecs = 10
EOF
rm -f "$T/runs"
expect_runs 3 3 "singleton = no"

# --- a stop signal while leftovers of the group are being cleaned up ends the
# job for good: no restart.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:leaver]
command = echo run >>"$T/leaver.runs"; "$PIDEXEC" "$T/leftover.pid" sh -c 'trap "" TERM; exec sleep 30' & exit 0
autorestart = true
startretries = 5
stopwaitsecs = 30s
EOF
start_bg_int lockrun -v --config "$CONF" 2>"$T/leaver.err"
LR=$BG_PID
# The main process is gone, the TERM-proof leftover is not: reaping.
wait_for 'grep -q "outlived its leader" "$T/leaver.err"' 10
kill -TERM "$LR"
# The leftover ignores TERM; a second signal makes it SIGKILL.
kill -INT "$LR"
wait_bg "$LR" 20
[ "$(count_lines "$T/leaver.runs")" -eq 1 ] ||
    fail "restarted after a stop signal: $(count_lines "$T/leaver.runs") runs"
wait_for "! is_running $(cat "$T/leftover.pid")" 5
