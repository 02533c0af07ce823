#!/bin/sh
# tests/integration/t-72-queue-hostile.sh: the queue cannot be used to keep
# anyone from a free lock, or to make a waiter spin, or to deadlock:
#  - names in the queue that are not FIFOs (a file, a symlink to a FIFO
#    someone reads) are passed over, never opened through;
#  - another user's tickets, even held open, do not hold up root's waiters;
#  - a stopped waiter (SIGSTOP) does not hold up the ones behind it, and
#    queues again at the end when continued;
#  - waiters that need several things at once do not queue: a singleton
#    job that waits for itself and a semaphore, a nested lockrun, and a
#    waiter for a semaphore behind one that also waits for a lock all get
#    their turn.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

mkdir -p "$LOCKDIR"

# tickets Q: the number of tickets in queue directory Q.
tickets() {
	find "$1" -name '[0-9a-f]*.[0-9]*.[rw]' 2>/dev/null | wc -l
}

# held_fifo PATH: make a FIFO at PATH and hold it open for reading, in the
# background (BG_PID), until the test ends.
held_fifo() {
	mkfifo "$1"
	start_bg sh -c 'exec 3<>"$1"; exec sleep 600' sh "$1"
}

# --- what is not a FIFO of ours is passed over ---------------------------------
# Names that sort before any real ticket: a 0666 file, a symlink to a FIFO
# that is held open. Either, opened for writing, looks like a live ticket.
Q=$LOCKDIR/queue/s-one
mkdir -p "$Q"
held_fifo "$T/elsewhere"
: >"$Q/0000000000000001.1.w"
chmod 0666 "$Q/0000000000000001.1.w"
ln -s "$T/elsewhere" "$Q/0000000000000002.1.w"
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --wait 20s --semaphore one \
    --slots 1 -- true
if [ ! -f "$Q/0000000000000001.1.w" ] || [ ! -L "$Q/0000000000000002.1.w" ]
then
	fail "the stray names were not left alone"
fi
note "a file and a symlink named as tickets did not block the semaphore"
# A waiter behind a real holder, with the same names before it: it waits
# without spinning, and runs when the holder is done.
start_holder "$T/holder.pid" "$T/release" \
    --lock-dir "$LOCKDIR" --semaphore one --slots 1
HOLDER=$BG_PID
start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 -- \
    touch "$T/ran"
W=$BG_PID
wait_for '[ "$(tickets "$Q")" -ge 3 ]' 10
sleep 1
# utime + stime of the waiter, in clock ticks: about 0 when it sleeps.
TICKS=$(awk '{ print $14 + $15 }' "/proc/$W/stat")
note "a waiter behind a holder used $TICKS clock ticks in 1 s"
[ "$TICKS" -lt 20 ] || fail "the waiter spins: $TICKS ticks of CPU in 1 s"
touch "$T/release"
expect_bg_rc 0 "$HOLDER"
expect_bg_rc 0 "$W" 20
test -e "$T/ran" || fail "the waiter did not run"
rm -rf "$Q"

# --- another user's tickets do not hold root's waiters ----------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	umask 022
	chmod 0755 "$T"
	SHARED=$T/shared
	install -d -m 1777 "$SHARED"
	start_holder "$T/h.pid" "$T/h.release" \
	    --lock-dir "$SHARED" --semaphore one --slots 1
	H=$BG_PID
	start_bg lockrun --lock-dir "$SHARED" --semaphore one --slots 1 -- \
	    true
	RW=$BG_PID
	# Root's waiter makes the queue's directories, open to all.
	wait_for '[ "$(tickets "$SHARED/queue/s-one")" -ge 1 ]' 10
	# nobody puts a ticket before every other and holds it open.
	start_bg as_nobody sh -c 'mkfifo "$1" && exec 3<>"$1" &&
	    exec sleep 600' sh "$SHARED/queue/s-one/0000000000000001.1.w"
	NB=$BG_PID
	wait_for 'test -p "$SHARED/queue/s-one/0000000000000001.1.w"' 10
	touch "$T/h.release"
	expect_bg_rc 0 "$H"
	expect_bg_rc 0 "$RW" 20
	note "root's waiter ran past a ticket of nobody's held open before it"
	# And a new one runs at once, past the foreign ticket.
	expect_rc 0 lockrun --lock-dir "$SHARED" --wait 20s --semaphore one \
	    --slots 1 -- true
	kill "$NB"
	# served_in_order WHAT [HOOK]: behind a holder, w1, w2 and w3 wait in
	# line, and must be served in that order, WHAT notwithstanding. HOOK,
	# a function, runs just before w3 comes, and puts one name that looks
	# like a ticket in the queue.
	served_in_order() {
		rm -f "$T/order" "$T/h.pid" "$T/h.release"
		start_holder "$T/h.pid" "$T/h.release" \
		    --lock-dir "$SHARED" --semaphore one --slots 1
		H=$BG_PID
		n=0
		for who in w1 w2 w3; do
			if [ "$who" = w3 ] && [ -n "${2:-}" ]; then
				"$2"
				n=$((n + 1))
			fi
			start_bg lockrun --lock-dir "$SHARED" --semaphore one \
			    --slots 1 -- sh -c 'echo "$1" >>"$2"' sh "$who" \
			    "$T/order"
			eval "pid_$who=\$BG_PID"
			n=$((n + 1))
			wait_for '[ "$(tickets "$SHARED/queue/s-one")" -ge '"$n"' ]' 10
		done
		touch "$T/h.release"
		expect_bg_rc 0 "$H"
		for who in w1 w2 w3; do
			eval "expect_bg_rc 0 \"\$pid_$who\" 20"
		done
		[ "$(tr '\n' ' ' <"$T/order")" = "w1 w2 w3 " ] ||
		    fail "$1 changed the order: $(tr '\n' ' ' <"$T/order")"
	}
	# A name spelled otherwise than a ticket (a pid with a leading zero),
	# put just before a newcomer, says nothing of those before it: it
	# must not be taken for one that was served.
	misspelt() {
		# Stamped just after w2's ticket.
		last=$(cd "$SHARED/queue/s-one" &&
		    find . -name '[0-9a-f]*' | sort | tail -n 1)
		last=${last#./}
		name=$(printf '%016x.01.w' $((0x${last%%.*} + 1)))
		as_nobody sh -c ': >"$1"' sh "$SHARED/queue/s-one/$name" ||
		    fail "nobody could not make $name"
	}
	served_in_order "a misspelt name of nobody's" misspelt
	note "a misspelt name of nobody's did not change the order"
	# A tail (.tail-0) that is not root's is neither believed nor written
	# through: nobody's, naming a ticket long gone (believed, it would let
	# each newcomer try at once), or a symlink to a file of root's. Root's
	# waiters read the queue instead, keep their order, and remove it.
	TAIL=$SHARED/queue/s-one/.tail-0
	for how in nobody symlink; do
		rm -f "$TAIL" "$T/target"
		if [ "$how" = nobody ]; then
			as_nobody sh -c '{ printf "0000000000000001.1.w\n" &&
			    head -c 10 /dev/zero; } >"$1"' sh "$TAIL" ||
			    fail "nobody could not make $TAIL"
		else
			: >"$T/target"
			ln -s "$T/target" "$TAIL"
		fi
		served_in_order "a tail of $how's"
		[ -f "$TAIL" ] && [ ! -L "$TAIL" ] && [ "$(stat -c %u "$TAIL")" = 0 ] ||
		    fail "the tail of $how's was left: $(ls -l "$TAIL")"
	done
	[ -f "$T/target" ] && [ ! -s "$T/target" ] ||
	    fail "the symlinked tail was followed"
	note "a tail of nobody's, or a symlink, did not change the order"
	# Root's waiters count for a user's: nobody's waiter that comes after
	# root's is served after all of them, though its own tail names its
	# last ticket, and root's tail cannot say who is last (nobody holds
	# its lock, so that root's last waiter cannot write it). (A queue of
	# its own: nobody's ticket above is still held open.)
	rm -f "$T/order" "$T/h.pid" "$T/h.release"
	: >"$T/order"
	chmod 0666 "$T/order"
	# in_shared WHO [AS...]: WHO waits in line in the shared dir.
	in_shared() {
		_who=$1
		shift
		n=$((n + 1))
		start_bg "$@" lockrun --lock-dir "$SHARED" --semaphore two \
		    --slots 1 -- sh -c 'echo "$1" >>"$2"' sh "$_who" "$T/order"
		wait_for '[ "$(tickets "$SHARED/queue/s-two")" -ge '"$n"' ]' 10
	}
	start_holder "$T/h.pid" "$T/h.release" \
	    --lock-dir "$SHARED" --semaphore two --slots 1
	H=$BG_PID
	n=0
	in_shared r		# root's: it makes the queue's directory
	R=$BG_PID
	in_shared v0 as_nobody
	V0=$BG_PID
	touch "$T/h.release"
	expect_bg_rc 0 "$H"
	expect_bg_rc 0 "$R" 20
	expect_bg_rc 0 "$V0" 20
	: >"$T/order"
	rm -f "$T/h.pid" "$T/h.release"
	start_holder "$T/h.pid" "$T/h.release" \
	    --lock-dir "$SHARED" --semaphore two --slots 1
	H=$BG_PID
	n=0
	PIDS=
	for who in r0 r1; do
		in_shared "$who"
		PIDS="$PIDS $BG_PID"
	done
	TAIL=$SHARED/queue/s-two/.tail-0
	start_bg as_nobody flock "$TAIL" sleep 600
	FL=$BG_PID
	wait_for '! flock -n "$TAIL" true' 10
	in_shared r2
	PIDS="$PIDS $BG_PID"
	in_shared v1 as_nobody
	PIDS="$PIDS $BG_PID"
	touch "$T/h.release"
	expect_bg_rc 0 "$H"
	for p in $PIDS; do
		expect_bg_rc 0 "$p" 20
	done
	kill "$FL"
	[ "$(tr '\n' ' ' <"$T/order")" = "r0 r1 r2 v1 " ] ||
	    fail "nobody's waiter went before root's: $(tr '\n' ' ' <"$T/order")"
	note "nobody's waiter waited for root's three, root's tail held by nobody"
else
	note "not root or no setpriv: the other-user case is not run"
fi

# --- a stopped waiter does not hold up the queue -----------------------------------
rm -f "$T/release" "$T/holder.pid" "$T/order"
start_holder "$T/holder.pid" "$T/release" \
    --lock-dir "$LOCKDIR" --semaphore one --slots 1
HOLDER=$BG_PID
start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 -- \
    sh -c 'echo stopped >>"$1"' sh "$T/order"
STOPPED=$BG_PID
wait_for '[ "$(tickets "$Q")" -ge 1 ]' 10
start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 -- \
    sh -c 'echo second >>"$1"' sh "$T/order"
SECOND=$BG_PID
wait_for '[ "$(tickets "$Q")" -ge 2 ]' 10
kill -STOP "$STOPPED"
touch "$T/stopped.ref"
# One comes while it is stopped. The one behind it passes it over (within
# 5 s), and says so on its ticket; continued, the stopped one queues
# again, at the end: its new ticket is the last.
start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 -- \
    sh -c 'echo third >>"$1"' sh "$T/order"
THIRD=$BG_PID
wait_for '[ "$(tickets "$Q")" -ge 3 ]' 10
wait_for '[ -n "$(find "$Q" -name "*.$STOPPED.w" -newer "$T/stopped.ref")" ]' 20
kill -CONT "$STOPPED"
wait_for 'ls "$Q" | sort | tail -n 1 | grep -q "\.$STOPPED\.w$"' 10
# A SIGCONT to one that was not stopped changes nothing.
kill -CONT "$THIRD"
touch "$T/release"
expect_bg_rc 0 "$HOLDER"
expect_bg_rc 0 "$SECOND" 30
expect_bg_rc 0 "$THIRD" 30
expect_bg_rc 0 "$STOPPED" 30
[ "$(tr '\n' ' ' <"$T/order")" = "second third stopped " ] ||
    fail "order with a stopped waiter: $(tr '\n' ' ' <"$T/order")"
note "the waiters behind a stopped one ran first, it queued again at the end"

# --- all or nothing does not deadlock in queues ------------------------------------
# A singleton job that waits for itself, and needs a slot too, beside a job
# that needs only the slot: many runs of each, all complete.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 1

[job:single]
command = sh -c 'echo single >>"$T/runs"; sleep 0.05'
on_running = wait
semaphore = s

[job:slot]
command = sh -c 'echo slot >>"$T/runs"; sleep 0.05'
singleton = no
semaphore = s
EOF
PIDS=
for _ in 1 2 3 4; do
	start_bg lockrun --config "$CONF" single
	PIDS="$PIDS $BG_PID"
	start_bg lockrun --config "$CONF" slot
	PIDS="$PIDS $BG_PID"
done
for p in $PIDS; do
	expect_bg_rc 0 "$p" 60
done
[ "$(count_lines "$T/runs")" -eq 8 ] ||
    fail "expected 8 runs, got $(count_lines "$T/runs")"
note "4 singleton+slot runs and 4 slot runs all completed"

# A nested lockrun needs its ancestor's lock z and a lock a; a waiter for
# both, that had its turn at a (after h let a go) but waits for z, must not
# keep a from the nested one: that waiter waits for the ancestor, which
# waits for the nested one.
rm -f "$T/go" "$T/nested" "$T/h.release" "$T/h.pid"
start_bg lockrun --lock-dir "$LOCKDIR" --lock "$T/z.lock" -- sh -c '
	while [ ! -e "$1/go" ]; do sleep 0.02; done
	lockrun --lock-dir "$2" --wait 30s --lock "$1/a.lock" --lock "$1/z.lock" \
	    -- touch "$1/nested"' sh "$T" "$LOCKDIR"
OUTER=$BG_PID
wait_for 'test -e "$T/z.lock"' 10
start_holder "$T/h.pid" "$T/h.release" --lock-dir "$LOCKDIR" --lock "$T/a.lock"
H=$BG_PID
start_bg lockrun --lock-dir "$LOCKDIR" --lock "$T/a.lock" --lock "$T/z.lock" \
    -- true
BOTH=$BG_PID
sleep 0.3
touch "$T/h.release"
expect_bg_rc 0 "$H"
sleep 0.3
touch "$T/go"
expect_bg_rc 0 "$OUTER" 40
test -e "$T/nested" || fail "the nested lockrun did not run"
expect_bg_rc 0 "$BOTH" 20
note "a nested lockrun ran past a waiter for its ancestor's lock"

# A waiter for the slot alone is not held up by one before it that has its
# turn at the slot but waits for a lock as well.
rm -f "$T/release" "$T/holder.pid" "$T/x.release" "$T/x.pid" "$T/alone"
start_holder "$T/x.pid" "$T/x.release" --lock-dir "$LOCKDIR" --lock "$T/x.lock"
X=$BG_PID
start_holder "$T/holder.pid" "$T/release" \
    --lock-dir "$LOCKDIR" --semaphore one --slots 1
HOLDER=$BG_PID
start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 \
    --lock "$T/x.lock" -- true
WX=$BG_PID
sleep 0.3
start_bg lockrun --lock-dir "$LOCKDIR" --semaphore one --slots 1 -- \
    touch "$T/alone"
ALONE=$BG_PID
wait_for '[ "$(tickets "$Q")" -ge 1 ]' 10
touch "$T/release"
expect_bg_rc 0 "$HOLDER"
expect_bg_rc 0 "$ALONE" 30
is_running "$WX" || fail "the waiter for the slot and the lock did not wait"
note "the slot went to the waiter that needs only it"
touch "$T/x.release"
expect_bg_rc 0 "$X"
expect_bg_rc 0 "$WX" 30

# --- a queue directory another user made is not used ---------------------------
# In a shared lock dir, nobody makes the queue's directory first: it could
# rename root's tickets in it, and put a waiter behind itself for ever. Root's
# waiters do not queue there (they try unordered), and all of them run.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$T"
	SH=$T/shared2
	mkdir -m 1777 "$SH"
	as_nobody mkdir -m 1777 "$SH/queue" "$SH/queue/s-q1"
	rm -f "$T/release"
	start_holder "$T/q1.pid" "$T/release" \
	    --lock-dir "$SH" --semaphore q1 --slots 1
	H=$BG_PID
	start_bg lockrun --lock-dir "$SH" --semaphore q1 --slots 1 -- true
	W1=$BG_PID
	wait_for 'waiting_for "$W1" "$SH/q1.00.lock"' 10
	start_bg lockrun --lock-dir "$SH" --semaphore q1 --slots 1 -- true
	W2=$BG_PID
	wait_for 'waiting_for "$W2" "$SH/q1.00.lock"' 10
	# What the owner of the directory would do: W2's ticket to the front.
	as_nobody sh -c 'cd "$1" && for f in *."$2".[rw]; do
	    [ -e "$f" ] && mv "$f" "0000000000000001.$2.w"; done; :' \
	    sh "$SH/queue/s-q1" "$W2"
	[ "$(tickets "$SH/queue/s-q1")" -eq 0 ] ||
	    fail "root's waiters queued in nobody's directory: $(ls "$SH/queue/s-q1")"
	touch "$T/release"
	expect_bg_rc 0 "$H"
	expect_bg_rc 0 "$W1" 30
	expect_bg_rc 0 "$W2" 30
	note "a queue directory of nobody's: root's waiters did not queue in it, all ran"
fi
