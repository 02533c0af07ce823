#!/bin/sh
# tests/integration/t-12-portalocker.sh: a semaphore is shared with Python's
# portalocker.BoundedSemaphore of the same name and directory, both ways.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

# Debian's python3-portalocker lives with Debian's python3.
PY=/usr/bin/python3
"$PY" -c 'import portalocker' 2>/dev/null || skip "no python3-portalocker"
L=$T/locks
mkdir "$L"

# hold N FLAG RELEASE: take one slot of portalocker's BoundedSemaphore(N,
# name=gpu) in $L, touch FLAG, keep it until RELEASE exists.
cat >"$T/hold.py" <<'EOF'
import os, sys, time
import portalocker
n, flag, release = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = portalocker.BoundedSemaphore(n, name="gpu", directory=sys.argv[4],
                                 timeout=30)
s.acquire()
open(flag, "w").close()
while not os.path.exists(release):
    time.sleep(0.02)
s.release()
EOF

# portalocker holds both slots: lockrun finds the cap full.
start_bg sh -c '"$1" "$2/hold.py" 2 "$2/p1" "$2/release" "$3" >/dev/null' sh "$PY" "$T" "$L"
P1=$BG_PID
start_bg sh -c '"$1" "$2/hold.py" 2 "$2/p2" "$2/release" "$3" >/dev/null' sh "$PY" "$T" "$L"
P2=$BG_PID
wait_for 'test -e "$T/p1" && test -e "$T/p2"' 20
for f in gpu.00.lock gpu.01.lock; do
	[ -e "$L/$f" ] || fail "portalocker made no $f: $(ls "$L")"
done
expect_rc 75 lockrun -v --lock-dir "$L" -n --semaphore gpu --slots 2 -- true
stderr_has "semaphore gpu: 2/2 slots busy"

# A waiting lockrun gets a slot when portalocker lets go.
start_bg lockrun --lock-dir "$L" --semaphore gpu --slots 2 -- touch "$T/ran"
W=$BG_PID
touch "$T/release"
expect_bg_rc 0 "$W" 20
[ -e "$T/ran" ] || fail "the waiting command did not run"
expect_bg_rc 0 "$P1" 20
expect_bg_rc 0 "$P2" 20

# The other way: lockrun holds the only slot of a 1-slot cap; portalocker
# with a short timeout cannot get it.
rm -f "$T/release"
start_bg lockrun --lock-dir "$L" --semaphore one --slots 1 -- "$HOLD" "$T/lr.pid" "$T/release"
wait_for 'test -s "$T/lr.pid"' 5
cat >"$T/try.py" <<'EOF'
import sys, portalocker
try:
    portalocker.BoundedSemaphore(1, name="one", directory=sys.argv[1],
                                 timeout=0.3).acquire()
except portalocker.exceptions.AlreadyLocked:
    sys.exit(3)
EOF
expect_rc 3 "$PY" "$T/try.py" "$L"
touch "$T/release"
# Once lockrun's command is gone, portalocker gets the slot.
wait_for '! is_running "$(cat "$T/lr.pid")"' 10
wait_for '"$PY" "$T/try.py" "$L" >/dev/null' 10
