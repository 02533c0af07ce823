#!/bin/sh
# t-42-restart-leftover.sh: a job whose main process exits leaving a worker
# that escaped its process group (setsid) still holds the singleton through
# that worker; autorestart must not start a second worker beside it. With
# on_running = skip (the default) lockrun stops restarting; with
# on_running = wait it waits for the worker, then restarts. Never two
# workers at once.
#
# The job is, in effect,
#	setsid sh -c 'echo start >>W; sleep 3; echo end >>W' & sleep 0.2; exit 1
# with the worker's "sleep 3" replaced by a wait for the test's word, so that
# a loaded machine cannot end a worker before lockrun's restart is due.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

command -v setsid >/dev/null || skip "no setsid(1)"

# The worker: an atomic marker (mkdir) says whether another worker is in
# its critical section; "start" and "end" lines in $T/W; in between it
# waits until $T/go.PID exists (at most 60 s).
cat >"$T/bin/worker" <<EOF
#!/bin/sh
mine=
if mkdir "$T/busy" 2>/dev/null; then
	mine=1
else
	echo "overlap \$\$" >>"$T/overlap"
fi
echo "start \$\$" >>"$T/W"
"$HOLD" "$T/worker.\$\$" "$T/go.\$\$"
echo "end \$\$" >>"$T/W"
[ -z "\$mine" ] || rmdir "$T/busy"
EOF
chmod +x "$T/bin/worker"

# leftover_conf ON_RUNNING: the job starts a worker in a session of its own,
# then exits 1 before startsecs (a failed start: tried again).
leftover_conf() {
	write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:w]
command = echo run >>"$T/runs"; setsid "$T/bin/worker" & sleep 0.2; exit 1
autorestart = true
startretries = 2
startsecs = 60
on_running = $1
EOF
	rm -f "$T/W" "$T/runs" "$T/overlap" "$T"/worker.* "$T"/go.*
}

# count WORD: lines starting with WORD in $T/W.
count() {
	if [ -f "$T/W" ]; then
		grep -c "^$1 " "$T/W" || :
	else
		echo 0
	fi
}

# no_overlap: fail if two workers ever ran at once (by the marker, or by
# the counts); true otherwise.
no_overlap() {
	[ ! -s "$T/overlap" ] ||
	    fail "two workers ran at once: $(cat "$T/overlap"); W: $(tr '\n' ' ' <"$T/W")"
	[ $(($(count start) - $(count end))) -le 1 ] ||
	    fail "more than one worker running: $(tr '\n' ' ' <"$T/W")"
}

# nth_worker N: the pid of the Nth worker to start, or nothing.
nth_worker() {
	[ ! -f "$T/W" ] ||
	    awk -v n="$1" '$1 == "start" && ++c == n { print $2 }' "$T/W"
}

# worker N: the pid of the Nth worker, once it waits for the test's word.
worker() {
	_n=$1
	wait_for 'no_overlap && _w=$(nth_worker $_n) && test -n "$_w" && test -s "$T/worker.$_w"' 20
	nth_worker "$_n"
}

# release PID: let worker PID end, and wait until it has.
release() {
	touch "$T/go.$1"
	wait_for "no_overlap && ! is_running $1" 20
}

# --- on_running = skip: the leftover holds the singleton, no restart --------
leftover_conf skip
start_bg lockrun -v --config "$CONF" 2>"$T/skip.err"
LR=$BG_PID
W1=$(worker 1)
# The restart is due 0.5 s after the job's exit: lockrun skips it and ends
# while the worker still runs.
wait_for 'no_overlap && ! is_running $LR' 30
wait_bg "$LR"
SKIP_RC=$BG_RC
is_running "$W1" || fail "skip: the worker is gone before the test let it end"
no_overlap
[ "$(count start)" -eq 1 ] || fail "skip: $(count start) workers started"
[ "$(count_lines "$T/runs")" -eq 1 ] ||
    fail "skip: the job was restarted beside its leftover: $(count_lines "$T/runs") runs"
grep -q "skipped" "$T/skip.err" ||
    fail "skip: lockrun did not say it skipped the restart: $(cat "$T/skip.err")"
release "$W1"
note "skip: exit $SKIP_RC: $(tr '\n' '|' <"$T/skip.err")"

# --- on_running = wait: each restart waits for the last worker ---------------
leftover_conf wait
start_bg lockrun -v --config "$CONF" 2>"$T/wait.err"
LR=$BG_PID
for n in 1 2; do
	WN=$(worker "$n")
	# The job has exited; its restart waits for the worker.
	wait_for 'no_overlap && test "$(grep -c ": waiting: " "$T/wait.err")" -ge $n' 30
	[ "$(count start)" -eq "$n" ] ||
	    fail "wait: a restart started a worker beside worker $n: $(tr '\n' ' ' <"$T/W")"
	[ "$(count_lines "$T/runs")" -eq "$n" ] ||
	    fail "wait: the job was restarted beside worker $n"
	is_running "$LR" || fail "wait: lockrun ended while worker $n ran: $(cat "$T/wait.err")"
	release "$WN"
done
WN=$(worker 3)
# No more tries (startretries = 2): lockrun ends with the job's status,
# the last worker still running.
wait_for 'no_overlap && ! is_running $LR' 30
wait_bg "$LR"
[ "$BG_RC" -eq 1 ] || fail "wait: expected the job's exit 1, got $BG_RC"
release "$WN"
no_overlap
[ "$(count start)" -eq 3 ] || fail "wait: $(count start) workers started, not 3"
[ "$(count_lines "$T/runs")" -eq 3 ] ||
    fail "wait: $(count_lines "$T/runs") runs, not 1 + 2 restarts"
# The workers followed one another: start, end, start, end, ...
awk '{ w = (NR % 2) ? "start" : "end"; if ($1 != w) exit 1 }' "$T/W" ||
    fail "wait: workers interleaved: $(tr '\n' ' ' <"$T/W")"

# --- the status of the skip run ----------------------------------------------
# The job ran once and failed (exit 1); only its restart was skipped. That
# failure must show (as when a replacement stops the restarts: t-20): 75,
# the busy status, which cron users map to 0 with busy_exit_code, would
# hide it.
[ "$SKIP_RC" -eq 1 ] ||
    fail "skip: the job exited 1 and its restart was skipped, but lockrun exited $SKIP_RC"
