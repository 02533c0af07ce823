# tests/integration/t-25-shutdown.sh: SIGTERM or SIGINT to a supervising
# lockrun stops every job gracefully (KILL after stopwaitsecs for one that
# ignores the stop signal, leftovers in a job's group included), and lockrun
# exits 128 + the signal with none of the jobs' processes left.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# Three jobs, each noting the pid of its shell (X.sh) and of its long sleep
# (X.sleep); "grand" also starts a grandchild in its group (grand.gc).
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:plain]
command = echo \$\$ >"$T/plain.sh"; "$PIDEXEC" "$T/plain.sleep" sleep 100

[job:stubborn]
command = trap '' TERM INT; echo \$\$ >"$T/stubborn.sh"; "$PIDEXEC" "$T/stubborn.sleep" sleep 100
stopwaitsecs = 1s

[job:grand]
command = echo \$\$ >"$T/grand.sh"; sh -c 'sleep 100 & echo \$! >"$T/grand.gc"; wait' & "$PIDEXEC" "$T/grand.sleep" sleep 100
EOF

ALL_FILES="plain.sh plain.sleep stubborn.sh stubborn.sleep grand.sh grand.gc grand.sleep"

# shutdown SIGNAL STATUS [JOB...]: start the jobs (all, or those named),
# signal lockrun, check it exits STATUS and leaves nothing behind.
shutdown() {
	_sig=$1
	_want=$2
	shift 2
	for f in $ALL_FILES; do
		rm -f "$T/$f"
	done
	start_bg_int lockrun -v --config "$CONF" "$@" 2>"$T/lockrun.err"
	LR=$BG_PID
	for f in $ALL_FILES; do
		wait_for "test -s \"\$T/$f\"" 5
	done
	PIDS=
	for f in $ALL_FILES; do
		PIDS="$PIDS $(read_pid "$T/$f")"
	done
	for p in $PIDS; do
		is_running "$p" || fail "pid $p died before the signal"
	done
	START=$(now)
	kill "-$_sig" "$LR"
	expect_bg_rc "$_want" "$LR" 10
	TOOK=$(elapsed "$START" "$(now)")
	note "lockrun took $TOOK s to stop on SIG$_sig"
	# lockrun waited for every group: nothing may be left.
	for p in $PIDS; do
		! is_running "$p" || fail "pid $p outlived lockrun: $(ps -o pid,pgid,stat,args -p "$p" | tail -1)"
	done
	# The job that ignored the signal got KILL after its 1 s stopwaitsecs.
	assert_between "$TOOK" 0.9 8 "stopping with a 1s stopwaitsecs took (s)"
	# Every PID file is free again (ad hoc lockrun takes it at once).
	for j in plain stubborn grand; do
		[ ! -s "$LOCKDIR/$j.pid" ] ||
		    fail "$j.pid still says $(cat "$LOCKDIR/$j.pid")"
		expect_rc 0 lockrun --no-wait --lock "$LOCKDIR/$j.pid" -- true
	done
}

shutdown TERM 143
shutdown INT 130
# SIGHUP stops jobs named on the command line (it reloads a lockrun that
# runs all of them: t-61).
shutdown HUP 129 plain stubborn grand

# --- a second signal skips the grace period ---------------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:stubborn]
command = trap '' TERM INT; echo \$\$ >"$T/stubborn.sh"; "$PIDEXEC" "$T/stubborn.sleep" sleep 100
stopwaitsecs = 60s
EOF
rm -f "$T/stubborn.sh" "$T/stubborn.sleep"
start_bg lockrun -v --config "$CONF" 2>"$T/lockrun.err"
LR=$BG_PID
wait_for 'test -s "$T/stubborn.sh" && test -s "$T/stubborn.sleep"' 5
SH=$(read_pid "$T/stubborn.sh")
SLEEP=$(read_pid "$T/stubborn.sleep")
START=$(now)
kill -TERM "$LR"
wait_for 'grep -q "received SIGTERM" "$T/lockrun.err"' 5
is_running "$SH" || fail "the job ignoring TERM died of it"
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 10
TOOK=$(elapsed "$START" "$(now)")
assert_between "$TOOK" 0 5 "two SIGTERMs with a 60s stopwaitsecs took (s)"
all_gone "$SH" "$SLEEP" || fail "the job outlived lockrun"
