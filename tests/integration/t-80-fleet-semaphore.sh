#!/bin/sh
# t-80-fleet-semaphore.sh: a fleet semaphore of 2 slots with 8 contenders
# on 8 "hosts" (lockruns with their own lock dirs and host names, one
# ZooKeeper): never more than 2 at once (an atomic mkdir marker per slot),
# all 8 finish, in the order they came; --slots 1 is a fleet mutex, and
# --status (--json) shows its holder and waiter, host, PID and token; the
# servers' names are not resolved at every turn of the event loop.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk-lib.sh disable=SC1091
. "$TESTDIR/zk-lib.sh"

zk_start 1

# The job: take a marker dir for one of the 2 slots (a third at once finds
# both taken: "over"), note the order of starts, hold a moment, let go.
cat >"$T/bin/job" <<'EOS'
#!/bin/sh
if mkdir "$1/m0" 2>/dev/null; then m=m0
elif mkdir "$1/m1" 2>/dev/null; then m=m1
else echo "$2" >>"$1/over"; exit 1
fi
echo "$2 $LOCKRUN_FENCE" >>"$1/order"
sleep 0.3
rmdir "$1/$m"
EOS
chmod +x "$T/bin/job"

i=1
while [ "$i" -le 8 ]; do
	# Each comes once the one before stands in line: arrival order is i.
	start_host "h$i" lockrun -v --zookeeper "$ZK/t80" \
	    --semaphore db --slots 2 -- "$T/bin/job" "$T" "$i" \
	    2>"$T/err.$i"
	eval "pid_$i=\$BG_PID"
	wait_for "grep -q 'in line as' '$T/err.$i'" 30
	i=$((i + 1))
done
i=1
while [ "$i" -le 8 ]; do
	eval "wait_bg \$pid_$i 60"
	[ "$BG_RC" -eq 0 ] || fail "host h$i: exit $BG_RC: $(cat "$T/err.$i")"
	i=$((i + 1))
done
[ ! -e "$T/over" ] || fail "more than 2 at once: $(cat "$T/over")"
order=$(awk '{ printf "%s%s", sep, $1; sep = " " }' "$T/order")
[ "$order" = "1 2 3 4 5 6 7 8" ] || fail "started in order $order"
note "8 contenders, at most 2 at once, in arrival order: $order"
note "fence tokens: $(awk '{ printf "%s%s", sep, $2; sep = " " }' "$T/order")"
awk 'NR > 1 && $2 <= prev { exit 1 } { prev = $2 }' "$T/order" ||
	fail "fence tokens do not grow: $(cat "$T/order")"

# A fleet mutex: the second host waits for the first.
rm -f "$T/order"
start_host a lockrun --zookeeper "$ZK/t80" --semaphore mx --slots 1 \
    -- "$HOLD" "$T/a.pid" "$T/a.go"
a=$BG_PID
wait_for 'test -s "$T/a.pid"' 30
start_host b lockrun -v --zookeeper "$ZK/t80" --semaphore mx --slots 1 \
    -- "$PIDEXEC" "$T/b.pid" true 2>"$T/b.err"
b=$BG_PID
wait_for 'grep -q "in line as" "$T/b.err"' 30
# --status reads the line from ZooKeeper, taking nothing.
expect_rc 0 lockrun --zookeeper "$ZK/t80" --semaphore mx --slots 1 --status
grep -q '^  holds    a pid [0-9]* job hold since .* fence [0-9]' "$T/stdout" ||
	fail "status: $(cat "$T/stdout")"
grep -q '^  waits    b pid ' "$T/stdout" || fail "status: $(cat "$T/stdout")"
expect_rc 0 lockrun --zookeeper "$ZK/t80" --semaphore mx --slots 1 --status \
    --json
"$ZK_PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))["fleet"]["resources"][0]
assert d["held"] == 1 and [n["host"] for n in d["nodes"]] == ["a", "b"], d
assert d["nodes"][0]["fence"] < d["nodes"][1]["fence"], d' "$T/stdout" ||
	fail "status --json: $(cat "$T/stdout")"
expect_rc 75 as_host c lockrun -v --no-wait --zookeeper "$ZK/t80" \
    --semaphore mx --slots 1 -- true
stderr_has "fleet semaphore mx"
[ ! -e "$T/b.pid" ] || fail "host b ran while host a held the mutex"
touch "$T/a.go"
expect_bg_rc 0 "$a" 30
expect_bg_rc 0 "$b" 30
[ -s "$T/b.pid" ] || fail "host b never ran"

# The servers' names are resolved when connecting, not at every turn of the
# event loop (the client's default: a blocking getaddrinfo() each time,
# a DNS query with real names). Named "localhost", each resolution reads
# /etc/hosts; a run that waits a second turns the loop a few times.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	port=${ZK##*:}
	# (LeakSanitizer cannot work under ptrace.)
	as_host d env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -e trace=openat -o "$T/resolve.st" lockrun \
	    --zookeeper "localhost:$port/t80" --semaphore mx --slots 1 \
	    -- sleep 1
	n=$(grep -c '"/etc/hosts"' "$T/resolve.st")
	note "/etc/hosts read $n times in a one-second fleet run"
	[ "$n" -le 3 ] || fail "the servers' names resolved $n times"
fi
