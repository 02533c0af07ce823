#!/bin/sh
# t-10-signals.sh: TERM, INT and HUP sent to lockrun reach the command's
# process group; lockrun then exits with the command's status (128+N).

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/s.lock

for pair in TERM:143 INT:130 HUP:129; do
	sig=${pair%:*}
	want=${pair#*:}
	start_bg_int lockrun --lock "$F" -- "$PIDEXEC" "$T/$sig.pid" sleep 30
	lr=$BG_PID
	wait_for 'test -s "$T/$sig.pid"' 5
	child=$(cat "$T/$sig.pid")
	# Signal the command once it is sleep itself, not the script on its way.
	wait_for "[ \"\$(cat /proc/$child/comm 2>/dev/null)\" = sleep ]" 5
	kill -"$sig" "$lr"
	wait_bg "$lr" 5
	[ "$BG_RC" -eq "$want" ] ||
	    fail "SIG$sig to lockrun: expected exit $want, got $BG_RC"
	note "SIG$sig to lockrun: exit $BG_RC"
	wait_for "! is_running $child" 5
	expect_rc 0 lockrun -n --lock "$F" -- true
done

# The signal goes to the whole group, not just the main process.
start_bg lockrun --lock "$F" -- sh -c \
    'sleep 30 & echo $! >"$1.tmp"; mv "$1.tmp" "$1"; wait' sh "$T/grp.pid"
lr=$BG_PID
wait_for 'test -s "$T/grp.pid"' 5
bg=$(cat "$T/grp.pid")
wait_for "[ \"\$(cat /proc/$bg/comm 2>/dev/null)\" = sleep ]" 5
kill -TERM "$lr"
wait_bg "$lr" 10
[ "$BG_RC" -eq 143 ] || fail "SIGTERM to lockrun (group): expected 143, got $BG_RC"
wait_for "! is_running $bg" 5

# A command that ignores the signal: SIGKILL after --kill-after, or at once
# on a second signal; either way the lock is free afterwards.
for how in grace second; do
	grace=1s
	[ "$how" = second ] && grace=60s
	start_bg lockrun -v --kill-after "$grace" --lock "$F" -- sh -c \
	    'trap "" TERM; echo $$ >"$1.tmp"; mv "$1.tmp" "$1"; while :; do sleep 1; done' \
	    sh "$T/stub-$how.pid" 2>"$T/stub-$how.err"
	lr=$BG_PID
	wait_for 'test -s "$T/stub-$how.pid"' 5
	stub=$(cat "$T/stub-$how.pid")
	START=$(now)
	kill -TERM "$lr"
	if [ "$how" = second ]; then
		# Two signals sent at once could merge into one: wait for the first.
		wait_for 'grep -q "stopping pid" "$T/stub-$how.err"' 5
		kill -TERM "$lr"
	fi
	wait_bg "$lr" 20
	TOOK=$(elapsed "$START" "$(now)")
	[ "$BG_RC" -eq 137 ] ||
	    fail "TERM-proof command ($how): expected exit 137, got $BG_RC"
	note "TERM-proof command ($how): killed after $TOOK s"
	if [ "$how" = grace ]; then
		assert_between "$TOOK" 0.8 10 "kill after a 1s grace period (s)"
	else
		assert_between "$TOOK" 0 20 "kill at a second signal, grace 60s (s)"
	fi
	wait_for "! is_running $stub" 5
	expect_rc 0 lockrun -n --lock "$F" -- true
done
