#!/bin/sh
# tests/integration/t-70-queue.sh: waiters are served first come, first
# served, across lockrun processes: in the order they came; a waiter killed
# in the queue leaves it at once, one that gives up leaves its place to the
# next; a writer is not starved by readers that came after it; many waiters
# need no inotify instance each.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

mkdir -p "$LOCKDIR"

# queued N: wait until N tickets are in the queue of semaphore one.
queued() {
	[ "$(find "$LOCKDIR/queue/s-one" -name '[0-9a-f]*.[rw]' 2>/dev/null |
	    wc -l)" -ge "$1" ]
}

# new_holder: a fresh start: a holder of semaphore one (HOLDER), nobody in
# line (PIDS, n) and nothing run yet ($T/order).
new_holder() {
	rm -f "$T/order" "$T/release" "$T/holder.pid"
	start_holder "$T/holder.pid" "$T/release" \
	    --lock-dir "$LOCKDIR" --semaphore one --slots 1
	HOLDER=$BG_PID
	PIDS=
	n=0
}

# in_line WHO [OPTION...]: WHO waits in line for semaphore one, its command
# adding WHO to $T/order; the next comes once it is in the queue. Its pid
# in BG_PID, and added to PIDS.
in_line() {
	_who=$1
	shift
	start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 "$@" \
	    -- sh -c 'echo "$1" >>"$2"' sh "$_who" "$T/order"
	PIDS="$PIDS $BG_PID"
	n=$((n + 1))
	wait_for "queued $n" 30
}

# served WANT WHAT: the holder lets go, and every waiter in PIDS runs, in the
# order WANT ("a b "), or the test fails, saying WHAT.
served() {
	touch "$T/release"
	expect_bg_rc 0 "$HOLDER"
	for p in $PIDS; do
		expect_bg_rc 0 "$p" 60
	done
	[ "$(tr '\n' ' ' <"$T/order")" = "$1" ] ||
	    fail "$2: $(tr '\n' ' ' <"$T/order")"
}

# --- arrival order, across processes -----------------------------------------
new_holder
for i in 1 2 3 4 5 6 7 8; do
	in_line "$i"
done
# --status shows the queue: positions in order, each waiter's pid.
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 --status
grep -q "^QUEUE " "$T/stdout" || fail "no queue in --status: $(cat "$T/stdout")"
note "$(cat "$T/stdout")"
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 \
    --status --json
python3 - "$T/stdout" $PIDS <<'EOF' || fail "--status --json queue: $(cat "$T/stdout")"
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
assert len(q) == 1 and q[0]["kind"] == "semaphore" and q[0]["name"] == "one", q
w = q[0]["waiters"]
assert [x["pid"] for x in w] == [int(p) for p in sys.argv[2:]], w
assert [x["position"] for x in w] == list(range(1, len(w) + 1)), w
assert all(x["verified"] and x["mode"] == "write" for x in w), w
EOF
served "1 2 3 4 5 6 7 8 " "not served in arrival order"
note "8 waiters served in order: $(tr '\n' ' ' <"$T/order")"
[ "$(find "$LOCKDIR/queue/s-one" -name '[0-9a-f]*' | wc -l)" -eq 0 ] ||
    fail "tickets left in the queue: $(ls "$LOCKDIR/queue/s-one")"

# --- who comes learns from the tail who is last -----------------------------
# A waiter behind others reads who is last in line from the tail
# (.tail-<uid>), not the queue's directory, which it reads only when the
# tail cannot say: here, a tail that names a ticket stamped later than now
# (before a reboot: CLOCK_MONOTONIC starts again), or no ticket at all.
# Then it sets the tail right for the next. In order throughout.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	new_holder
	TAIL=$LOCKDIR/queue/s-one/.tail-$(id -u)
	for i in 1 2 3 4 5 6; do
		case $i in
		3) { printf '7fffffffffffffff.1.w\n' && head -c 10 /dev/zero; } \
		    >"$TAIL" ;;
		5) printf 'not a ticket\n' >"$TAIL" ;;
		esac
		# (LeakSanitizer cannot work under ptrace.)
		start_bg env \
		    "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    strace -f -y -e trace=getdents64 -o "$T/trace.$i" \
		    lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 \
		    -- sh -c 'echo "$1" >>"$2"' sh "$i" "$T/order"
		PIDS="$PIDS $BG_PID"
		wait_for "queued $i" 30
	done
	served "1 2 3 4 5 6 " "tail: not served in order"
	# dir_reads I: how often waiter I read the queue's directory.
	dir_reads() {
		grep -c "getdents64([0-9]*<[^>]*/queue/s-one>" "$T/trace.$1"
	}
	for i in 2 4 6; do
		[ "$(dir_reads "$i")" -eq 0 ] ||
		    fail "waiter $i read the queue: $(grep s-one "$T/trace.$i")"
	done
	[ "$(dir_reads 3)" -ge 1 ] ||
	    fail "a tail from before a reboot was believed: $(cat "$T/trace.3")"
	[ "$(dir_reads 5)" -ge 1 ] ||
	    fail "a tail that names no ticket was believed: $(cat "$T/trace.5")"
	note "waiters 2, 4 and 6 read the tail only; 3 and 5, after a bad tail, read the queue $(dir_reads 3) and $(dir_reads 5) time(s)"
else
	note "no strace: who reads the queue not checked"
fi

# --- the last in line dies: who comes next waits for the one before --------
# The tail names the dead one: the next to come reads the queue, finds the
# first, and goes behind it.
new_holder
in_line first
FIRST=$BG_PID
in_line dead
kill -KILL "$BG_PID"
wait_bg "$BG_PID"
in_line next
PIDS="$FIRST $BG_PID"
served "first next " "after the last one died"
[ "$(find "$LOCKDIR/queue/s-one" -name '[0-9a-f]*' | wc -l)" -eq 0 ] ||
    fail "tickets left after the last died: $(ls "$LOCKDIR/queue/s-one")"

# --- a waiter that dies or gives up leaves its place to the next ------------
# middle_leaves HOW: a holder, then three waiters in line; the middle one is
# killed (kill) or gives up (give-up: -w 1), or two in the middle give up
# one after the other (give-up-twice). It leaves its
# ticket unread: the last one goes on to the first, and removes it.
middle_leaves() {
	new_holder
	in_line first
	FIRST=$BG_PID
	if [ "$1" = kill ]; then in_line middle; else in_line middle -w 1; fi
	MIDDLE=$BG_PID
	# Two give up in a row: the second finds the first dead, then dies.
	if [ "$1" = give-up-twice ]; then in_line middle2 -w 2; fi
	MIDDLE2=$BG_PID
	in_line last
	LAST=$BG_PID
	if [ "$1" = kill ]; then
		kill -KILL "$MIDDLE"
		wait_bg "$MIDDLE"
	else
		expect_bg_rc 75 "$MIDDLE" 30
		[ "$1" = give-up ] || expect_bg_rc 75 "$MIDDLE2" 30
	fi
	[ ! -e "$T/order" ] || fail "ran while the slot was held: $(cat "$T/order")"
	PIDS="$FIRST $LAST"
	served "first last " "after a waiter's $1"
	[ "$(find "$LOCKDIR/queue/s-one" -name '[0-9a-f]*' | wc -l)" -eq 0 ] ||
	    fail "tickets left after a $1: $(ls "$LOCKDIR/queue/s-one")"
}
middle_leaves kill
middle_leaves give-up
middle_leaves give-up-twice

# --- a writer is not starved by readers that come after it --------------------
rm -f "$T/order" "$T/release"
start_bg lockrun --lock-dir "$LOCKDIR" --shared --lock "$T/db.lock" -- "$HOLD" "$T/r0.pid" "$T/release"
R0=$BG_PID
wait_for 'test -s "$T/r0.pid"' 10
# The writer waits for the reader that came before it...
start_bg lockrun --lock-dir "$LOCKDIR" --lock "$T/db.lock" -- sh -c 'echo writer >>"$1"' sh "$T/order"
W=$BG_PID
wait_for 'test -n "$(ls "$LOCKDIR"/queue/f-* 2>/dev/null)"' 10
# ... and a reader that comes after it waits for the writer, though the
# lock is only held shared.
start_bg lockrun --lock-dir "$LOCKDIR" --shared --lock "$T/db.lock" -- sh -c 'echo reader >>"$1"' sh "$T/order"
R1=$BG_PID
wait_for '[ "$(ls "$LOCKDIR"/queue/f-*/ | wc -l)" -ge 2 ]' 10
[ ! -e "$T/order" ] || fail "ran while a reader held the lock: $(cat "$T/order")"
touch "$T/release"
expect_bg_rc 0 "$R0"
expect_bg_rc 0 "$W" 30
expect_bg_rc 0 "$R1" 30
[ "$(tr '\n' ' ' <"$T/order")" = "writer reader " ] ||
    fail "a reader that came after the writer went first: $(tr '\n' ' ' <"$T/order")"

# --- many waiters, no inotify instance each -----------------------------------
# The per-user default is 128 inotify instances; 300 waiting lockruns only
# work without polling if the queue, not inotify, wakes them.
rm -f "$T/many"
new_holder
M=300
i=0
while [ "$i" -lt "$M" ]; do
	lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 -- \
	    sh -c 'echo x >>"$1"' sh "$T/many" &
	i=$((i + 1))
done
wait_for "queued $M" 60
INST=$(find /proc/[0-9]*/fd -lname 'anon_inode:inotify' 2>/dev/null | wc -l)
note "$M waiting lockruns, $INST inotify instances on the host"
[ "$INST" -lt 100 ] || fail "$INST inotify instances for $M waiters"
touch "$T/release"
expect_bg_rc 0 "$HOLDER"
wait_for '[ "$(count_lines "$T/many")" -eq '"$M"' ]' 120
