#!/bin/sh
# t-46-closed-fds.sh: lockrun started with stdin, stdout (and stderr) closed,
# as some daemons and cron wrappers do, must not let a lock file take one of
# those numbers: the job's output would land in its own PID file. The PID
# file holds exactly the job's pid and a newline, and the job runs.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 2

[job:so]
command = echo \$\$ >"$T/so.self"; i=0; while [ \$i -lt 20 ]; do echo "job output line \$i"; echo "job error line \$i" >&2; i=\$((i + 1)); done; echo ran >>"$T/so.runs"; "$HOLD" "$T/so.hold" "$T/so.release"; echo "job output at the end"
semaphore = s
locks = named
EOF

# closed TAG REDIRS: run the job with REDIRS (closing fds), check its PID
# file while it runs, then let it end.
closed() {
	rm -f "$T/so.self" "$T/so.hold" "$T/so.release" "$T/so.runs"
	# An explicit redirection: sh gives a '&' command /dev/null as stdin
	# before it applies those.
	start_bg sh -c "exec lockrun --config \"\$1\" so $2" sh "$CONF"
	LR=$BG_PID
	wait_for 'test -s "$T/so.hold" || ! is_running $LR' 10
	is_running "$LR" || { wait_bg "$LR"; fail "$1: lockrun exited $BG_RC"; }
	JOB=$(read_pid "$T/so.self")
	printf '%s\n' "$JOB" >"$T/expected"
	cmp -s "$T/expected" "$LOCKDIR/so.pid" ||
	    fail "$1: the PID file holds more than the pid $JOB: $(head -c 300 "$LOCKDIR/so.pid" | od -c | head -5)"
	# Nor did the output reach the semaphore slot or the named lock.
	for f in "$LOCKDIR"/s.*.lock "$LOCKDIR/named.lock"; do
		if grep -q "job" "$f"; then
			fail "$1: the job's output is in $f"
		fi
	done
	[ "$(count_lines "$T/so.runs")" -eq 1 ] || fail "$1: the job did not run"
	touch "$T/so.release"
	expect_bg_rc 0 "$LR" 15
	for f in "$LOCKDIR"/*; do
		if grep -q "job" "$f"; then
			fail "$1: the job's output is in $f"
		fi
	done
}

closed "stdin and stdout closed" "<&- >&- 2>>\"$T/lockrun.err\""
closed "stdin, stdout and stderr closed" '<&- >&- 2>&-'
closed "stdout closed" ">&- 2>>\"$T/lockrun.err\""
