#!/bin/sh
# tests/integration/t-35-fd.sh: flock(1)'s descriptor form, the idiom inside
# scripts: "exec 9>F; lockrun --fd 9 --no-wait || exit 0" locks the file
# that the shell has open and exits; the shell holds the lock from then on.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/x.lock

# held_by_other: true if another open of F cannot lock it now.
held_by_other() {
	! flock -n "$F" true
}

# --- the script holds the lock after lockrun exits, until it closes 9 -------
cat >"$T/script" <<EOF
exec 9>"$F"
lockrun --fd 9 --no-wait || exit 0
touch "$T/locked"
while [ ! -e "$T/release" ]; do sleep 0.02; done
EOF
start_bg sh "$T/script"
SCRIPT=$BG_PID
wait_for 'test -e "$T/locked"' 10
held_by_other || fail "the script does not hold the lock after lockrun --fd"
# lockrun --lock and a second script see it busy; the idiom exits 0, silent.
expect_rc 75 lockrun -n --lock "$F" -- true
expect_rc 0 sh -c "exec 9>\"$F\"; lockrun --fd 9 -n || exit 0; touch \"$T/second\""
[ ! -s "$T/stderr" ] || fail "a busy --fd -n was not quiet: $(cat "$T/stderr")"
[ ! -e "$T/second" ] || fail "the second script ran under the first one's lock"
expect_rc 9 sh -c "exec 9>\"$F\"; lockrun --fd 9 -n -E 9"
expect_rc 75 sh -c "exec 9>\"$F\"; lockrun -v --fd 9 -n"
stderr_has "fd 9 ($F)"
stderr_has "not waiting"
# --wait: gives up after the duration.
START=$(now)
expect_rc 75 sh -c "exec 9>\"$F\"; lockrun --fd 9 --wait 500ms"
assert_between "$(elapsed "$START" "$(now)")" 0.4 20 "--fd --wait 500ms (s)"

# Waiting (the default): it gets the lock once the first script lets go.
cat >"$T/waiter" <<EOF
exec 9>"$F"
lockrun --fd 9 || exit 1
touch "$T/waiter.locked"
while [ ! -e "$T/waiter.release" ]; do sleep 0.02; done
EOF
start_bg sh "$T/waiter"
WAITER=$BG_PID
wait_for 'pgrep -P "$WAITER" -x lockrun >/dev/null' 10
[ ! -e "$T/waiter.locked" ] || fail "the waiter got a busy lock"
touch "$T/release"
expect_bg_rc 0 "$SCRIPT"
wait_for 'test -e "$T/waiter.locked"' 10
held_by_other || fail "the waiting script does not hold the lock"
touch "$T/waiter.release"
expect_bg_rc 0 "$WAITER"
held_by_other && fail "the lock outlived the script that held it"

# --- --shared: two scripts at once; an exclusive one is busy ----------------
cat >"$T/shared" <<EOF
exec 9<"$F"
lockrun --shared --fd 9 -n || exit 1
touch "$T/shared.\$1"
while [ ! -e "$T/shared.release" ]; do sleep 0.02; done
EOF
start_bg sh "$T/shared" a
A=$BG_PID
start_bg sh "$T/shared" b
B=$BG_PID
wait_for 'test -e "$T/shared.a" && test -e "$T/shared.b"' 10
expect_rc 75 sh -c "exec 9>\"$F\"; lockrun --fd 9 -n"
touch "$T/shared.release"
expect_bg_rc 0 "$A"
expect_bg_rc 0 "$B"

# --- usage -----------------------------------------------------------------
expect_rc 64 lockrun --fd 57 -n
stderr_has "--fd 57: not an open descriptor"
expect_rc 64 sh -c "exec 9>\"$F\"; lockrun --fd 9 -- true"
stderr_has "--fd runs no command"
expect_rc 64 sh -c "exec 9>\"$F\"; lockrun --fd 9 --lock \"$F.other\""
expect_rc 64 sh -c "exec 9>\"$F\"; lockrun --fd 9 --timeout 1s"
