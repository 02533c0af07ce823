#!/bin/sh
# tests/integration/t-37-startsecs.sh: startsecs and startretries as in
# supervisord: a start succeeds once the job has run startsecs; one that
# ends sooner (whatever its status) is a failed start, tried again after a
# backoff whatever autorestart says, and startretries failed starts in a
# row give up, with a "gave up" line that counts them. After a start that
# succeeded, autorestart alone decides, and the count starts again.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# runs: the number of runs noted in $T/runs.
runs() {
	count_lines "$T/runs"
}

# --- a quick exit 0 is a failed start: tried again, then given up -----------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:quick]
command = echo run >>"$T/runs"; exit 0
startsecs = 1
startretries = 2
EOF
expect_rc 0 lockrun --config "$CONF"
[ "$(runs)" -eq 3 ] || fail "quick: expected 3 runs (1 + 2 retries), got $(runs)"
stderr_has "job quick: pid"
stderr_has "before startsecs (1s): the start failed"
stderr_has "job quick: gave up: 3 failed starts in a row (startretries = 2)"

# --- a run that reached startsecs resets the count of failed starts ----------
# Run 2 of 4 lasts past startsecs and exits 1 (autorestart = unexpected:
# restarted); the others end at once. startretries = 1 allows one retry
# in a row: quick, long (started; count reset), quick, quick (gave up).
rm -f "$T/runs"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:mixed]
command = n=\$(wc -l <"$T/runs" 2>/dev/null || echo 0); echo run >>"$T/runs"; if [ "\$n" -eq 1 ]; then sleep 0.8; fi; exit 1
startsecs = 300ms
startretries = 1
autorestart = unexpected
EOF
expect_rc 1 lockrun -v --config "$CONF"
[ "$(runs)" -eq 4 ] ||
    fail "mixed: expected 4 runs, got $(runs): $(cat "$T/stderr")"
stderr_has "up for startsecs (300ms): started"
stderr_has "gave up: 2 failed starts in a row (startretries = 1)"

# --- after a start that succeeded, startretries does not cap restarts -------
# Runs outlive startsecs; the first four exit 1, the fifth 0.
rm -f "$T/runs"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:steady]
command = n=\$(wc -l <"$T/runs" 2>/dev/null || echo 0); echo run >>"$T/runs"; sleep 0.3; [ "\$n" -ge 4 ] && exit 0; exit 1
startsecs = 100ms
startretries = 1
autorestart = unexpected
EOF
expect_rc 0 lockrun --config "$CONF"
[ "$(runs)" -eq 5 ] || fail "steady: expected 5 runs, got $(runs)"
# Its failures are said (a failed run is a failure); there is no "gave up".
stderr_has "exited with status 1"
! grep -q "gave up" "$T/stderr" || fail "steady: gave up: $(cat "$T/stderr")"

# --- startsecs = 0 (the default for [job:]): every start succeeds ------------
rm -f "$T/runs"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:once]
command = echo run >>"$T/runs"; exit 0
EOF
expect_rc 0 lockrun --config "$CONF"
[ "$(runs)" -eq 1 ] || fail "once: expected 1 run, got $(runs)"

# --- a stop during startsecs is not a failed start ---------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:stopped]
command = echo run >>"$T/stopped.runs"; exec sleep 30
startsecs = 10
EOF
start_bg lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test -s "$T/stopped.runs"' 5
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 20
[ "$(count_lines "$T/stopped.runs")" -eq 1 ] || fail "stopped: tried again after a stop"
