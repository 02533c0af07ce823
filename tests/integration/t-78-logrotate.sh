#!/bin/sh
# tests/integration/t-78-logrotate.sh: SIGUSR2 makes lockrun reopen the jobs'
# log files, so logrotate can rename them without copytruncate: after the
# rename and the signal, the output goes on in a new file, and not one line
# is lost or doubled across the two. What a job writes just before it exits
# is in its log when lockrun has exited.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

mkdir "$T/logs"
LOG=$T/logs/talk.log
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:talk]
command = i=0; while [ ! -e "$T/stop" ]; do i=\$((i + 1)); echo "line \$i"; echo "err \$i" >&2; sleep 0.01; done; echo last
stdout_logfile = logs/talk.log
redirect_stderr = yes

[job:burst]
command = seq 1 200000; echo end
stdout_logfile = logs/burst.log
EOF

start_bg lockrun -v --config "$CONF" talk 2>"$T/lockrun.err"
LR=$BG_PID
wait_for '[ "$(count_lines "$LOG")" -ge 20 ]' 10

# logrotate: rename, then SIGUSR2.
mv "$LOG" "$LOG.1"
kill -USR2 "$LR"
wait_for 'test -e "$LOG"' 10
wait_for '[ "$(count_lines "$LOG")" -ge 20 ]' 10
grep -q 'received SIGUSR2: reopened 1 log file' "$T/lockrun.err" ||
    fail "no word of the reopen: $(cat "$T/lockrun.err")"
# The old file gets no more once the new one has some.
OLD=$(count_lines "$LOG.1")
sleep 0.3
[ "$(count_lines "$LOG.1")" = "$OLD" ] || fail "the renamed log still grows"
[ "$(stat -c %a "$LOG")" = 640 ] || fail "the new log is $(stat -c %a "$LOG")"

touch "$T/stop"
expect_bg_rc 0 "$LR" 20
is_running "$LR" && fail "lockrun still runs"
[ "$(tail -n 1 "$LOG")" = last ] || fail "the last line is not in the new log"

# Every line once, in order, across the two files.
cat "$LOG.1" "$LOG" | grep '^line ' >"$T/lines"
N=$(tail -n 1 "$T/lines" | cut -d' ' -f2)
seq 1 "$N" | sed 's/^/line /' >"$T/expected"
cmp -s "$T/lines" "$T/expected" ||
    fail "lines lost or doubled across the rotation: $(diff "$T/expected" "$T/lines" | head -n 5)"
[ "$(cat "$LOG.1" "$LOG" | grep -c '^err ')" = "$N" ] ||
    fail "stderr lines lost: $(cat "$LOG.1" "$LOG" | grep -c '^err ') of $N"
note "$N lines over two files, none lost"

# A job that writes a lot and exits at once: all of it is there.
expect_rc 0 lockrun --config "$CONF" burst
[ "$(count_lines "$T/logs/burst.log")" = 200001 ] ||
    fail "burst.log has $(count_lines "$T/logs/burst.log") lines, not 200001"
[ "$(tail -n 1 "$T/logs/burst.log")" = end ] || fail "burst.log lacks its end"
