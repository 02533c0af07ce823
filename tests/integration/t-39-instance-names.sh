#!/bin/sh
# tests/integration/t-39-instance-names.sh: one spelling for an instance of
# a job with numprocs > 1, "JOB.NN", everywhere: in the logs, in --status
# (and its JSON), in the name of its PID file, and on the command line,
# where it runs that instance alone.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:w]
command = echo "\$LOCKRUN_INSTANCE" >>"$T/ran"; "$HOLD" "$T/w.\$LOCKRUN_INSTANCE.pid" "$T/release"
numprocs = 3
EOF

# The command line: w.01 runs instance 1 alone, and the logs call it so.
start_bg lockrun -v --config "$CONF" w.01 2>"$T/w01.err"
LR=$BG_PID
wait_for 'test -s "$T/w.1.pid"' 10
[ "$(cat "$T/ran")" = 1 ] || fail "w.01 ran instances: $(tr '\n' ' ' <"$T/ran")"
grep -q "^lockrun: job w.01: started as pid" "$T/w01.err" ||
    fail "the log does not call it w.01: $(cat "$T/w01.err")"
# Its PID file, and --status, spell it the same.
test -s "$LOCKDIR/w.01.pid" || fail "no PID file w.01.pid: $(ls "$LOCKDIR")"
expect_rc 0 lockrun --config "$CONF" --status
grep -Eq '^w\.01 +running ' "$T/stdout" || fail "--status: $(cat "$T/stdout")"
grep -Eq '^w\.00 +idle ' "$T/stdout" || fail "--status: $(cat "$T/stdout")"
expect_rc 0 lockrun --config "$CONF" --status --json
grep -q '"name": "w.01", "job": "w", "state": "running"' "$T/stdout" ||
    fail "--status --json: $(cat "$T/stdout")"
# Named again while it runs: skipped, as a singleton.
expect_rc 75 lockrun -v --config "$CONF" w.01
stderr_has "job w.01: skipped"
touch "$T/release"
expect_bg_rc 0 "$LR"

# Several instances; the job's name runs them all.
rm -f "$T/ran"
expect_rc 0 lockrun --config "$CONF" w.00 w.02
[ "$(sort "$T/ran" | tr '\n' ' ')" = "0 2 " ] || fail "w.00 w.02 ran: $(cat "$T/ran")"
rm -f "$T/ran"
expect_rc 0 lockrun --config "$CONF" w
[ "$(sort "$T/ran" | tr '\n' ' ')" = "0 1 2 " ] || fail "w ran: $(cat "$T/ran")"

# Other spellings are refused with the one that was meant.
expect_rc 64 lockrun --config "$CONF" w:1
stderr_has "no job named 'w:1' (instance 1 of job w is w.01)"
expect_rc 64 lockrun --config "$CONF" w_01
stderr_has "(instance 1 of job w is w.01)"
expect_rc 64 lockrun --config "$CONF" w.3
stderr_has "job w has 3 instances, w.00 to w.02"
