#!/bin/sh
# tests/integration/t-71-nesting.sh: reentrant nesting (portalocker's
# RLock, across processes). A command run under lockrun that runs lockrun
# for a lock or semaphore its ancestor holds for it goes on at once, on the
# descriptor it inherited (checked with the kernel, not trusted from the
# environment); any other process still waits, the nested run leaves the
# ancestor's lock held, and an exclusive lock inside a shared one is an
# error, not a wait for itself.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ -d /proc/self/fdinfo ] || skip "no /proc/self/fdinfo here"
F=$T/x.lock
mkdir -p "$LOCKDIR"

# --- a lock ---------------------------------------------------------------
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --lock "$F" -- \
    lockrun --lock-dir "$LOCKDIR" --no-wait --lock "$F" -- echo nested-lock
grep -qx nested-lock "$T/stdout" || fail "the nested run did not run: $(cat "$T/stdout" "$T/stderr")"

# ... while the outer command goes on, nobody else gets it, nested run or
# not; and the nested run's end does not free it.
start_bg lockrun --lock-dir "$LOCKDIR" --lock "$F" -- sh -c '
	lockrun --lock-dir "$1" --no-wait --lock "$2" -- true &&
	    echo nested-done >"$3.tmp" && mv "$3.tmp" "$3"
	exec "$4" "$5" "$6"' sh "$LOCKDIR" "$F" "$T/nested" "$HOLD" \
    "$T/outer.pid" "$T/release"
OUTER=$BG_PID
wait_for 'test -s "$T/nested" && test -s "$T/outer.pid"' 10
expect_rc 75 lockrun --lock-dir "$LOCKDIR" --no-wait --lock "$F" -- true
# Not from an environment variable: a stranger claiming to be nested waits.
expect_rc 75 env LOCKRUN_JOB=x LOCKRUN_LOCK_DIR="$LOCKDIR" \
    lockrun --lock-dir "$LOCKDIR" --no-wait --lock "$F" -- true
touch "$T/release"
expect_bg_rc 0 "$OUTER"

# --- a semaphore ------------------------------------------------------------
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 1 -- \
    lockrun --lock-dir "$LOCKDIR" --no-wait --semaphore s --slots 1 -- \
    sh -c 'echo "nested-slot $LOCKRUN_SLOT"'
grep -qx "nested-slot 0" "$T/stdout" ||
    fail "the nested semaphore run: $(cat "$T/stdout" "$T/stderr")"

# --- a job's named lock, from a config --------------------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:outer]
command = lockrun --lock-dir "$LOCKDIR" --no-wait --lock "$LOCKDIR/db.lock" -- echo nested-job
locks = db
EOF
expect_rc 0 lockrun --config "$CONF" outer
grep -qx nested-job "$T/stdout" || fail "nested in a job: $(cat "$T/stdout" "$T/stderr")"

# --- exclusive inside shared: an error, at once, not a wait for ourselves ---
expect_rc 71 timeout 20 lockrun --lock-dir "$LOCKDIR" --shared --lock "$F" -- \
    lockrun --lock-dir "$LOCKDIR" --lock "$F" -- true
stderr_has "deadlock"
