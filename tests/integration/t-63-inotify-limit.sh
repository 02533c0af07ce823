#!/bin/sh
# tests/integration/t-63-inotify-limit.sh: with one inotify instance for
# the user (fs.inotify.max_user_instances = 1), 50 waiters for one lock
# still take it one at a time once it is free, and while they wait they
# poll gently, if at all, never in a busy loop: under 2 CPU-seconds for
# the 50 over 10 s (woken by inotify or by the queue, they use about 0.1
# to 0.3; a busy loop would use 20).
#
# The limit is set in a user namespace of this test's own (unshare --user;
# since Linux 4.9 the limit is per user namespace), so the host's
# fs.inotify.max_user_instances is never touched. Skipped where user
# namespaces are not allowed.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

N=50
command -v unshare >/dev/null || skip "no unshare(1)"
unshare --user --map-root-user sh -c \
    'echo 1 >/proc/sys/user/max_inotify_instances' 2>/dev/null ||
    skip "cannot set an inotify limit in a user namespace of our own"

F=$T/x.lock
mkdir "$T/marks"
cat >"$T/bin/mark" <<'EOF'
#!/bin/sh
# mark DIR ID: hold the one marker for a moment; note an overlap if taken.
mkdir "$1/m" 2>/dev/null || { echo "overlap $2" >>"$1/overlaps"; exit 0; }
echo "$2" >>"$1/ran"
sleep 0.01
rmdir "$1/m"
EOF
chmod +x "$T/bin/mark"

start_bg lockrun --lock "$F" -- "$HOLD" "$T/holder.pid" "$T/release"
HOLDER=$BG_PID
wait_for 'test -s "$T/holder.pid"' 10

# The waiters, in the namespace with the limit: their pids in $T/pids.
cat >"$T/waiters.sh" <<'EOF'
echo 1 >/proc/sys/user/max_inotify_instances || exit 1
i=0
while [ "$i" -lt "$N" ]; do
	lockrun -v --lock "$F" -- "$T/bin/mark" "$T/marks" "$i" \
	    2>>"$T/waiters.log" &
	echo $! >>"$T/pids"
	i=$((i + 1))
done
rc=0
for p in $(cat "$T/pids"); do
	wait "$p" || rc=1
done
exit $rc
EOF
start_bg env N="$N" F="$F" T="$T" unshare --user --map-root-user \
    sh "$T/waiters.sh"
NS=$BG_PID
wait_for 'test "$(count_lines "$T/pids")" -eq "$N"' 20
PIDS=$(cat "$T/pids")
# They all wait: first in line on the lock file, the rest in its queue.
waiting() {
	for _p in $PIDS; do
		waiting_for "$_p" "$F" || return 1
	done
}
wait_for waiting 30

# cpu: nanoseconds on CPU of all the waiters so far (/proc/PID/schedstat).
cpu() {
	for _p in $PIDS; do
		read -r _ns _rest <"/proc/$_p/schedstat" || _ns=0
		echo "$_ns"
	done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
c0=$(cpu)
t0=$(now)
sleep 10	# the span measured; the assertions below do not depend on it
c1=$(cpu)
t1=$(now)
used=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
note "$N waiters with one inotify instance: $used CPU-s in $(elapsed "$t0" "$t1") s"
for p in $PIDS; do
	is_running "$p" || fail "waiter $p is gone while the lock is held"
done
# Only the first in the queue watches the lock file; the others wait on
# the ticket before theirs and need no inotify instance: noted, not asked.
polling=$(grep -c 'no inotify' "$T/waiters.log" || :)
note "$polling of $N waiters went without inotify"
# (Under valgrind every instruction costs some thirty: no bound holds.)
[ -n "${LOCKRUN_VALGRIND:-}" ] ||
    assert_between "$used" 0 2 "CPU-seconds of $N polling waiters over 10 s"

# Free: each runs, one at a time.
touch "$T/release"
expect_bg_rc 0 "$HOLDER" 10
expect_bg_rc 0 "$NS" 60
[ "$(count_lines "$T/marks/ran")" -eq "$N" ] ||
    fail "$(count_lines "$T/marks/ran") of $N waiters ran"
[ ! -e "$T/marks/overlaps" ] ||
    fail "two ran at once: $(cat "$T/marks/overlaps")"
