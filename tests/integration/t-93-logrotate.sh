#!/bin/sh
# tests/integration/t-93-logrotate.sh: stdout_logfile_maxbytes and _backups
# (and stderr_'s) rotate a job's log as supervisord does: FILE.1 .. FILE.N
# keep the older output, with no backups the file starts again. A line
# goes whole to the next file.

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# A job that writes 100 lines of 49 bytes (4900 bytes) and one to stderr.
# shellcheck disable=SC2016
LINES='i=0; while [ $i -lt 100 ]; do echo "line $i 0123456789012345678901234567890123456789" | cut -c1-48; i=$((i + 1)); done; echo "err line" >&2'

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:rot]
command = $LINES
stdout_logfile = %(here)s/out.log
stdout_logfile_maxbytes = 1KB
stdout_logfile_backups = 2
stderr_logfile = %(here)s/err.log
stderr_logfile_maxbytes = 1KB

[job:trunc]
command = $LINES
stdout_logfile = %(here)s/trunc.log
stdout_logfile_maxbytes = 1KB
stdout_logfile_backups = 0
EOF
expect_rc 0 lockrun --config "$CONF" rot
for f in out.log out.log.1 out.log.2; do
	[ -f "$T/$f" ] || fail "no $f: $(ls "$T")"
	[ "$(wc -c <"$T/$f")" -le 1024 ] || fail "$f is $(wc -c <"$T/$f") bytes"
	# Whole lines only: each line is one of the job's.
	grep -qv '^line [0-9]* 0123456789' "$T/$f" &&
	    fail "$f has a cut line: $(grep -v '^line [0-9]* 0123456789' "$T/$f")"
done
[ ! -e "$T/out.log.3" ] || fail "more backups than stdout_logfile_backups"
tail -n 1 "$T/out.log" | grep -q "^line 99 " || fail "the last line is not in out.log"
# The three files hold the newest lines, in order, without a gap.
cat "$T/out.log.2" "$T/out.log.1" "$T/out.log" | awk '
	{ n = $2 + 0; if (NR > 1 && n != prev + 1) { print "gap at " n; exit 1 } prev = n }' ||
    fail "the rotated files do not follow each other"
grep -q "err line" "$T/err.log" || fail "stderr_logfile lost its line"

# No backups: the file starts again, and holds the end.
expect_rc 0 lockrun --config "$CONF" trunc
[ "$(wc -c <"$T/trunc.log")" -le 1024 ] || fail "trunc.log is $(wc -c <"$T/trunc.log") bytes"
[ ! -e "$T/trunc.log.1" ] || fail "a backup with stdout_logfile_backups = 0"
tail -n 1 "$T/trunc.log" | grep -q "^line 99 " || fail "trunc.log lacks the last line"

write_conf <<EOF
[job:bad]
command = true
stdout_logfile_maxbytes = 50 megs
EOF
expect_rc 78 lockrun --config "$CONF" --check
stderr_has "$CONF:3: stdout_logfile_maxbytes: bad size \"50 megs\""
