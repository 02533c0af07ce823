#!/bin/sh
# tests/integration/t-52-shared-pidfile.sh: PID files in a lock dir shared
# between users (1777). A PID file lockrun makes is its owner's alone
# (0600): another user can neither run that job nor hold the file to keep
# it from running. One left 0644 by an older lockrun still works for
# another user: the PID file cannot be written by them, but the lock can
# be taken, --status shows the job running with the pid of its process
# (who holds the lock, not what the file says), and a second run is
# skipped naming that pid.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (runs jobs as root and as nobody)"
command -v setpriv >/dev/null || skip "no setpriv to act as user nobody"
[ -r /proc/locks ] || skip "no /proc/locks here"


umask 022
chmod 0755 "$T"
SHARED=$T/shared
install -d -m 1777 "$SHARED"
# nobody's own directory: its job file, and where its job notes its pid.
NB=$T/nb
mkdir "$NB"
chown 65534:65534 "$NB"
as_nobody test -x "$HOLD" || skip "user nobody cannot run $HOLD"

# Root runs the job once: root now owns shared.pid, and only root.
write_conf <<EOF
[lockrun]
lock_dir = $SHARED

[job:shared]
command = true
EOF
expect_rc 0 lockrun --config "$CONF" shared
[ "$(stat -c '%U %a' "$SHARED/shared.pid")" = "root 600" ] ||
    fail "root's run left shared.pid as $(stat -c '%U %a' "$SHARED/shared.pid")"
# So nobody cannot hold it to keep root's job from running.
if as_nobody flock -n "$SHARED/shared.pid" true 2>/dev/null; then
	fail "user nobody could lock root's PID file"
fi
expect_rc 0 lockrun --config "$CONF" shared

# nobody runs the same job from a job file nobody may use.
as_nobody sh -c 'cat >"$1"' sh "$NB/jobs.ini" <<EOF
[lockrun]
lock_dir = $SHARED

[job:shared]
command = exec "$HOLD" "$NB/job.pid" "$NB/release"
EOF
# nobody cannot run root's singleton: a clear error, and nothing runs.
expect_rc 73 as_nobody lockrun --config "$NB/jobs.ini" shared
stderr_has "Permission denied"
[ ! -e "$NB/job.pid" ] || fail "nobody's job ran with root's PID file"

# A PID file an older lockrun left 0644: nobody takes the lock read-only.
chmod 0644 "$SHARED/shared.pid"
start_bg setpriv --reuid=65534 --regid=65534 --clear-groups \
    lockrun -v --config "$NB/jobs.ini" shared 2>"$T/first.err"
FIRST=$BG_PID
wait_for 'test -s "$NB/job.pid"' 10
JOB=$(read_pid "$NB/job.pid")
[ "$(stat -c %u "/proc/$JOB")" = 65534 ] || fail "the job does not run as nobody"

# --status, as nobody and as root: running, with the job's pid.
for who in nobody root; do
	if [ "$who" = nobody ]; then
		expect_rc 0 as_nobody lockrun --config "$NB/jobs.ini" --status
	else
		expect_rc 0 lockrun --config "$NB/jobs.ini" --status
	fi
	grep -Eq "^shared +running +$JOB " "$T/stdout" ||
	    fail "--status as $who does not show shared running as $JOB: $(cat "$T/stdout")"
	if command -v python3 >/dev/null && [ "$who" = root ]; then
		expect_rc 0 lockrun --config "$NB/jobs.ini" --status --json
		python3 -c '
import json, sys
jobs = {j["name"]: j for j in json.load(open(sys.argv[1]))["jobs"]}
assert jobs["shared"]["state"] == "running", jobs
assert jobs["shared"]["pid"] == int(sys.argv[2]), jobs
' "$T/stdout" "$JOB" || fail "--status --json: $(cat "$T/stdout")"
	fi
done

# A second run as nobody is skipped, and says who runs it.
expect_rc 75 as_nobody lockrun -v --config "$NB/jobs.ini" shared
stderr_has "already running as pid $JOB"
# Root's run of the job is skipped as well.
expect_rc 75 lockrun -v --config "$CONF" shared
stderr_has "already running as pid $JOB"

touch "$NB/release"
expect_bg_rc 0 "$FIRST" 10
if grep -q "cannot write pid" "$T/first.err"; then
	fail "nobody's run could not write the PID file: $(cat "$T/first.err")"
fi
note "nobody's run said: $(cat "$T/first.err")"
