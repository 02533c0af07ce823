# tests/integration/t-21-semaphore-jobs.sh: jobs sharing a semaphore of 2
# slots, in one lockrun (numprocs = 6) and in another, never run more than 2
# at once, each holds a slot of its own, and all of them complete.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# The critical section: enter by making a directory (atomic), count who is in,
# hold the slot's own directory (mkdir fails if another job has that slot),
# stay a little, leave. Counts and errors are appended to logs.
mkdir "$T/in"
cat >"$T/bin/critical" <<'EOF'
#!/bin/sh
# critical T: one run of the critical section, logged under T.
t=$1
me=$LOCKRUN_JOB.$LOCKRUN_INSTANCE
mkdir "$t/in/$me" || { echo "$me: entered twice" >>"$t/errors"; exit 1; }
if ! mkdir "$t/slot.$LOCKRUN_SLOT"; then
	echo "$me: slot $LOCKRUN_SLOT is taken" >>"$t/errors"
	exit 1
fi
n=$(ls "$t/in" | wc -l)
echo "$n $me slot $LOCKRUN_SLOT" >>"$t/counts"
sleep 0.3
rmdir "$t/slot.$LOCKRUN_SLOT" "$t/in/$me"
echo "$me" >>"$t/done"
EOF
chmod +x "$T/bin/critical"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 2

[job:many]
command = "$T/bin/critical" "$T"
numprocs = 6
semaphore = s

[job:other]
command = "$T/bin/critical" "$T"
semaphore = s
EOF

start_bg lockrun --config "$CONF" many 2>"$T/many.err"
MANY=$BG_PID
start_bg lockrun --config "$CONF" other 2>"$T/other.err"
OTHER=$BG_PID
expect_bg_rc 0 "$MANY" 20
expect_bg_rc 0 "$OTHER" 20

[ ! -s "$T/errors" ] || fail "$(cat "$T/errors")"
[ "$(count_lines "$T/done")" = 7 ] ||
    fail "expected 7 completed runs, got: $(tr '\n' ' ' <"$T/done")"
MAX=$(awk '$1 > m { m = $1 } END { print m + 0 }' "$T/counts")
[ "$MAX" -le 2 ] ||
    fail "up to $MAX jobs ran at once with 2 slots: $(cat "$T/counts")"
# Each instance ran once, under its own LOCKRUN_INSTANCE.
sort "$T/done" >"$T/done.sorted"
printf '%s\n' many.0 many.1 many.2 many.3 many.4 many.5 other.0 \
    >"$T/done.expected"
cmp -s "$T/done.sorted" "$T/done.expected" ||
    fail "runs: $(tr '\n' ' ' <"$T/done.sorted")"
# Only slot files 00 and 01 exist; they stay (never unlinked), empty.
for f in "$LOCKDIR"/s.*.lock; do
	case $f in
	"$LOCKDIR/s.00.lock" | "$LOCKDIR/s.01.lock") ;;
	*) fail "unexpected slot file $f" ;;
	esac
	[ ! -s "$f" ] || fail "$f still names a holder: $(cat "$f")"
done
if [ ! -f "$LOCKDIR/s.00.lock" ] || [ ! -f "$LOCKDIR/s.01.lock" ]; then
	fail "slot files missing: $(ls "$LOCKDIR")"
fi
