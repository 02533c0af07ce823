#!/bin/sh
# t-43-replace-handshake.sh: on_running = replace asks the running instance
# to give way only while the asking run waits. (4) A run that holds the
# singleton but still waits for a semaphore slot is asked to give way by a
# run that gives up (wait_timeout) before anything happens: once its slot
# comes free, the first run must run its command, not end as "replaced" by a
# run that is no longer there. (5) wait_timeout counts once for the whole
# wait of a replacing run: the time spent waiting for the old instance to
# stop counts toward the time it then waits for its other locks.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# --- (4) a withdrawn request is no request ----------------------------------
# H holds the only slot of semaphore "one".
start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 -- \
    "$HOLD" "$T/h.pid" "$T/h.release"
H=$BG_PID
wait_for 'test -s "$T/h.pid"' 30

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:one]
slots = 1

[job:job]
command = echo ran >>"$T/job.runs"
semaphore = one
EOF
write_conf "$T/replace.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:one]
slots = 1

[job:job]
command = echo replacement >>"$T/job.runs"
semaphore = one
on_running = replace
wait_timeout = 1s
stopwaitsecs = 1s
EOF
# A takes the job's PID file and waits for the slot.
start_bg lockrun -v --config "$CONF" job 2>"$T/a.err"
A=$BG_PID
wait_for 'grep -q "waiting" "$T/a.err"' 30
# B asks to replace A, which has no command running yet; B gives up.
expect_rc 75 lockrun -v --config "$T/replace.ini" job
stderr_has "gave up"
is_running "$A" || fail "the waiting run ended when another asked to replace it: $(cat "$T/a.err")"
[ ! -e "$T/job.runs" ] || fail "a command ran while the slot was held: $(cat "$T/job.runs")"
# The slot comes free: A runs its command.
touch "$T/h.release"
expect_bg_rc 0 "$H" 15
wait_bg "$A" 15
[ "$(cat "$T/job.runs" 2>/dev/null)" = ran ] ||
    fail "the run whose replacement was withdrawn did not run its command (exit $BG_RC): $(cat "$T/a.err")"
[ "$BG_RC" -eq 0 ] || fail "the first run exited $BG_RC: $(cat "$T/a.err")"
if grep -q "replaced" "$T/a.err"; then
	fail "the first run thinks it was replaced: $(cat "$T/a.err")"
fi

# --- (5) wait_timeout counts once ---------------------------------------------
# The running instance takes 4 s to stop after TERM: less than the
# replacing run's wait_timeout (5 s), which then waits for lock "named"
# until its 5 s are over; not for 5 s more (4 + 5 = 9 s).
write_conf "$T/slow.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:slow]
command = trap 'sleep 4; exit 0' TERM; echo \$\$ >"$T/slow.self"; while :; do sleep 0.1; done
EOF
# The replacement also needs lock "named", which flock(1) holds for good.
write_conf "$T/slow-replace.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:slow]
command = echo replacement >>"$T/slow.runs"
locks = named
on_running = replace
wait_timeout = 5s
stopwaitsecs = 30s
EOF
command -v flock >/dev/null || skip "no flock(1) for part (5)"
mkdir -p "$LOCKDIR"
start_bg flock "$LOCKDIR/named.lock" "$HOLD" "$T/named.pid" "$T/named.release"
FL=$BG_PID
wait_for 'test -s "$T/named.pid"' 10
start_bg lockrun -v --config "$T/slow.ini" slow 2>"$T/slow.err"
SLOW=$BG_PID
wait_for 'test -s "$T/slow.self" && test -s "$LOCKDIR/slow.pid"' 10
pidfile_is slow "$(read_pid "$T/slow.self")"
START=$(now)
expect_rc 75 lockrun -v --config "$T/slow-replace.ini" slow
TOOK=$(elapsed "$START" "$(now)")
note "the replacing run gave up after $TOOK s (wait_timeout = 5s)"
stderr_has "replacing pid"
[ ! -e "$T/slow.runs" ] || fail "the replacement ran without its lock"
# 5 s in all: not 4 s (the stop) + 5 s (the lock) = 9 s.
assert_between "$TOOK" 4.5 7.5 "a replacing run's wait_timeout of 5s took (s)"
wait_bg "$SLOW" 20
touch "$T/named.release"
expect_bg_rc 0 "$FL" 15
