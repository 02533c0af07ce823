#!/bin/sh
# t-49-reap-pid-reuse.sh: once a job's main process has exited, lockrun
# stops what is left of its process group; but when the last leftover is
# gone, the group's number is free, and a process that is none of the job's
# may get that pid and call setsid(): lockrun must never signal it.
#
# In a new pid namespace (so that the pid can be chosen through
# ns_last_pid): the job's main process X exits at once, leaving L (a
# background child in its group, ignoring SIGTERM) that exits 0.5 s later.
# The test script waits until L is gone, makes the next pid X, and starts
# a process that calls setsid() (so its process group is X too) and notes
# every signal it gets. lockrun (stopwaitsecs = 1s) must not signal it: not
# the stop signal, not SIGKILL. The race is tried several times.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (a pid namespace, ns_last_pid)"
command -v unshare >/dev/null || skip "no unshare(1)"
command -v setsid >/dev/null || skip "no setsid(1)"
unshare --pid --fork --mount-proc true 2>/dev/null ||
    skip "cannot make a pid namespace (unshare --pid --fork --mount-proc)"
unshare --pid --fork --mount-proc \
    sh -c 'echo 100 >/proc/sys/kernel/ns_last_pid' 2>/dev/null ||
    skip "cannot choose the next pid (ns_last_pid) in a pid namespace"

# One attempt, run as pid 1 of a new pid namespace: scenario DIR.
cat >"$T/bin/scenario" <<'EOF'
#!/bin/sh
D=$1
cat >"$D/job.ini" <<EOC
[lockrun]
lock_dir = $D/locks

[job:leaver]
command = echo \$\$ >"$D/x"; (trap '' TERM; exec sleep 0.5) & echo \$! >"$D/l"; exit 0
stopwaitsecs = 1s
EOC
lockrun -v --config "$D/job.ini" 2>"$D/lockrun.err" &
LR=$!
n=0
until [ -s "$D/x" ] && [ -s "$D/l" ]; do
	n=$((n + 1))
	[ "$n" -lt 1000 ] || { echo "the job did not start" >"$D/error"; exit 1; }
	sleep 0.01
done
read -r X <"$D/x"
read -r L <"$D/l"
# Wait until L is gone, without starting a process (which would take a pid).
n=0
while [ -e "/proc/$L" ]; do
	n=$((n + 1))
	[ "$n" -lt 50000000 ] || { echo "L never ended" >"$D/error"; exit 1; }
done
# The next process gets pid X, calls setsid (its group is X) and notes
# every signal it gets until told to stop.
echo $((X - 1)) >/proc/sys/kernel/ns_last_pid
setsid sh -c '
	for s in HUP INT QUIT USR1 USR2 ALRM TERM CONT TSTP; do
		trap "echo got $s >>\"\$1/imp.sig\"" "$s"
	done
	echo $$ >"$1/imp.pid"
	n=0
	while [ ! -e "$1/stop" ] && [ "$n" -lt 1500 ]; do
		sleep 0.02
		n=$((n + 1))
	done
	echo survived >>"$1/imp.sig"
' sh "$D" &
IMP=$!
echo "$IMP" >"$D/imp.forked"
rc=0
wait "$LR" || rc=$?
echo "$rc" >"$D/lockrun.rc"
# lockrun is gone: it can signal nothing any more.
touch "$D/stop"
rc=0
wait "$IMP" || rc=$?
echo "$rc" >"$D/imp.rc"
EOF
chmod +x "$T/bin/scenario"

VALID=0
ATTEMPTS=0
while [ "$ATTEMPTS" -lt 4 ]; do
	ATTEMPTS=$((ATTEMPTS + 1))
	D=$T/a$ATTEMPTS
	mkdir "$D"
	RC=0
	timeout -k 5 40 unshare --pid --fork --mount-proc \
	    sh "$T/bin/scenario" "$D" || RC=$?
	[ ! -s "$D/error" ] || fail "attempt $ATTEMPTS: $(cat "$D/error")"
	if [ "$RC" -ne 0 ] || [ ! -s "$D/imp.rc" ]; then
		fail "attempt $ATTEMPTS: the scenario failed (exit $RC): $(cat "$D/lockrun.err" 2>/dev/null)"
	fi
	X=$(cat "$D/x")
	IMP=$(cat "$D/imp.forked")
	if [ "$IMP" != "$X" ]; then
		note "attempt $ATTEMPTS: the stranger got pid $IMP, not $X: no race"
		continue
	fi
	VALID=$((VALID + 1))
	SIGS=
	[ ! -f "$D/imp.sig" ] || SIGS=$(tr '\n' ' ' <"$D/imp.sig")
	IMPRC=$(cat "$D/imp.rc")
	if [ "$IMPRC" -ne 0 ] || [ "$SIGS" != "survived " ]; then
		fail "attempt $ATTEMPTS: lockrun signalled a stranger that took the job's pid $X and called setsid: it exited $IMPRC${SIGS:+, noted: $SIGS}; lockrun said: $(grep -v 'in state' "$D/lockrun.err" | tr '\n' '|')"
	fi
	[ "$(cat "$D/lockrun.rc")" -eq 0 ] ||
	    fail "attempt $ATTEMPTS: lockrun exited $(cat "$D/lockrun.rc"): $(cat "$D/lockrun.err")"
	note "attempt $ATTEMPTS: the stranger with pid $X was left alone"
done
[ "$VALID" -gt 0 ] || fail "the stranger never got the job's pid in $ATTEMPTS attempts"
