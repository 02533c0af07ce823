#!/bin/sh
# tests/integration/t-61-fd-limit.sh: few descriptors (ulimit -n), a
# semaphore of 64 slots, many instances: a clear error or a correct run,
# never a wait that cannot end or a crash. A wait keeps every slot file
# open (design §2), so with fewer descriptors than slots some slots are
# never tried: ad hoc, that is exit 71 with the slot and "Too many open
# files" (it used to wait forever, "64/64 slots busy", with a slot free);
# a job file that may need more than the hard limit is refused up front
# (78); with enough descriptors every instance runs.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# valgrind keeps descriptors of its own above the limit it is given, and
# stops with an assertion under ulimit -n 12.
skip_under_valgrind "it cannot run under a low ulimit -n"
# Debian's python3 (another on PATH may be a wrapper, as pyenv's is).
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY"
mkdir -p "$LOCKDIR"

# Slots 00-62 of semaphore s (64 slots) held by one process; 63 is free.
cat >"$T/hold63.py" <<'EOF'
import fcntl, os, sys, time
lockdir, ready, release = sys.argv[1:4]
held = []
for i in range(63):
    f = open("%s/s.%02d.lock" % (lockdir, i), "a")
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    held.append(f)
open(ready, "w").close()
for _ in range(3000):
    if os.path.exists(release):
        break
    time.sleep(0.02)
EOF
start_bg "$PY" "$T/hold63.py" "$LOCKDIR" "$T/ready" "$T/release"
HOLDER=$BG_PID
wait_for 'test -e "$T/ready"' 10

# Ad hoc, 12 descriptors: not all 64 slot files can be open at once. It
# fails at once, naming a slot, or runs if the free slot came first; it
# never waits with a slot free.
start=$(now)
rc=0
sh -c 'ulimit -n 12 && exec lockrun --lock-dir "$1" --semaphore s --slots 64 \
    -- touch "$2"' sh "$LOCKDIR" "$T/ran" >"$T/stdout" 2>"$T/stderr" ||
    rc=$?
case $rc in
71)
	stderr_has "Too many open files"
	grep -q "$LOCKDIR/s\.[0-9][0-9]\.lock" "$T/stderr" ||
	    fail "the error names no slot: $(cat "$T/stderr")"
	[ ! -e "$T/ran" ] || fail "the command ran although lockrun failed"
	;;
0)
	[ -e "$T/ran" ] || fail "exit 0, but the command did not run"
	;;
*)
	fail "ulimit -n 12, 64 slots: exit $rc: $(cat "$T/stderr")"
	;;
esac
assert_between "$(elapsed "$start" "$(now)")" 0 10 "seconds to fail or run"
note "ulimit -n 12, 64 slots, 63 busy: exit $rc"

# Enough descriptors: the free slot is found, whatever the order.
rm -f "$T/ran"
expect_rc 0 sh -c 'ulimit -n 200 && exec lockrun --lock-dir "$1" \
    --semaphore s --slots 64 -- touch "$2"' sh "$LOCKDIR" "$T/ran"
[ -e "$T/ran" ] || fail "the command did not run"

# A job file whose instances may need more than the hard limit: 78, with
# what to do, before anything starts.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 64

[job:many]
command = echo \$LOCKRUN_INSTANCE >>"$T/many.out"
semaphore = s
numprocs = 500
EOF
expect_rc 78 sh -c 'ulimit -n 64 && exec lockrun --config "$1"' sh "$CONF"
stderr_has "descriptors at once, more than this host allows (ulimit -Hn: 64)"
[ ! -e "$T/many.out" ] || fail "an instance ran although the file was refused"

# The same with room: all 500 run, through the one free slot and then all
# 64 once the holder lets go.
need=$(sh -c 'ulimit -n 64; lockrun --config "$1" 2>&1' sh "$CONF" |
    sed -n 's/.*may hold up to \([0-9]*\) descriptors.*/\1/p')
[ -n "$need" ] || fail "no descriptor count in the message"
start_bg sh -c 'ulimit -n "$1" && exec lockrun -q --config "$2"' sh \
    "$need" "$CONF"
LR=$BG_PID
wait_for 'test "$(count_lines "$T/many.out")" -ge 1' 20
touch "$T/release"
expect_bg_rc 0 "$HOLDER" 10
expect_bg_rc 0 "$LR" 60
[ "$(sort -n "$T/many.out" | uniq | wc -l)" -eq 500 ] ||
    fail "$(sort -u "$T/many.out" | wc -l) of 500 instances ran"
note "ulimit -n $need (the estimate), numprocs = 500, 64 slots: all ran"

# Ad hoc waiters in a queue under ulimit -n 8: each still takes its ticket
# (the tail's descriptor is let go when the FIFO needs its place), runs in
# its turn, and has descriptors left to start its command.
rm -f "$T/release" "$T/holder.pid" "$T/order"
start_holder "$T/holder.pid" "$T/release" \
    --lock-dir "$LOCKDIR" --semaphore q --slots 1
HOLDER=$BG_PID
PIDS=
for who in a b c d; do
	# (Not the soft limit alone: lockrun raises it to the hard one.)
	start_bg sh -c 'ulimit -n 8 && exec lockrun --lock-dir "$1" \
	    --semaphore q --slots 1 -- echo "$2"' sh "$LOCKDIR" "$who" \
	    >>"$T/order"
	PIDS="$PIDS $BG_PID"
	# shellcheck disable=SC2016
	wait_for '[ "$(find "$LOCKDIR/queue/s-q" -name "[0-9a-f]*.[rw]" |
	    wc -l)" -ge '"$(echo "$PIDS" | wc -w)"' ]' 10
done
touch "$T/release"
expect_bg_rc 0 "$HOLDER" 10
for p in $PIDS; do
	expect_bg_rc 0 "$p" 30
done
[ "$(tr '\n' ' ' <"$T/order")" = "a b c d " ] ||
    fail "ulimit -n 8, four in line: $(tr '\n' ' ' <"$T/order")"
note "ulimit -n 8: four waiters took tickets and ran in order"
