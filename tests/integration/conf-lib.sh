# tests/integration/conf-lib.sh: lib.sh plus what the --config tests share.
#
# A --config test starts with
#	. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"
# and gets everything lib.sh gives, and:
#
#	$LOCKDIR		the test's lock dir (put it in [lockrun] lock_dir)
#	$CONF			the default job file
#	write_conf [FILE]	write stdin to FILE (default $CONF), as it is
#	read_pid FILE		print the pid in FILE (fail if there is none)
#	pidfile_is JOB PID	fail unless $LOCKDIR/JOB.pid holds PID
#	all_gone PID...		true if none of the PIDs is running
#	count_lines FILE	print the number of lines in FILE (0 if missing)

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

# Used by the tests that source this file.
# shellcheck disable=SC2034
LOCKDIR=$T/locks
# shellcheck disable=SC2034
CONF=$T/jobs.ini

# write_conf [FILE]: stdin to FILE, default $CONF.
# shellcheck disable=SC2120
write_conf() {
	cat >"${1:-$CONF}"
}

# read_pid FILE: the pid written in FILE.
read_pid() {
	_conf_pid=
	{ read -r _conf_pid <"$1"; } 2>/dev/null || :
	case $_conf_pid in
	'' | *[!0-9]*)
		fail "$1: no pid in it ('$_conf_pid')"
		;;
	esac
	printf '%s\n' "$_conf_pid"
}

# pidfile_is JOB PID: the job's PID file names PID.
pidfile_is() {
	[ "$(read_pid "$LOCKDIR/$1.pid")" = "$2" ] ||
	    fail "$1: PID file holds $(cat "$LOCKDIR/$1.pid"), the job is $2"
}

# all_gone PID...: none of the PIDs is running (zombies count as gone).
all_gone() {
	for _conf_p in "$@"; do
		! is_running "$_conf_p" || return 1
	done
	return 0
}

# count_lines FILE: lines in FILE, 0 when it does not exist.
count_lines() {
	if [ -f "$1" ]; then
		wc -l <"$1" | tr -d ' '
	else
		echo 0
	fi
}
