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

# --- what other users plant, as root ----------------------------------------
[ "$(id -u)" -eq 0 ] || { note "not root: the hostile cases are skipped"; exit 0; }
command -v setpriv >/dev/null || { note "no setpriv(1): hostile cases skipped"; exit 0; }
chmod 755 "$T"

# In a sticky directory anyone can plant FILE.1 and FILE.2 as directories:
# the rotation cannot move the log, says so once, and writes on in it (no
# line lost, no loop spinning in lockrun, the planted entries untouched).
mkdir -m 1777 "$T/shared"
as_nobody mkdir -p "$T/shared/app.log.1/x" "$T/shared/app.log.2/x"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:planted]
command = $LINES
stdout_logfile = $T/shared/app.log
stdout_logfile_maxbytes = 200
stdout_logfile_backups = 2
EOF
expect_rc 0 lockrun --config "$CONF" planted
[ "$(count_lines "$T/shared/app.log")" -eq 100 ] ||
    fail "app.log has $(count_lines "$T/shared/app.log") of 100 lines"
[ "$(grep -c "cannot rename it to $T/shared/app.log.1" "$T/stderr")" -eq 1 ] ||
    fail "not said once: $(head -c 2000 "$T/stderr")"
[ -d "$T/shared/app.log.1/x" ] && [ -d "$T/shared/app.log.2/x" ] ||
    fail "the planted directories were moved"
note "planted FILE.1, FILE.2 directories: one warning, 100 of 100 lines kept"

# A user = job's user owns its log directory, and swaps it for a link to a
# directory of root's between two rotations: the renames are made as that
# user, so root's files there are neither moved nor replaced.
mkdir -p "$T/home/logs" "$T/victim"
chown -R nobody "$T/home"
echo precious >"$T/victim/out.log"
echo old1 >"$T/victim/out.log.1"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:swap]
user = nobody
command = $LINES; while [ ! -e "$T/home/go" ]; do sleep 0.02; done; $LINES
stdout_logfile = $T/home/logs/out.log
stdout_logfile_maxbytes = 1KB
stdout_logfile_backups = 2
EOF
start_bg lockrun --config "$CONF" swap 2>"$T/swap.err"
LR=$BG_PID
wait_for 'test -s "$T/home/logs/out.log.2"' 20
as_nobody sh -c 'cd "$1" && mv logs logs.real && ln -s "$2" logs && touch go' \
    sh "$T/home" "$T/victim"
expect_bg_rc 0 "$LR" 30
[ "$(cat "$T/victim/out.log")" = precious ] &&
    [ "$(cat "$T/victim/out.log.1")" = old1 ] && [ ! -e "$T/victim/out.log.2" ] ||
    fail "root's files were moved: $(ls -l "$T/victim"; cat "$T/swap.err")"
note "a log directory swapped for a link to root's: root's files untouched"
