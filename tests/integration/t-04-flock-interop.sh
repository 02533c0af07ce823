#!/bin/sh
# t-04-flock-interop.sh: lockrun --lock and util-linux flock(1) exclude each
# other on the same file (both use flock(2) on the path as given), and
# neither writes into it.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

command -v flock >/dev/null 2>&1 || skip "flock(1) is not installed"

F=$T/shared-with-flock.lock

# flock holds: lockrun is busy.
start_bg flock "$F" "$HOLD" "$T/flock.pid" "$T/release1"
fl=$BG_PID
wait_for 'test -s "$T/flock.pid"' 5
expect_rc 75 lockrun -v --no-wait --lock "$F" -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "lockrun ran its command while flock(1) held the lock"
stderr_has "$F"
touch "$T/release1"
expect_bg_rc 0 "$fl"
expect_rc 0 lockrun --no-wait --lock "$F" -- true

# lockrun holds: flock -n fails with its own code, 1.
start_bg lockrun --lock "$F" -- "$HOLD" "$T/lockrun.pid" "$T/release2"
lr=$BG_PID
wait_for 'test -s "$T/lockrun.pid"' 5
expect_rc 1 flock -n "$F" true
expect_rc 1 flock -n -s "$F" true
touch "$T/release2"
expect_bg_rc 0 "$lr"
expect_rc 0 flock -n "$F" true

# Shared with shared: lockrun --shared lets flock -s in, keeps flock -x out.
start_bg lockrun --shared --lock "$F" -- "$HOLD" "$T/shared.pid" "$T/release3"
sh_lr=$BG_PID
wait_for 'test -s "$T/shared.pid"' 5
expect_rc 0 flock -n -s "$F" true
expect_rc 1 flock -n -x "$F" true
touch "$T/release3"
expect_bg_rc 0 "$sh_lr"

# The file is the user's, as for flock(1): its contents are left alone (some
# lock the data file itself), also when the run is busy or signalled.
printf 'keep me\n' >"$T/data"
expect_rc 0 lockrun --lock "$T/data" -- true
start_bg lockrun --lock "$T/data" -- "$HOLD" "$T/data.pid" "$T/release4"
data_lr=$BG_PID
wait_for 'test -s "$T/data.pid"' 5
expect_rc 75 lockrun -n --lock "$T/data" -- true
touch "$T/release4"
expect_bg_rc 0 "$data_lr"
[ "$(cat "$T/data")" = "keep me" ] ||
    fail "lockrun changed the --lock file: '$(cat "$T/data")'"
