#!/bin/sh
# t-47-fd-limit.sh: descriptors. (a) Under the common soft limit of 256 (the
# hard one higher), 600 instances of a singleton job behind a 4-slot
# semaphore all run: lockrun raises its soft limit to the hard one (and its
# commands get the soft limit back). (b) A config that could need more
# descriptors than the hard limit allows is refused by --check (78, saying
# so and naming "ulimit -Hn"); a small one passes there.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# (ulimit -H and -S are not POSIX, but every sh that runs these tests has
# them: they are used only inside sh -c strings.)
HARD=$(sh -c 'ulimit -Hn')
case $HARD in
unlimited) ;;
*[!0-9]* | '') skip "cannot read the hard descriptor limit ($HARD)" ;;
*) [ "$HARD" -ge 2048 ] || skip "the hard descriptor limit is only $HARD" ;;
esac

# --- (a) 600 instances under a soft limit of 256 -----------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:four]
slots = 4

[job:many]
command = echo \$LOCKRUN_INSTANCE >>"$T/many.runs"
numprocs = 600
semaphore = four

[job:limit]
command = ulimit -Sn >"$T/limit"
EOF
RC=0
sh -c 'ulimit -Sn 256 && exec lockrun --config "$1"' sh "$CONF" \
    2>"$T/many.err" || RC=$?
if [ "$RC" -ne 0 ] || [ "$(count_lines "$T/many.runs")" -ne 600 ]; then
	fail "exit $RC, $(count_lines "$T/many.runs") of 600 instances ran: $(grep -v 'started as\|exited with\|waiting' "$T/many.err" | head -5)"
fi
[ "$(sort -u "$T/many.runs" | wc -l)" -eq 600 ] ||
    fail "instances ran twice or not at all: $(sort "$T/many.runs" | uniq -d | head -5)"
# The command sees the limit lockrun was started with, not the raised one
# (select(2) users need a soft limit of at most 1024).
[ "$(cat "$T/limit")" = 256 ] ||
    fail "the command's soft descriptor limit is $(cat "$T/limit"), not 256"

# --- (b) --check under a hard limit of 200 -----------------------------------
write_conf "$T/huge.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:huge]
command = true
numprocs = 3000
EOF
write_conf "$T/small.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:small]
command = true
numprocs = 3
EOF
# Lower the soft limit first: the hard one cannot go below it.
LOW='ulimit -Sn 100 && ulimit -Hn 200 && exec lockrun "$@"'
expect_rc 78 sh -c "$LOW" sh --config "$T/huge.ini" --check
stderr_has "descriptors"
stderr_has "ulimit -Hn"
stderr_has "$T/huge.ini"
[ ! -s "$T/stdout" ] || fail "--check said ok: $(cat "$T/stdout")"
# A run of it is refused as well, before anything starts.
write_conf "$T/huge-run.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:huge]
command = echo run >>"$T/huge.runs"
numprocs = 3000
EOF
expect_rc 78 sh -c "$LOW" sh --config "$T/huge-run.ini"
stderr_has "ulimit -Hn"
[ ! -e "$T/huge.runs" ] || fail "jobs of a refused config ran"
# A small config passes there, and runs.
expect_rc 0 sh -c "$LOW" sh --config "$T/small.ini" --check
expect_rc 0 sh -c "$LOW" sh -q --config "$T/small.ini"
