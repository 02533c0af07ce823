#!/bin/sh
# t-41-replace-forged.sh: a PID file's contents are trusted only from root
# or ourselves, and even then name only a process to ask the kernel about.
# (a) In a shared 1777 lock dir, a PID file that another user made first is
# refused (73, "owned by another user") and nothing starts. (b) A PID file
# that names the job's own supervisor (anyone who could write the file could
# put it there) does not make a run with on_running = replace signal that
# supervisor: the run gives up (75, "not signalling it"), and the supervisor
# and its job run on.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# --- (a) another user's PID file in a shared lock dir ----------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 0755 "$T"		# let nobody reach the shared dir
	SHARED=$T/shared
	install -d -m 1777 "$SHARED"
	write_conf "$T/shared.ini" <<EOF
[lockrun]
lock_dir = $SHARED

[job:backup]
command = echo run >>"$T/backup.runs"

[job:multi]
command = echo run >>"$T/multi.runs"
numprocs = 2
EOF
	# User nobody makes the job's PID file before root runs the job: then
	# nobody could remove it while root's job runs, and a second one start.
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    sh -c 'umask 022; : >"$1/backup.pid"; : >"$1/multi.01.pid"' sh "$SHARED"
	[ "$(stat -c %u "$SHARED/backup.pid")" -eq 65534 ] ||
	    fail "setup: $SHARED/backup.pid is not nobody's"
	expect_rc 73 lockrun --config "$T/shared.ini" backup
	stderr_has "$SHARED/backup.pid"
	stderr_has "owned by another user"
	[ ! -e "$T/backup.runs" ] || fail "the job ran with another user's PID file"
	# Once the stranger's file is gone, the job runs (and its file is root's).
	rm -f "$SHARED/backup.pid"
	expect_rc 0 lockrun --config "$T/shared.ini" backup
	[ "$(count_lines "$T/backup.runs")" -eq 1 ] || fail "the job did not run"
	[ "$(stat -c %u "$SHARED/backup.pid")" -eq 0 ] ||
	    fail "the new PID file is not root's"
else
	note "not root (or no setpriv): skipping another user's PID file"
fi

# --- (b) the PID file names the supervisor itself ---------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:svc]
command = echo \$\$ >"$T/svc.self"; echo run >>"$T/svc.runs"; exec "$HOLD" "$T/svc.hold" "$T/svc.release"
EOF
write_conf "$T/replace.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:svc]
command = echo replaced >>"$T/svc.new"
on_running = replace
wait_timeout = 2s
stopwaitsecs = 500ms
EOF
start_bg lockrun --config "$CONF" svc 2>"$T/s.err"
S=$BG_PID
wait_for 'test -s "$T/svc.hold" && test -s "$LOCKDIR/svc.pid"' 10
JOB=$(read_pid "$T/svc.hold")
pidfile_is svc "$JOB"
# Whoever can write the file (root here, or anyone with a careless mode) puts
# the supervisor's own pid in it. The supervisor does hold the lock.
echo "$S" >"$LOCKDIR/svc.pid"
expect_rc 75 lockrun --config "$T/replace.ini" svc
stderr_has "not signalling it"
stderr_has "pid $S"
is_running "$S" || fail "the supervisor (pid $S) named in the PID file was stopped"
is_running "$JOB" || fail "the supervised job (pid $JOB) was stopped"
[ ! -e "$T/svc.new" ] || fail "the replacing run ran beside the job"
if grep -q "replac" "$T/s.err"; then
	fail "the supervisor heard of a replacement: $(cat "$T/s.err")"
fi
# The supervisor and its job are undisturbed: the job ends as it would.
touch "$T/svc.release"
expect_bg_rc 0 "$S" 15
[ "$(count_lines "$T/svc.runs")" -eq 1 ] ||
    fail "the job ran $(count_lines "$T/svc.runs") times"

# --- (a') the same for an instance of a job with numprocs -------------------
# Instance 01's PID file is nobody's. The run must not pass that off as
# "all 2 instances are running" and exit 0 with one instance never started
# (a run another user made vanish): it is refused, as a singleton's is.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	expect_rc 73 lockrun --config "$T/shared.ini" multi
	stderr_has "owned by another user"
	[ "$(count_lines "$T/multi.runs")" -eq 1 ] ||
	    fail "numprocs: $(count_lines "$T/multi.runs") instances ran, not 1 (instance 00)"
	# "remove it": the message must say which file.
	stderr_has "$SHARED/multi.01.pid"
fi
