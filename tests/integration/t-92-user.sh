#!/bin/sh
# tests/integration/t-92-user.sh: user = (root only) and umask =, as in
# supervisord. The job runs as that user, with its groups, and keeps the
# locks; its log files and its directory are opened and vetted as that
# user; anyone else gets an error saying only root can.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v setpriv >/dev/null || skip "no setpriv(1)"
NOBODY=$(id -u nobody 2>/dev/null) || skip "no user nobody"

chmod 755 "$T"
mkdir "$T/nb" "$T/root"
chown nobody "$T/nb"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:as]
command = id -u >"$T/nb/uid"; umask >"$T/nb/umask"; echo out; exec "$HOLD" "$T/nb/as.pid" "$T/nb/release"
user = nobody
umask = 027
directory = $T/nb
stdout_logfile = $T/nb/as.log

[job:rootlog]
command = echo never
user = nobody
stdout_logfile = $T/root/out.log
EOF
start_bg lockrun --config "$CONF" as
LR=$BG_PID
wait_for 'test -s "$T/nb/as.pid"' 10
[ "$(cat "$T/nb/uid")" = "$NOBODY" ] || fail "the job ran as uid $(cat "$T/nb/uid")"
[ "$(cat "$T/nb/umask")" = 0027 ] || fail "umask = 027 gave $(cat "$T/nb/umask")"
# The job holds its lock, as any job: a second run is skipped.
expect_rc 75 lockrun --config "$CONF" as
expect_rc 0 lockrun --config "$CONF" --status
grep -Eq "^as +running +$(cat "$T/nb/as.pid") " "$T/stdout" ||
    fail "--status: $(cat "$T/stdout")"
touch "$T/nb/release"
expect_bg_rc 0 "$LR"
# Its log file is the user's, made as that user.
[ "$(stat -c %U "$T/nb/as.log")" = nobody ] ||
    fail "the log file is $(stat -c %U "$T/nb/as.log")'s"
grep -q out "$T/nb/as.log" || fail "no output in the log"

# A log file the user cannot write: the job does not start.
expect_rc 73 lockrun --config "$CONF" rootlog
stderr_has "$T/root/out.log"
stderr_has "Permission denied"
[ ! -e "$T/root/out.log" ] || fail "root made the log file for nobody"

# Not root: refused as a configuration error, with FILE:LINE (one's own
# user is fine, as in supervisord).
cat >"$T/nb.ini" <<EOF
[job:asroot]
command = true
user = root

[job:self]
command = id -u >"$T/nb/self"
user = nobody
EOF
chmod 644 "$T/nb.ini"
expect_rc 78 setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
    lockrun --config "$T/nb.ini" asroot
stderr_has "$T/nb.ini:3: user: only root can run a job as another user"
expect_rc 0 setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
    env LOCKRUN_LOCK_DIR="$T/nb/locks" lockrun --config "$T/nb.ini" self
[ "$(cat "$T/nb/self")" = "$NOBODY" ] || fail "self: $(cat "$T/nb/self")"

write_conf <<EOF
[job:ghost]
command = true
user = no-such-user-here
EOF
expect_rc 78 lockrun --config "$CONF" --check
stderr_has "$CONF:3: user: no such user \"no-such-user-here\""
