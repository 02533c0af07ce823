#!/bin/sh
# tests/integration/t-51-config-trust.sh: a job file that anyone else could
# change is refused (78), as cron and sudo refuse one: a file writable by
# others or owned by another user, or one in a directory another user owns
# or anyone may write without the sticky bit. The message says why and how
# to fix it; nothing runs; --check refuses it too. A root file in a root
# 0755 directory runs, and --status (which runs nothing) still reads any.

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (files owned by user nobody)"

umask 022
chmod 0755 "$T"

# job_file FILE MARK: write a job file at FILE whose one job touches MARK.
job_file() {
	write_conf "$1" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:marker]
command = touch "$2"
EOF
}

# refused FILE WHY MARK: running FILE (all jobs, the job by name, --check)
# is refused with 78, the message names the reason WHY and the fix, and
# the job did not run. --status still shows the job.
refused() {
	expect_rc 78 lockrun --config "$1"
	stderr_has "refusing"
	stderr_has "$2"
	stderr_has "chown"
	stderr_has "chmod"
	expect_rc 78 lockrun --config "$1" marker
	stderr_has "refusing"
	expect_rc 78 lockrun --config "$1" --check
	stderr_has "refusing"
	stderr_has "$2"
	[ ! -e "$3" ] || fail "$1: the job ran from an untrusted file"
	[ ! -e "$LOCKDIR/marker.pid" ] ||
	    fail "$1: lockrun took the job's lock from an untrusted file"
	# Looking runs nothing: --status reads the file anyway.
	expect_rc 0 lockrun --config "$1" --status
	grep -Eq '^marker +idle ' "$T/stdout" ||
	    fail "$1: --status does not show the job: $(cat "$T/stdout")"
	[ ! -e "$3" ] || fail "$1: --status ran the job"
}

mkdir "$T/etc"

# --- the file itself: writable by everyone, or by its group ----------------
job_file "$T/etc/world.ini" "$T/world.ran"
chmod 0666 "$T/etc/world.ini"
refused "$T/etc/world.ini" "$T/etc/world.ini is writable by everyone" \
    "$T/world.ran"

job_file "$T/etc/group.ini" "$T/group.ran"
chmod 0664 "$T/etc/group.ini"
refused "$T/etc/group.ini" "$T/etc/group.ini is writable by its group" \
    "$T/group.ran"

# --- the file owned by another user, even read-only -----------------------
job_file "$T/etc/theirs.ini" "$T/theirs.ran"
chmod 0444 "$T/etc/theirs.ini"
chown 65534:65534 "$T/etc/theirs.ini"
refused "$T/etc/theirs.ini" "$T/etc/theirs.ini is owned by" "$T/theirs.ran"

# --- a directory anyone may write (no sticky bit), or another user's -------
mkdir "$T/open" "$T/nbdir" "$T/nbdir/sub"
chmod 0777 "$T/open"
chown 65534:65534 "$T/nbdir"
job_file "$T/open/jobs.ini" "$T/open.ran"
refused "$T/open/jobs.ini" "$T/open is writable by everyone and has no sticky bit" \
    "$T/open.ran"
job_file "$T/nbdir/jobs.ini" "$T/nbdir.ran"
refused "$T/nbdir/jobs.ini" "$T/nbdir is owned by" "$T/nbdir.ran"
# Any directory on the path counts, not only the file's own.
job_file "$T/nbdir/sub/jobs.ini" "$T/sub.ran"
refused "$T/nbdir/sub/jobs.ini" "$T/nbdir is owned by" "$T/sub.ran"
# A relative path is checked as well.
(cd "$T/open" && expect_rc 78 lockrun --config jobs.ini)
stderr_has "refusing"
[ ! -e "$T/open.ran" ] || fail "a relative path to an untrusted file ran"

# --- root's 0644 file in root's 0755 directory runs ------------------------
job_file "$T/etc/good.ini" "$T/good.ran"
chmod 0644 "$T/etc/good.ini"
expect_rc 0 lockrun --config "$T/etc/good.ini" --check
expect_rc 0 lockrun --config "$T/etc/good.ini"
[ -e "$T/good.ran" ] || fail "root's own job file did not run"
! grep -q refusing "$T/stderr" || fail "a trusted file: $(cat "$T/stderr")"
# So does root's file in a root-owned sticky directory (as in /tmp): only
# root may remove or replace it there.
install -d -m 1777 "$T/sticky"
job_file "$T/sticky/jobs.ini" "$T/sticky.ran"
expect_rc 0 lockrun --config "$T/sticky/jobs.ini"
[ -e "$T/sticky.ran" ] || fail "root's job file in a 1777 directory did not run"

# Making the refused ones right makes them run: the fix the message says.
chmod go-w "$T/etc/world.ini" "$T/open"
chown 0:0 "$T/etc/theirs.ini" "$T/nbdir"
expect_rc 0 lockrun --config "$T/etc/world.ini"
[ -e "$T/world.ran" ] || fail "the fixed file did not run"
expect_rc 0 lockrun --config "$T/open/jobs.ini"
expect_rc 0 lockrun --config "$T/etc/theirs.ini"
expect_rc 0 lockrun --config "$T/nbdir/sub/jobs.ini"
for f in open theirs sub; do
	[ -e "$T/$f.ran" ] || fail "the fixed file of $f.ran did not run"
done
