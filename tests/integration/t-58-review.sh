#!/bin/sh
# tests/integration/t-58-review.sh: what a reviewer acting as another user
# of the host broke, each fixed:
# - PID and replace files are 0600 and lock dirs lockrun makes 0700: user
#   nobody can neither hold a job's PID file (the job then never ran) nor
#   fake a replace request (it then never ran either, "replaced");
# - a config path ending in a symlink into a directory someone else can
#   write is refused (a race swapped the file after the check);
# - a lock dir is not made through someone else's symlink;
# - --status of a FIFO config does not hang;
# - the default lock dir does not depend on $XDG_RUNTIME_DIR (cron has
#   none, a login shell has one: the same job ran twice);
# - a job's directory must be trusted like its log files;
# - --status escapes bidirectional overrides and quotes commands.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (acts as user nobody too)"
command -v setpriv >/dev/null || skip "no setpriv to act as user nobody"
command -v flock >/dev/null || skip "no flock(1)"


umask 022
chmod 0755 "$T"

# --- PID and replace files are their owner's alone ---------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:nightly]
command = echo ran >>"$T/nightly.runs"
on_running = replace
EOF
expect_rc 0 lockrun --config "$CONF" nightly
[ "$(stat -c %a "$LOCKDIR")" = 700 ] ||
    fail "the lock dir lockrun made is $(stat -c %a "$LOCKDIR"), not 700"
# A replace run leaves a .replace file: make one the way it happens (the
# holder here is no job, so the run gives up).
start_bg flock "$LOCKDIR/nightly.pid" "$HOLD" "$T/holder.pid" "$T/release"
FL=$BG_PID
wait_for 'test -s "$T/holder.pid"' 5
write_conf "$T/giveup.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:nightly]
command = echo ran >>"$T/nightly.runs"
on_running = replace
wait_timeout = 1s
EOF
expect_rc 75 lockrun --config "$T/giveup.ini" nightly
touch "$T/release"
expect_bg_rc 0 "$FL"
[ -e "$LOCKDIR/nightly.replace" ] || fail "no replace file to test with"
for f in nightly.pid nightly.replace; do
	[ "$(stat -c %a "$LOCKDIR/$f")" = 600 ] ||
	    fail "$f is $(stat -c %a "$LOCKDIR/$f"), not 600"
done
# Even in a directory nobody can reach: make it reachable to try.
chmod 0755 "$LOCKDIR"
for f in nightly.pid nightly.replace; do
	if as_nobody flock -n -s "$LOCKDIR/$f" true 2>/dev/null; then
		fail "user nobody could lock $f"
	fi
done
chmod 0700 "$LOCKDIR"
# An old 0644 PID file of ours is made private again when it is used.
chmod 0644 "$LOCKDIR/nightly.pid"
expect_rc 0 lockrun --config "$CONF" nightly
[ "$(stat -c %a "$LOCKDIR/nightly.pid")" = 600 ] ||
    fail "an old 0644 PID file stayed $(stat -c %a "$LOCKDIR/nightly.pid")"

# --- a config reached through a link into someone else's directory ----------
EVIL=$T/evil
mkdir "$EVIL"
chown 65534:65534 "$EVIL"
cat >"$EVIL/jobs.ini" <<EOF
[job:pwn]
command = touch "$T/pwned"
EOF
ln -s "$EVIL/jobs.ini" "$T/linked.ini"
expect_rc 78 lockrun --lock-dir "$LOCKDIR" --config "$T/linked.ini"
stderr_has "refusing to run its jobs"
stderr_has "$EVIL is owned by"
[ ! -e "$T/pwned" ] || fail "a config in nobody's directory ran"
# The same through a link of root's into a directory of root's: fine.
mkdir "$T/good"
cp "$EVIL/jobs.ini" "$T/good/jobs.ini"
ln -s "$T/good/jobs.ini" "$T/good.ini"
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --config "$T/good.ini"
[ -e "$T/pwned" ] || fail "a config reached through a good link did not run"

# --- no lock dir made through someone else's link ----------------------------
mkdir "$T/target"
as_nobody ln -s "$T/target" "$EVIL/link"
expect_rc 73 lockrun --lock-dir "$EVIL/link/locks" --semaphore s --slots 1 -- true
[ ! -e "$T/target/locks" ] || fail "a lock dir was made through nobody's link"

# --- --status of a FIFO does not hang -----------------------------------------
mkfifo "$T/fifo.ini"
expect_rc 78 timeout 10 lockrun --config "$T/fifo.ini" --status
stderr_has "not a regular file"

# --- the default lock dir is the same with or without XDG_RUNTIME_DIR ---------
for xdg in "" /run/user/65534; do
	expect_rc 0 as_nobody env -u LOCKRUN_LOCK_DIR XDG_RUNTIME_DIR="$xdg" \
	    lockrun --semaphore s --slots 1 --status --json
	grep -q '"lock_dir": "/tmp/lockrun-65534"' "$T/stdout" ||
	    fail "with XDG_RUNTIME_DIR='$xdg' the lock dir is: $(head -3 "$T/stdout")"
done

# --- a job's directory must be one nobody else controls -----------------------
write_conf "$T/dir.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:build]
command = touch "$T/built"
directory = $EVIL
EOF
expect_rc 73 lockrun --config "$T/dir.ini"
stderr_has "is owned by"
[ ! -e "$T/built" ] || fail "a job ran in nobody's directory"

# --- --status escapes what could pass for other text --------------------------
RLO=$(printf '\342\200\256')
write_conf "$T/bidi.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:bidi]
command = echo ${RLO}gnp.exe
EOF
expect_rc 0 lockrun --config "$T/bidi.ini" --status
if grep -q "$RLO" "$T/stdout"; then
	fail "--status printed a right-to-left override as it is"
fi
grep -q '\\u202e' "$T/stdout" || fail "the override is not shown escaped: $(cat "$T/stdout")"
