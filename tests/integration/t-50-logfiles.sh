#!/bin/sh
# tests/integration/t-50-logfiles.sh: a job's log file is one nobody else
# can choose. Root runs jobs whose stdout_logfile/stderr_logfile lies in a
# root-owned 1777 directory (as /tmp is) where user nobody planted things:
# a symlink (to a root file, or dangling), a file of nobody's, a FIFO. Each
# is refused with a reason, nothing is written through it, the job does not
# run, and a FIFO never blocks the supervisor. A log in a directory nobody
# owns is refused too; a log lockrun creates is 0640 whatever the umask.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (it plants files as user nobody)"
command -v setpriv >/dev/null || skip "no setpriv to act as user nobody"


umask 022
# nobody must reach $T/shared (and only that): $T itself is 0700.
chmod 0755 "$T"
SHARED=$T/shared
install -d -m 1777 "$SHARED"
as_nobody test -w "$SHARED" || skip "user nobody cannot write to $SHARED"

# not_ran MARK WHAT: fail if the job's marker file exists.
not_ran() {
	[ ! -e "$1" ] || fail "$2: the job ran"
}

# --- (a) a symlink planted by nobody: to root's file, or dangling ---------
printf 'root secret\n' >"$T/secret"
chmod 0600 "$T/secret"
cp "$T/secret" "$T/secret.orig"
as_nobody ln -s "$T/secret" "$SHARED/link.log"
as_nobody ln -s "$T/made-through-link" "$SHARED/dangling.log"
as_nobody ln -s "$T/made-through-link2" "$SHARED/dangling2.log"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:linked]
command = echo "root output"; touch "$T/linked.ran"
stdout_logfile = $SHARED/link.log

[job:dangling]
command = echo "root output"; touch "$T/dangling.ran"
stdout_logfile = $SHARED/dangling.log

[job:dangling_err]
command = echo "root output" >&2; touch "$T/dangling_err.ran"
stderr_logfile = $SHARED/dangling2.log
EOF

expect_rc 73 lockrun --config "$CONF" linked
stderr_has "$SHARED/link.log"
stderr_has "not a regular file"
cmp -s "$T/secret" "$T/secret.orig" ||
    fail "the job wrote through nobody's symlink: $(cat "$T/secret")"
[ "$(stat -c '%u %a' "$T/secret")" = "0 600" ] ||
    fail "the link's target changed: $(stat -c '%U %a' "$T/secret")"
not_ran "$T/linked.ran" "stdout_logfile is nobody's symlink"

expect_rc 73 lockrun --config "$CONF" dangling
stderr_has "not a regular file"
[ ! -e "$T/made-through-link" ] ||
    fail "a file was created through nobody's dangling symlink"
not_ran "$T/dangling.ran" "stdout_logfile is a dangling symlink"

expect_rc 73 lockrun --config "$CONF" dangling_err
stderr_has "not a regular file"
[ ! -e "$T/made-through-link2" ] ||
    fail "stderr_logfile: a file was created through a dangling symlink"
not_ran "$T/dangling_err.ran" "stderr_logfile is a dangling symlink"
for f in link.log dangling.log dangling2.log; do
	[ -L "$SHARED/$f" ] || fail "nobody's symlink $f was replaced"
done

# --- (b) a log file pre-created by nobody, 0666 ---------------------------
as_nobody sh -c 'umask 0; : >"$1"' sh "$SHARED/pre.log"
[ "$(stat -c '%U %a' "$SHARED/pre.log")" = "nobody 666" ] ||
    fail "could not plant a 0666 file of nobody's"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:pre]
command = echo "root output"; touch "$T/pre.ran"
stdout_logfile = $SHARED/pre.log
EOF
expect_rc 73 lockrun --config "$CONF" pre
stderr_has "$SHARED/pre.log is owned by"
[ ! -s "$SHARED/pre.log" ] ||
    fail "root's output went into nobody's file: $(cat "$SHARED/pre.log")"
not_ran "$T/pre.ran" "stdout_logfile is nobody's file"

# --- (c) a FIFO planted by nobody: no blocking ----------------------------
# Opening a FIFO without a reader for writing blocks: a supervisor that did
# so would stop timing out, stopping and reaping its other jobs.
as_nobody mkfifo "$SHARED/fifo.log"
write_conf "$T/fifo.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:slow]
command = sleep 30
timeout = 1s

[job:fifo]
command = echo "root output"; touch "$T/fifo.ran"
stdout_logfile = $SHARED/fifo.log
EOF
START=$(now)
start_bg lockrun --config "$T/fifo.ini" 2>"$T/fifo.err"
RUN=$BG_PID
wait_for 'grep -q "fifo.log.*not a regular file" "$T/fifo.err"' 10
note "the FIFO was refused after $(elapsed "$START" "$(now)") s"
# The other job of the same run still is timed out: the loop runs.
wait_for 'grep -q "job slow: .*timed out" "$T/fifo.err"' 20
# Config order: slow's 124 is the first non-zero status.
expect_bg_rc 124 "$RUN" 20
not_ran "$T/fifo.ran" "stdout_logfile is nobody's FIFO"
[ -p "$SHARED/fifo.log" ] || fail "nobody's FIFO was replaced"

# And SIGTERM is handled while a job runs beside the refused one.
write_conf "$T/fifo2.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:long]
command = exec "$HOLD" "$T/long.pid" "$T/never"

[job:fifo]
command = echo "root output"; touch "$T/fifo.ran"
stdout_logfile = $SHARED/fifo.log
EOF
start_bg lockrun --config "$T/fifo2.ini" 2>"$T/fifo2.err"
RUN=$BG_PID
wait_for 'test -s "$T/long.pid"' 10
LONG=$(read_pid "$T/long.pid")
wait_for 'grep -q "fifo.log.*not a regular file" "$T/fifo2.err"' 10
kill -TERM "$RUN"
expect_bg_rc 143 "$RUN" 20
wait_for "! is_running $LONG" 10
not_ran "$T/fifo.ran" "stdout_logfile is nobody's FIFO (second run)"

# --- (d) a log in a directory nobody owns, or anyone may write -------------
mkdir "$T/nbdir" "$T/open"
chown 65534:65534 "$T/nbdir"
chmod 0777 "$T/open"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:nbdir]
command = echo "root output"; touch "$T/nbdir.ran"
stdout_logfile = $T/nbdir/job.log

[job:open]
command = echo "root output"; touch "$T/open.ran"
stdout_logfile = $T/open/job.log
EOF
expect_rc 73 lockrun --config "$CONF" nbdir
stderr_has "$T/nbdir is owned by"
[ ! -e "$T/nbdir/job.log" ] || fail "a log was created in nobody's directory"
not_ran "$T/nbdir.ran" "the log's directory is nobody's"
expect_rc 73 lockrun --config "$CONF" open
stderr_has "$T/open is writable by everyone"
[ ! -e "$T/open/job.log" ] || fail "a log was created in a 0777 directory"
not_ran "$T/open.ran" "the log's directory is 0777"

# --- (e) a new log is 0640 whatever the umask; root's own logs work --------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:mine]
command = echo "out \$RUN"; echo "err \$RUN" >&2
stdout_logfile = $SHARED/mine.out
stderr_logfile = $SHARED/mine.err
EOF
for u in 000 077; do
	rm -f "$SHARED/mine.out" "$SHARED/mine.err"
	(umask "$u" && RUN=$u expect_rc 0 lockrun --config "$CONF")
	for f in mine.out mine.err; do
		MODE=$(stat -c '%U %a' "$SHARED/$f")
		[ "$MODE" = "root 640" ] ||
		    fail "umask $u: $f was created as $MODE, not root 640"
	done
	if [ "$(cat "$SHARED/mine.out")" != "out $u" ] ||
	    [ "$(cat "$SHARED/mine.err")" != "err $u" ]; then
		fail "umask $u: the logs hold $(cat "$SHARED/mine.out" \
		    "$SHARED/mine.err")"
	fi
done
# An existing log of root's is appended to.
RUN=again expect_rc 0 lockrun --config "$CONF"
printf 'out 077\nout again\n' >"$T/mine.expected"
cmp -s "$SHARED/mine.out" "$T/mine.expected" ||
    fail "appending to root's own log: $(cat "$SHARED/mine.out")"
