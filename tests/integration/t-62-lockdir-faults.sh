#!/bin/sh
# tests/integration/t-62-lockdir-faults.sh: the lock dir changes under
# lockrun. Read-only: existing lock files still lock (opened read-only,
# design §2), a missing one is exit 73 and nothing starts. Removed while a
# run waits: the waiter fails with 73 once the holder is gone, without
# running. Replaced by a new directory while a run waits: the waiter keeps
# to the file it waits for, so it runs only after the holder it waited
# for has finished. A slot file replaced by a FIFO, a directory or a
# symlink while others wait: no waiter blocks on it, follows it or counts
# it as a slot; they share the slots that are left, and never more run at
# once than there are slots. The read-only part needs root (a read-only
# tmpfs); the rest runs anywhere.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# --- Read-only lock dir -----------------------------------------------------
if [ "$(id -u)" -eq 0 ] && mkdir "$T/ro" &&
    mount -t tmpfs -o size=1m,mode=0755 tmpfs "$T/ro" 2>/dev/null; then
	on_cleanup 'umount "$T/ro" 2>/dev/null || umount -l "$T/ro" 2>/dev/null'
	RO=$T/ro/locks
	mkdir "$RO"
	write_conf <<EOF
[lockrun]
lock_dir = $RO

[semaphore:s]
slots = 2

[job:j]
command = exec "$HOLD" "$T/j.pid" "$T/release"
semaphore = s
EOF
	# Make the files, then make the file system read-only.
	expect_rc 0 lockrun --config "$CONF" --check
	touch "$T/release"
	expect_rc 0 lockrun --config "$CONF"
	rm -f "$T/release" "$T/j.pid"
	touch "$RO/x.lock"
	mount -o remount,ro "$T/ro"

	start_bg lockrun --config "$CONF"
	LR=$BG_PID
	wait_for 'test -s "$T/j.pid"' 10
	expect_rc 75 lockrun -v --config "$CONF"
	stderr_has "job j is already running as pid $(read_pid "$T/j.pid")"
	touch "$T/release"
	expect_bg_rc 0 "$LR" 10
	expect_rc 0 lockrun --lock "$RO/x.lock" -- true
	expect_rc 73 lockrun --lock "$RO/new.lock" -- touch "$T/ran"
	stderr_has "$RO/new.lock: Read-only file system"
	[ ! -e "$T/ran" ] || fail "a command ran without its lock"
	rm -f "$T/release"
else
	note "not root, or no tmpfs: read-only lock dir not tested"
fi

# --- Lock dir removed while a run waits -------------------------------------
D=$T/gone
mkdir "$D"
start_bg lockrun --lock "$D/x.lock" -- "$HOLD" "$T/a.pid" "$T/release-a"
A=$BG_PID
wait_for 'test -s "$T/a.pid"' 10
start_bg lockrun --lock "$D/x.lock" -- touch "$T/ran"
W=$BG_PID
wait_for 'waiting_for "$W" "$D/x.lock"' 10
rm -rf "$D"
touch "$T/release-a"
expect_bg_rc 0 "$A" 10
expect_bg_rc 73 "$W" 10
[ ! -e "$T/ran" ] || fail "a waiter ran in a lock dir that is gone"

# --- Lock dir replaced while a run waits ------------------------------------
D=$T/replaced
mkdir "$D"
start_bg lockrun --lock "$D/x.lock" -- "$HOLD" "$T/b.pid" "$T/release-b"
B=$BG_PID
wait_for 'test -s "$T/b.pid"' 10
start_bg lockrun --lock "$D/x.lock" -- sh -c \
    'test -e "$1" && touch "$2"' sh "$T/release-b" "$T/after"
W=$BG_PID
wait_for 'waiting_for "$W" "$D/x.lock"' 10
mv "$D" "$T/replaced.old"
mkdir "$D"
# W waits for the file it opened, which B still holds: its command sees
# B's release file.
touch "$T/release-b"
expect_bg_rc 0 "$B" 10
expect_bg_rc 0 "$W" 10
[ -e "$T/after" ] || fail "the waiter ran before its holder was done"

# --- Slot files replaced while others wait ----------------------------------
# Every holder marks itself while it runs: never more than 2 at once.
cat >"$T/bin/mark" <<'EOF'
#!/bin/sh
# mark DIR ID: take a marker of 2 for a moment, note an overlap if none.
if mkdir "$1/m0" 2>/dev/null; then m=m0
elif mkdir "$1/m1" 2>/dev/null; then m=m1
else echo "overlap $2" >>"$1/overlaps"; exit 0; fi
echo "$2" >>"$1/ran"
sleep 0.1
rmdir "$1/$m"
EOF
chmod +x "$T/bin/mark"
mkdir "$T/marks"
L=$T/slots
mkdir "$L"
echo secret >"$T/target"
for kind in fifo dir symlink; do
	rm -rf "$L" "$T/marks"
	mkdir "$L" "$T/marks"
	rm -f "$T/release-0" "$T/release-1" "$T/h0.pid" "$T/h1.pid"
	# Two holders take both slots.
	start_bg lockrun --lock-dir "$L" --semaphore s --slots 2 -- "$HOLD" \
	    "$T/h0.pid" "$T/release-0"
	H0=$BG_PID
	wait_for 'test -s "$T/h0.pid"' 10
	start_bg lockrun --lock-dir "$L" --semaphore s --slots 2 -- "$HOLD" \
	    "$T/h1.pid" "$T/release-1"
	H1=$BG_PID
	wait_for 'test -s "$T/h1.pid"' 10
	# Which slot is H0's? Replace that one while four others wait.
	s0=$(tr -d '\n' <"$T/h0.pid")
	slot=
	for f in "$L"/s.0[01].lock; do
		[ "$(head -1 "$f")" = "$s0" ] && slot=$f
	done
	[ -n "$slot" ] || slot=$L/s.00.lock
	WS=
	for i in 1 2 3 4; do
		start_bg lockrun --lock-dir "$L" --semaphore s --slots 2 -- \
		    "$T/bin/mark" "$T/marks" "$kind.$i"
		WS="$WS $BG_PID"
		wait_for 'waiting_for "$BG_PID" "$slot"' 10
	done
	rm -rf "$slot"
	case $kind in
	fifo) mkfifo "$slot" ;;
	dir) mkdir "$slot" ;;
	symlink) ln -s "$T/target" "$slot" ;;
	esac
	touch "$T/release-0" "$T/release-1"
	expect_bg_rc 0 "$H0" 10
	expect_bg_rc 0 "$H1" 10
	# One slot is left: the four run one at a time.
	for p in $WS; do
		expect_bg_rc 0 "$p" 20
	done
	[ "$(count_lines "$T/marks/ran")" -eq 4 ] ||
	    fail "$kind: $(count_lines "$T/marks/ran") of 4 waiters ran"
	[ ! -e "$T/marks/overlaps" ] ||
	    fail "$kind: more than 2 at once: $(cat "$T/marks/overlaps")"
	[ "$(cat "$T/target")" = secret ] ||
	    fail "$kind: the symlink's target was written"
	# Both slots gone: a clear error, nothing runs.
	rm -rf "$L/s.00.lock" "$L/s.01.lock"
	mkfifo "$L/s.00.lock" "$L/s.01.lock"
	expect_rc 73 lockrun --lock-dir "$L" --semaphore s --slots 2 -- \
	    touch "$T/ran"
	stderr_has "not a regular file"
	[ ! -e "$T/ran" ] || fail "$kind: a command ran without a slot"
	note "slot file replaced by a $kind while 4 waited: all ran, 1 at a time"
done
