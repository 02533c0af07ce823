#!/bin/sh
# t-40-lockdir-owner.sh: a lock dir that another user could change is refused
# (73, a message naming the directory and why, nothing started): one owned by
# another user, even 1777 with the sticky bit; one below a directory owned by
# another user; one (or one below one) writable by others without the sticky
# bit. A root-owned 1777 dir is accepted. The attack: user nobody makes the
# 1777 dir before root first uses it, then removes root's PID file so that
# a second copy of a singleton job starts.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (to act as user nobody)"
command -v setpriv >/dev/null || skip "no setpriv(1)"


# $T is ours (0700): let nobody through, to a shared root-owned 1777 dir
# such as /tmp or /var/lock.
chmod 0755 "$T"
PUB=$T/pub
mkdir -m 1777 "$PUB"
NOBODY=$(id -un 65534 2>/dev/null || echo nobody)

# conf_in DIR NAME: a config with lock dir DIR and one singleton job that
# notes each run in $T/NAME.runs and holds until $T/NAME.release exists.
conf_in() {
	write_conf "$T/$2.ini" <<EOF
[lockrun]
lock_dir = $1

[job:backup]
command = echo \$\$ >>"$T/$2.runs"; "$HOLD" "$T/$2.hold.\$\$" "$T/$2.release"
EOF
}

# refused NAME TEXT: the job of $T/NAME.ini is refused with 73 and a message
# with TEXT, and never ran; the same for an ad hoc semaphore in that dir.
refused() {
	expect_rc 73 lockrun --config "$T/$1.ini" backup
	stderr_has "$2"
	[ ! -e "$T/$1.runs" ] || fail "$1: the job ran in a lock dir it refused"
	_dir=$(sed -n 's/^lock_dir = //p' "$T/$1.ini")
	expect_rc 73 lockrun --lock-dir "$_dir" --semaphore s --slots 1 -- \
	    touch "$T/$1.adhoc"
	stderr_has "$2"
	[ ! -e "$T/$1.adhoc" ] ||
	    fail "$1: an ad hoc command ran in a lock dir it refused"
}

# --- the attack: nobody makes the shared dir first, 1777 and sticky --------
as_nobody mkdir -m 1777 "$PUB/lockrun"
[ "$(stat -c %U "$PUB/lockrun")" = "$NOBODY" ] ||
    fail "setup: $PUB/lockrun is not nobody's"
conf_in "$PUB/lockrun" attack
start_bg lockrun --config "$T/attack.ini" backup 2>"$T/attack.err"
FIRST=$BG_PID
wait_for '! is_running $FIRST || test -s "$T/attack.runs"' 10
if is_running "$FIRST"; then
	# It runs there: show what nobody can do with that.
	wait_for 'test -s "$PUB/lockrun/backup.pid"' 5
	as_nobody rm -f "$PUB/lockrun/backup.pid" ||
	    fail "root's job runs in nobody's lock dir (nobody could not remove the PID file)"
	start_bg lockrun --config "$T/attack.ini" backup 2>"$T/attack2.err"
	SECOND=$BG_PID
	wait_for '! is_running $SECOND || test "$(count_lines "$T/attack.runs")" -ge 2' 10
	[ "$(count_lines "$T/attack.runs")" -lt 2 ] ||
	    fail "root's job ran in a lock dir owned by nobody, who removed its PID file: a second copy (lockrun pid $SECOND) ran beside the first"
	fail "root's job ran in a lock dir owned by nobody: $(cat "$T/attack.err")"
fi
wait_bg "$FIRST"
[ "$BG_RC" -eq 73 ] ||
    fail "a lock dir owned by nobody: expected exit 73, got $BG_RC: $(cat "$T/attack.err")"
grep -qF "$PUB/lockrun is owned by user $NOBODY" "$T/attack.err" ||
    fail "the message does not name the dir and its owner: $(cat "$T/attack.err")"
[ ! -e "$T/attack.runs" ] || fail "the job ran in nobody's lock dir"
[ ! -e "$PUB/lockrun/backup.pid" ] ||
    fail "a PID file was made in nobody's lock dir"
refused attack "$PUB/lockrun is owned by user $NOBODY"
# The same dir named by $LOCKRUN_LOCK_DIR.
expect_rc 73 env LOCKRUN_LOCK_DIR="$PUB/lockrun" lockrun --semaphore s \
    --slots 1 -- touch "$T/env.ran"
stderr_has "$PUB/lockrun is owned by user $NOBODY"
[ ! -e "$T/env.ran" ] || fail "a command ran in nobody's lock dir (\$LOCKRUN_LOCK_DIR)"

# --- a root-owned dir below one of nobody's: nobody can rename it away ------
as_nobody mkdir -m 0755 "$PUB/theirs"
mkdir -m 0755 "$PUB/theirs/locks"
conf_in "$PUB/theirs/locks" below
refused below "$PUB/theirs is owned by user $NOBODY"
# A missing lock dir is made by lockrun, but not below nobody's dir either.
conf_in "$PUB/theirs/new" belownew
refused belownew "$PUB/theirs is owned by user $NOBODY"

# --- writable by others and no sticky bit: the dir, or one on its path -----
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open"
conf_in "$T/open" open
refused open "$T/open is writable by everyone and has no sticky bit"
mkdir -m 0755 "$T/open/locks"
conf_in "$T/open/locks" openbelow
refused openbelow "$T/open is writable by everyone and has no sticky bit"
mkdir "$T/grp"
chgrp 65534 "$T/grp"
chmod 0775 "$T/grp"
conf_in "$T/grp" grp
refused grp "$T/grp is writable by its group and has no sticky bit"

# --- root's own 1777 shared dir (install -d -m 1777) is fine ----------------
install -d -m 1777 "$PUB/shared"
conf_in "$PUB/shared" shared
touch "$T/shared.release"
expect_rc 0 lockrun --config "$T/shared.ini" backup
[ "$(count_lines "$T/shared.runs")" -eq 1 ] || fail "the job did not run in root's 1777 dir"
[ -f "$PUB/shared/backup.pid" ] || fail "no PID file in root's 1777 dir"
expect_rc 0 lockrun --lock-dir "$PUB/shared" --semaphore s --slots 1 -- \
    touch "$T/shared.adhoc"
[ -e "$T/shared.adhoc" ] || fail "an ad hoc semaphore did not run in root's 1777 dir"
# ... and so is /tmp-like $PUB itself.
conf_in "$PUB" pub
touch "$T/pub.release"
expect_rc 0 lockrun --config "$T/pub.ini" backup
[ "$(count_lines "$T/pub.runs")" -eq 1 ] || fail "the job did not run in $PUB (root, 1777)"
