#!/bin/sh
# t-83-fleet-partition.sh: host a reaches ZooKeeper through a TCP proxy
# the test controls; the proxy goes silent (a partition: connections stay
# open, nothing passes). a's lockrun stops its command (stop signal, then
# KILL) before the server can expire a's session; host b, which waits,
# starts only after that, with a larger fencing token; a exits 69.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk-lib.sh disable=SC1091
. "$TESTDIR/zk-lib.sh"

zk_start 1
SESSION=4

# Host a's only way to the server: a proxy that the test freezes (SIGSTOP:
# connections stay open, nothing passes).
zk_proxy_start "$(zk_port 1)"
PROXY=127.0.0.1:$ZK_PROXY_PORTS

# job NAME: note when it starts and when it is stopped, and its token.
cat >"$T/bin/job" <<'EOS'
#!/bin/sh
d=$(dirname "$0")/..
echo "$(date +%s.%N) $LOCKRUN_FENCE" >"$d/$1.start"
trap 'date +%s.%N >"$d/$1.stop"; exit 0' TERM
while [ ! -e "$d/$1.go" ]; do sleep 0.02; done
date +%s.%N >"$d/$1.stop"
EOS
chmod +x "$T/bin/job"

start_host a lockrun --zookeeper "$PROXY/t83" --session-timeout "${SESSION}s" \
    --semaphore m --slots 1 -- "$T/bin/job" a 2>"$T/a.err"
a=$BG_PID
wait_for 'test -s "$T/a.start"' 30
start_host b lockrun -v --zookeeper "$ZK/t83" --session-timeout "${SESSION}s" \
    --semaphore m --slots 1 -- "$T/bin/job" b 2>"$T/b.err"
b=$BG_PID
wait_for 'grep -q "in line as" "$T/b.err"' 30

cut=$(now)
zk_proxy_stop
wait_for 'test -s "$T/a.stop"' "$SESSION"
wait_bg "$a" "$SESSION"
[ "$BG_RC" -eq 69 ] || fail "lockrun a: exit $BG_RC: $(cat "$T/a.err")"
grep -q 'fleet claim may be lost' "$T/a.err" || fail "a: $(cat "$T/a.err")"
wait_for 'test -s "$T/b.start"' $((SESSION + 10))
a_stop=$(cat "$T/a.stop")
b_start=$(cut -d' ' -f1 "$T/b.start")
a_fence=$(cut -d' ' -f2 "$T/a.start")
b_fence=$(cut -d' ' -f2 "$T/b.start")
note "partition at 0 s: a's command stopped at $(elapsed "$cut" "$a_stop") s," \
    "b's started at $(elapsed "$cut" "$b_start") s (session ${SESSION}s)"
note "fencing tokens: a $a_fence, b $b_fence"
awk -v s="$a_stop" -v t="$b_start" 'BEGIN { exit !(s < t) }' ||
	fail "b started ($b_start) before a's command stopped ($a_stop)"
[ "$b_fence" -gt "$a_fence" ] || fail "fence of b $b_fence <= a's $a_fence"
touch "$T/b.go"
expect_bg_rc 0 "$b" 20
