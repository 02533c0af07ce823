#!/bin/sh
# tests/integration/t-94-supervisord-sample.sh: the [program:x] example of
# supervisord's documentation ("[program:x] Section Example") runs with
# lockrun as it is, but for its user (chrism) and its log paths (/a/path),
# which must exist on the host; renamed to [job:cat] it runs the same.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	RUNAS=nobody
else
	RUNAS=$(id -un)		# one's own user needs no root
fi
mkdir "$T/logs"
chmod 755 "$T"
chown "$RUNAS" "$T/logs"

# The sample, verbatim but for user= and the two paths.
sample() {
	sed -e "s|^user=chrism\$|user=$RUNAS|" \
	    -e "s|^stdout_logfile=/a/path\$|stdout_logfile=$T/logs/cat.out|" \
	    -e "s|^stderr_logfile=/a/path\$|stderr_logfile=$T/logs/cat.err|" <<'EOF'
[program:cat]
command=/bin/cat
process_name=%(program_name)s
numprocs=1
directory=/tmp
umask=022
priority=999
autostart=true
autorestart=unexpected
startsecs=10
startretries=3
exitcodes=0
stopsignal=TERM
stopwaitsecs=10
stopasgroup=false
killasgroup=false
user=chrism
redirect_stderr=false
stdout_logfile=/a/path
stdout_logfile_maxbytes=1MB
stdout_logfile_backups=10
stdout_capture_maxbytes=1MB
stdout_events_enabled=false
stderr_logfile=/a/path
stderr_logfile_maxbytes=1MB
stderr_logfile_backups=10
stderr_capture_maxbytes=1MB
stderr_events_enabled=false
environment=A="1",B="2"
serverurl=AUTO
EOF
}
sample >"$CONF"
expect_rc 0 lockrun --config "$CONF" --check
sed 's/^\[program:cat\]$/[job:cat]/' "$CONF" >"$T/renamed.ini"
expect_rc 0 lockrun --config "$T/renamed.ini" --check

# cat reads its stdin, as under supervisord: give it a pipe that stays open.
mkfifo "$T/in"
start_bg sh -c 'exec lockrun --lock-dir "$1" --config "$2" <"$3"' sh \
    "$LOCKDIR" "$CONF" "$T/in"
LR=$BG_PID
exec 3>"$T/in"
wait_for 'test -s "$LOCKDIR/cat.pid"' 10
JOB=$(read_pid "$LOCKDIR/cat.pid")
# The job is "sh -c /bin/cat": cat is the shell itself or its child.
wait_for 'CAT=$(pgrep -x cat -s "$JOB")' 10
[ "$(stat -c %U "/proc/$CAT")" = "$RUNAS" ] || fail "cat does not run as $RUNAS"
[ "$(readlink "/proc/$CAT/cwd")" = /tmp ] || fail "directory=/tmp: $(readlink "/proc/$CAT/cwd")"
grep -q '^Umask:[[:space:]]*0022$' "/proc/$CAT/status" || fail "umask=022: $(grep Umask "/proc/$CAT/status")"
tr '\0' '\n' <"/proc/$CAT/environ" | grep -qx 'A=1' || fail "environment: no A=1"
tr '\0' '\n' <"/proc/$CAT/environ" | grep -qx 'B=2' || fail "environment: no B=2"
tr '\0' '\n' <"/proc/$CAT/environ" | grep -qx 'SUPERVISOR_PROCESS_NAME=cat' ||
    fail "no SUPERVISOR_PROCESS_NAME=cat"
echo "hello from cat" >&3
wait_for 'grep -q "hello from cat" "$T/logs/cat.out"' 10
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --config "$CONF" --status
grep -Eq "^cat +running +$JOB " "$T/stdout" || fail "--status: $(cat "$T/stdout")"
# A second run of the file finds it running, as a singleton.
expect_rc 75 lockrun -v --lock-dir "$LOCKDIR" --config "$CONF"
stderr_has "job cat: skipped: job cat is already running as pid $JOB"

# Stopped with its stopsignal; it is not restarted.
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 20
exec 3>&-
is_running "$CAT" && fail "cat survived the stop"
[ ! -s "$T/logs/cat.err" ] || fail "cat wrote to stderr: $(cat "$T/logs/cat.err")"
