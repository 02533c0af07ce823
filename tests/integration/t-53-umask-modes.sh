#!/bin/sh
# tests/integration/t-53-umask-modes.sh: lock files lockrun creates are
# 0644 whatever the umask, so that another user can still take a shared
# semaphore's slots; a slot another user cannot open does not stop the scan;
# and errors name the real file and the real cause (EACCES of the create,
# not ENOENT of the read-only retry; DIR/s.01.lock, not "s.NN.lock").

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (acts as user nobody)"
command -v setpriv >/dev/null || skip "no setpriv to act as user nobody"


umask 022
chmod 0755 "$T"
as_nobody test -x "$HOLD" || skip "user nobody cannot run $HOLD"

# --- umask 077: slot files and --lock files are still 0644 ---------------
SHARED=$T/shared
install -d -m 1777 "$SHARED"
(umask 077 && expect_rc 0 lockrun --lock "$SHARED/adhoc.lock" -- true)
start_bg sh -c 'umask 077 && exec "$@"' sh \
    lockrun --lock-dir "$SHARED" --semaphore s --slots 2 -- \
    "$HOLD" "$T/root.pid" "$T/release"
ROOT=$BG_PID
wait_for 'test -s "$T/root.pid"' 10
ls "$SHARED"/s.0[01].lock >/dev/null 2>&1 || fail "no slot file in $SHARED"
for f in "$SHARED"/*; do
	MODE=$(stat -c '%U %a' "$f")
	[ "$MODE" = "root 644" ] ||
	    fail "under umask 077, lockrun made $f with $MODE, not root 644"
done
note "made under umask 077: $(cd "$SHARED" && stat -c '%n %a' -- *)"

# nobody takes the other slot (root holds one of two) and the ad hoc lock.
expect_rc 0 as_nobody lockrun --no-wait --lock-dir "$SHARED" \
    --semaphore s --slots 2 -- true
expect_rc 0 as_nobody lockrun --no-wait --lock "$SHARED/adhoc.lock" -- true
touch "$T/release"
expect_bg_rc 0 "$ROOT" 10

# --- the real cause and the real path --------------------------------------
# nobody cannot create a file in /etc: EACCES, not the ENOENT of a
# read-only retry.
ETCLOCK=/etc/lockrun-test-$$.lock
[ ! -e "$ETCLOCK" ] || skip "$ETCLOCK exists already"
rc=0
as_nobody lockrun --lock "$ETCLOCK" -- true >"$T/stdout" 2>"$T/stderr" || rc=$?
rm -f "$ETCLOCK"
[ "$rc" -eq 73 ] || fail "nobody's --lock in /etc: exit $rc, not 73"
note "nobody's --lock $ETCLOCK: exit $rc: $(cat "$T/stderr")"
stderr_has "$ETCLOCK"
stderr_has "Permission denied"
! grep -q "No such file or directory" "$T/stderr" ||
    fail "the error is ENOENT, not the EACCES of the create: $(cat "$T/stderr")"

# A semaphore in root's 0755 dir: no slot file yet, nobody cannot make one.
# The error names the file that could not be made, never the pattern.
RL=$T/rootlocks
mkdir "$RL"
expect_rc 0 lockrun --lock-dir "$RL" --semaphore s --slots 2 -- true
rm -f "$RL"/s.0[01].lock		# lockrun never unlinks them; we do
expect_rc 73 as_nobody lockrun --no-wait --lock-dir "$RL" --semaphore s \
    --slots 2 -- true
stderr_has "Permission denied"
grep -Eq "$RL/s\.0[01]\.lock" "$T/stderr" ||
    fail "the error does not name a real slot file: $(cat "$T/stderr")"
! grep -q "s\.NN\.lock" "$T/stderr" ||
    fail "the error names a placeholder: $(cat "$T/stderr")"
# A fresh dir: whatever file comes first, a real one is named.
RL2=$T/rootlocks2
mkdir "$RL2"
expect_rc 73 as_nobody lockrun --no-wait --lock-dir "$RL2" --semaphore s \
    --slots 2 -- true
stderr_has "Permission denied"
stderr_has "$RL2/s."
! grep -q "s\.NN\.lock" "$T/stderr" ||
    fail "the error names a placeholder: $(cat "$T/stderr")"

# --- a slot nobody cannot open does not stop the scan ------------------------
# Both slot files exist; root's s.00.lock is 0600. Each run starts its scan
# at slot (pid mod 2): a scan that stopped at the unopenable slot would
# fail about every other run. Ten runs all get slot 01.
RL3=$T/rootlocks3
mkdir "$RL3"
expect_rc 0 lockrun --lock-dir "$RL3" --semaphore s --slots 2 -- true
touch "$RL3/s.00.lock" "$RL3/s.01.lock"
chmod 0600 "$RL3/s.00.lock"
chmod 0644 "$RL3/s.01.lock"
i=0
while [ "$i" -lt 10 ]; do
	expect_rc 0 as_nobody lockrun --no-wait --lock-dir "$RL3" \
	    --semaphore s --slots 2 -- sh -c 'echo "slot $LOCKRUN_SLOT"'
	[ "$(cat "$T/stdout")" = "slot 1" ] ||
	    fail "nobody's run $i: $(cat "$T/stdout")"
	i=$((i + 1))
done

# The same in a shared 1777 dir where only root's 0600 s.00.lock exists,
# and root holds it (flock(1) takes slot 00 of the semaphore): nobody makes
# and takes slot 01.
command -v flock >/dev/null || skip "no flock(1) to hold slot 00"
SH2=$T/shared2
install -d -m 1777 "$SH2"
touch "$SH2/s.00.lock"
chmod 0600 "$SH2/s.00.lock"
start_bg flock "$SH2/s.00.lock" "$HOLD" "$T/root2.pid" "$T/release2"
ROOT=$BG_PID
wait_for 'test -s "$T/root2.pid"' 10
i=0
while [ "$i" -lt 10 ]; do
	expect_rc 0 as_nobody lockrun --no-wait --lock-dir "$SH2" \
	    --semaphore s --slots 2 -- sh -c 'echo "slot $LOCKRUN_SLOT"'
	[ "$(cat "$T/stdout")" = "slot 1" ] ||
	    fail "nobody beside root's slot 00: $(cat "$T/stdout")"
	i=$((i + 1))
done
[ "$(stat -c '%U %a' "$SH2/s.01.lock")" = "nobody 644" ] ||
    fail "nobody's slot file: $(stat -c '%U %a' "$SH2/s.01.lock")"
touch "$T/release2"
expect_bg_rc 0 "$ROOT" 10
