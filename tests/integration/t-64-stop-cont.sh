#!/bin/sh
# tests/integration/t-64-stop-cont.sh: lockruns stopped and continued,
# jobs that resist or give up their lock.
#
# * A waiting lockrun stopped (SIGSTOP) holds nothing: another waiter takes
#   the lock; continued, it runs after that one.
# * A holding lockrun stopped keeps its lock even once its command has
#   exited (lockrun's own descriptor holds it): nobody runs until it is
#   continued, reaps the command and exits. Ad hoc and --config.
# * on_running = replace of a job that ignores SIGTERM: SIGKILL after
#   stopwaitsecs, and the new run starts only once the old one is gone.
# * A job that closes the lock descriptor it inherited gives up the lock's
#   outliving lockrun: while lockrun lives, its own descriptor still
#   excludes a second run; once lockrun is SIGKILLed, nothing holds the
#   lock and a second run starts beside the first. That is the job's
#   doing, as with flock(1) (see lockrun(1), "inherits the lock").

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

F=$T/x.lock

# --- A waiting lockrun stopped ----------------------------------------------
start_bg lockrun --lock "$F" -- "$HOLD" "$T/h.pid" "$T/release-h"
H=$BG_PID
wait_for 'test -s "$T/h.pid"' 10
start_bg lockrun --lock "$F" -- sh -c 'echo w1 >>"$1"' sh "$T/order"
W1=$BG_PID
wait_for 'waiting_for "$W1" "$F"' 10
kill -STOP "$W1"
start_bg lockrun --lock "$F" -- sh -c 'echo w2 >>"$1"' sh "$T/order"
W2=$BG_PID
wait_for 'waiting_for "$W2" "$F"' 10
touch "$T/release-h"
expect_bg_rc 0 "$H" 10
expect_bg_rc 0 "$W2" 10
[ "$(cat "$T/order")" = w2 ] || fail "the stopped waiter ran: $(cat "$T/order")"
kill -CONT "$W1"
expect_bg_rc 0 "$W1" 10
[ "$(tr '\n' ' ' <"$T/order")" = "w2 w1 " ] ||
    fail "order after SIGCONT: $(cat "$T/order")"

# --- A holding lockrun stopped: ad hoc, then --config ------------------------
start_bg lockrun --lock "$F" -- "$HOLD" "$T/c.pid" "$T/release-c"
LR=$BG_PID
wait_for 'test -s "$T/c.pid"' 10
C=$(read_pid "$T/c.pid")
kill -STOP "$LR"
start_bg lockrun --lock "$F" -- touch "$T/w.ran"
W=$BG_PID
wait_for 'waiting_for "$W" "$F"' 10
touch "$T/release-c"
wait_for '! is_running "$C"' 10
# The command is a zombie now; lockrun, stopped, still holds the lock. A
# waiter that ran now would run in the lock's absence; give it the time.
sleep 0.5
[ ! -e "$T/w.ran" ] || fail "a waiter ran while a stopped lockrun held the lock"
is_running "$W" || fail "the waiter is gone"
kill -CONT "$LR"
expect_bg_rc 0 "$LR" 10
expect_bg_rc 0 "$W" 10
[ -e "$T/w.ran" ] || fail "the waiter did not run after SIGCONT"

mkdir -p "$LOCKDIR"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:j]
command = exec "$HOLD" "$T/j.pid" "$T/release-j"
on_running = wait
EOF
start_bg lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test -s "$T/j.pid"' 10
J=$(read_pid "$T/j.pid")
kill -STOP "$LR"
write_conf "$T/second.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:j]
command = touch "$T/j2.ran"
on_running = wait
EOF
start_bg lockrun --config "$T/second.ini"
W=$BG_PID
wait_for 'waiting_for "$W" "$LOCKDIR/j.pid"' 10
touch "$T/release-j"
wait_for '! is_running "$J"' 10
sleep 0.5	# as above: a run now would be a second one
[ ! -e "$T/j2.ran" ] || fail "a second run while a stopped supervisor held j"
kill -CONT "$LR"
expect_bg_rc 0 "$LR" 10
expect_bg_rc 0 "$W" 10
[ -e "$T/j2.ran" ] || fail "the second run did not run after SIGCONT"

# --- Replacing a job that ignores SIGTERM -----------------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:stubborn]
command = trap '' TERM; echo \$\$ >"$T/s.pid.tmp"; mv "$T/s.pid.tmp" "$T/s.pid"; while :; do sleep 0.1; done
stopwaitsecs = 1s
EOF
write_conf "$T/replace.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:stubborn]
command = kill -0 \$(cat "$T/s.pid") 2>/dev/null && echo overlap >"$T/s.overlap"; touch "$T/s.new"
on_running = replace
EOF
start_bg lockrun --config "$CONF"
OLD=$BG_PID
wait_for 'test -s "$T/s.pid"' 10
start=$(now)
expect_rc 0 lockrun --config "$T/replace.ini"
took=$(elapsed "$start" "$(now)")
[ -e "$T/s.new" ] || fail "the replacing run did not run"
[ ! -e "$T/s.overlap" ] || fail "the replacing run started beside the old one"
expect_bg_rc 137 "$OLD" 10
assert_between "$took" 0.9 15 "replacing a TERM-proof job took (s)"

# --- A job that closes its inherited lock descriptor ------------------------
cat >"$T/bin/closer" <<'EOF'
#!/bin/sh
# closer FILE PIDFILE RELEASE: close our descriptors of FILE, note our pid,
# wait for RELEASE.
for fd in /proc/$$/fd/*; do
	[ "$(readlink "$fd")" = "$1" ] && eval "exec ${fd##*/}<&-"
done
for fd in /proc/$$/fd/*; do
	[ "$(readlink "$fd")" = "$1" ] && exit 3
done
echo $$ >"$2.tmp" && mv "$2.tmp" "$2"
n=0
while [ ! -e "$3" ] && [ "$n" -lt 3000 ]; do
	sleep 0.02
	n=$((n + 1))
done
EOF
chmod +x "$T/bin/closer"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:closer]
command = exec "$T/bin/closer" "$LOCKDIR/closer.pid" "$T/k.pid" "$T/release-k"
EOF
start_bg lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test -s "$T/k.pid"' 10
K=$(read_pid "$T/k.pid")
# lockrun's own descriptor still holds the lock (so the kernel names
# lockrun, not the job, as its holder).
expect_rc 75 lockrun -v --config "$CONF"
stderr_has "job closer is already running"
kill -KILL "$LR"
wait_bg "$LR" 10
# Now nothing holds it: a second run starts beside the first.
is_running "$K" || fail "the job died with its lockrun"
rm -f "$T/k.pid"
start_bg lockrun --config "$CONF"
LR2=$BG_PID
wait_for 'test -s "$T/k.pid"' 10
K2=$(read_pid "$T/k.pid")
[ "$K2" != "$K" ] && is_running "$K" ||
    fail "no second run beside the first ($K, $K2)"
note "a job that closed its lock descriptor ($K) and lost its lockrun" \
    "no longer excludes a second run ($K2)"
touch "$T/release-k"
expect_bg_rc 0 "$LR2" 10
wait_for '! is_running "$K"' 10
