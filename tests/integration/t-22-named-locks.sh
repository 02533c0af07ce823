# tests/integration/t-22-named-locks.sh: named locks. Readers (db:shared) run
# together, a writer (db) waits for them; jobs that take the same two locks
# in opposite orders never deadlock and never overlap.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# --- readers share, a writer excludes them ----------------------------------
# A reader marks itself, then waits (at most 5 s) until both readers are
# in: it can only get there if the two hold db at the same time. Then it
# stays until released, and marks itself done.
cat >"$T/bin/reader" <<'EOF'
#!/bin/sh
# reader T NAME
t=$1
touch "$t/in.$2"
n=0
until [ -e "$t/in.r1" ] && [ -e "$t/in.r2" ]; do
	n=$((n + 1))
	[ "$n" -le 250 ] || exit 9
	sleep 0.02
done
n=0
until [ -e "$t/release" ]; do
	n=$((n + 1))
	[ "$n" -le 500 ] || exit 10
	sleep 0.02
done
touch "$t/done.$2"
EOF
chmod +x "$T/bin/reader"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:r1]
command = "$T/bin/reader" "$T" r1
locks = db:shared

[job:r2]
command = "$T/bin/reader" "$T" r2
locks = db : shared

[job:w]
command = if [ -e "$T/done.r1" ] && [ -e "$T/done.r2" ]; then echo after; else echo during; fi >"$T/w.saw"
locks = db
EOF

start_bg lockrun -v --config "$CONF" r1 r2 2>"$T/readers.err"
READERS=$BG_PID
wait_for 'test -e "$T/in.r1" && test -e "$T/in.r2"' 5
start_bg lockrun -v --config "$CONF" w 2>"$T/writer.err"
WRITER=$BG_PID
wait_for 'grep -q "job w: waiting" "$T/writer.err"' 5
[ ! -e "$T/w.saw" ] || fail "the writer ran while the readers held db"
touch "$T/release"
expect_bg_rc 0 "$READERS"
expect_bg_rc 0 "$WRITER"
[ "$(cat "$T/w.saw")" = after ] || fail "the writer ran $(cat "$T/w.saw") the readers"
[ -f "$LOCKDIR/db.lock" ] || fail "no lock file $LOCKDIR/db.lock"

# --- two locks in opposite orders: no deadlock, no overlap ------------------
# 10 instances of "a, b" in one lockrun, 10 of "b, a" in another, all at
# once. Both locks are exclusive, so the critical sections must not overlap.
cat >"$T/bin/crit" <<'EOF'
#!/bin/sh
# crit T NAME
t=$1
mkdir "$t/crit" 2>/dev/null || echo "$2: overlap" >>"$t/errors"
sleep 0.01
rmdir "$t/crit" 2>/dev/null
echo "$2" >>"$t/ran"
EOF
chmod +x "$T/bin/crit"

write_conf "$T/ab.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:ab]
command = "$T/bin/crit" "$T" "ab.\$LOCKRUN_INSTANCE"
singleton = no
numprocs = 10
locks = a, b

[job:ba]
command = "$T/bin/crit" "$T" "ba.\$LOCKRUN_INSTANCE"
singleton = no
numprocs = 10
locks = b:exclusive, a
EOF
START=$(now)
start_bg lockrun -v --config "$T/ab.ini" ab 2>"$T/ab.err"
AB=$BG_PID
start_bg lockrun -v --config "$T/ab.ini" ba 2>"$T/ba.err"
BA=$BG_PID
expect_bg_rc 0 "$AB" 30
expect_bg_rc 0 "$BA" 30
note "20 runs with locks a and b took $(elapsed "$START" "$(now)") s"
[ ! -s "$T/errors" ] || fail "$(sort "$T/errors" | tr '\n' ' ')"
[ "$(sort -u "$T/ran" | wc -l)" -eq 20 ] ||
    fail "expected 20 distinct runs, got: $(sort "$T/ran" | tr '\n' ' ')"
