# tests/integration/t-28-job-env.sh: what a job sees (LOCKRUN_* variables,
# environment, directory, log files, %(here)s), the exit status of a run of
# several jobs, an unknown job name, and --check.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

umask 022

# --- LOCKRUN_JOB, LOCKRUN_LOCK_DIR, LOCKRUN_SLOT, LOCKRUN_INSTANCE ----------
# Stale LOCKRUN_* values in lockrun's own environment must not leak through.
mkdir "$T/env"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 2

[job:pair]
command = env | grep '^LOCKRUN_' | sort >"$T/env/pair.\$LOCKRUN_INSTANCE"
numprocs = 2
semaphore = s

[job:solo]
command = env | grep '^LOCKRUN_' | sort >"$T/env/solo"
EOF
LOCKRUN_SLOT=stale LOCKRUN_JOB=stale LOCKRUN_INSTANCE=stale \
    expect_rc 0 lockrun --config "$CONF"
printf 'LOCKRUN_INSTANCE=0\nLOCKRUN_JOB=solo\nLOCKRUN_LOCK_DIR=%s\n' \
    "$LOCKDIR" >"$T/env/solo.expected"
cmp -s "$T/env/solo" "$T/env/solo.expected" ||
    fail "solo's LOCKRUN_* variables: $(cat "$T/env/solo")"
SLOTS=
for i in 0 1; do
	if ! grep -qx "LOCKRUN_JOB=pair" "$T/env/pair.$i" ||
	    ! grep -qx "LOCKRUN_LOCK_DIR=$LOCKDIR" "$T/env/pair.$i" ||
	    ! grep -qx "LOCKRUN_INSTANCE=$i" "$T/env/pair.$i"; then
		fail "pair instance $i: $(cat "$T/env/pair.$i")"
	fi
	SLOT=$(sed -n 's/^LOCKRUN_SLOT=//p' "$T/env/pair.$i")
	case $SLOT in
	0 | 1) ;;
	*) fail "pair instance $i: LOCKRUN_SLOT='$SLOT'" ;;
	esac
	SLOTS="$SLOTS$SLOT"
done
# They ran at the same time, so they held different slots.
[ "$SLOTS" = 01 ] || [ "$SLOTS" = 10 ] ||
    fail "the two instances had slots $SLOTS"

# --- the lock dir: --lock-dir, else lock_dir, else $LOCKRUN_LOCK_DIR ---------
write_conf "$T/nolockdir.ini" <<EOF
[job:where]
command = echo "\$LOCKRUN_LOCK_DIR" >"$T/where.out"
EOF
write_conf "$T/lockdir.ini" <<EOF
[lockrun]
lock_dir = $T/conflocks

[job:where]
command = echo "\$LOCKRUN_LOCK_DIR" >"$T/where.out"
EOF
# where_is CONF WANT [OPTION...]: the job runs with lock dir WANT, which
# lockrun made (0755) and in which the job's PID file is.
where_is() {
	_conf=$1
	_want=$2
	shift 2
	LOCKRUN_LOCK_DIR=$T/envlocks expect_rc 0 lockrun --config "$_conf" "$@"
	[ "$(cat "$T/where.out")" = "$_want" ] ||
	    fail "lock dir: expected $_want, the job saw $(cat "$T/where.out")"
	[ -f "$_want/where.pid" ] || fail "no PID file in $_want"
	[ "$(stat -c %a "$_want")" = 700 ] ||
	    fail "$_want was made with mode $(stat -c %a "$_want") (want 0700: ours alone)"
}
where_is "$T/nolockdir.ini" "$T/envlocks"
where_is "$T/nolockdir.ini" "$T/optlocks" --lock-dir "$T/optlocks"
where_is "$T/lockdir.ini" "$T/conflocks"
rm -rf "$T/optlocks"
where_is "$T/lockdir.ini" "$T/optlocks" --lock-dir "$T/optlocks"

# --- environment, directory, %(here)s ---------------------------------------
# The file lives in its own directory, to see %(here)s point there.
mkdir "$T/etc" "$T/work"
HERE=$(cd "$T/etc" && pwd -P)
WORK=$(cd "$T/work" && pwd -P)
write_conf "$T/etc/env.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:envjob]
command = printf '%s|%s|%s|%s\n' "\$GREETING" "\$MODE" "\$OUTER" "\$(pwd -P)" >"$T/envjob.out"
environment = GREETING="hello, world",MODE=quick, OUTER = "inner"
directory = $T/work

[job:herejob]
command = echo "%(here)s" >"$T/here.out"; pwd -P >>"$T/here.out"
directory = %(here)s
EOF
OUTER=outer expect_rc 0 lockrun --config "$T/etc/env.ini"
[ "$(cat "$T/envjob.out")" = "hello, world|quick|inner|$WORK" ] ||
    fail "environment/directory: got '$(cat "$T/envjob.out")'"
printf '%s\n%s\n' "$HERE" "$HERE" >"$T/here.expected"
cmp -s "$T/here.out" "$T/here.expected" ||
    fail "%(here)s: got $(tr '\n' ' ' <"$T/here.out"), expected $HERE"
# A relative path to the file gives the same %(here)s.
(cd "$T" && expect_rc 0 lockrun --config etc/env.ini herejob)
cmp -s "$T/here.out" "$T/here.expected" ||
    fail "%(here)s via a relative path: got $(tr '\n' ' ' <"$T/here.out")"

# --- stdout_logfile, stderr_logfile, redirect_stderr ------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:logs]
command = echo "out \$RUN"; echo "err \$RUN" >&2
stdout_logfile = $T/logs.out
stderr_logfile = $T/logs.err

[job:merged]
command = echo "out \$RUN"; echo "err \$RUN" >&2
stdout_logfile = $T/merged.log
redirect_stderr = yes
EOF
RUN=1 expect_rc 0 lockrun --config "$CONF"
RUN=2 expect_rc 0 lockrun --config "$CONF"
printf 'out 1\nout 2\n' >"$T/logs.out.expected"
printf 'err 1\nerr 2\n' >"$T/logs.err.expected"
printf 'out 1\nerr 1\nout 2\nerr 2\n' >"$T/merged.expected"
cmp -s "$T/logs.out" "$T/logs.out.expected" ||
    fail "stdout_logfile: $(cat "$T/logs.out")"
cmp -s "$T/logs.err" "$T/logs.err.expected" ||
    fail "stderr_logfile: $(cat "$T/logs.err")"
cmp -s "$T/merged.log" "$T/merged.expected" ||
    fail "redirect_stderr: $(cat "$T/merged.log")"
for f in logs.out logs.err merged.log; do
	MODE=$(stat -c %a "$T/$f")
	[ "$MODE" = 640 ] || fail "$f was created with mode $MODE, not 640"
done
# Nothing of the jobs' output reached lockrun's own stdout or stderr.
! grep -q 'out [12]' "$T/stdout" || fail "job stdout leaked: $(cat "$T/stdout")"
! grep -q 'err [12]' "$T/stderr" || fail "job stderr leaked: $(cat "$T/stderr")"

# --- the status of a run of several jobs ------------------------------------
# e3 ends last, e5 first: the first non-zero in config order wins (3), not
# the first to end.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:e0]
command = exit 0

[job:e3]
command = sleep 0.3; exit 3

[job:e5]
command = exit 5

[job:killed]
command = kill -KILL \$\$

[job:ok1]
command = true

[job:ok2]
command = true

[job:held]
command = "$HOLD" "$T/held.pid" "$T/held.release"
EOF
expect_rc 3 lockrun --config "$CONF" e0 e3 e5
# The order on the command line does not matter.
expect_rc 3 lockrun --config "$CONF" e5 e3 e0
expect_rc 5 lockrun --config "$CONF" e5 ok1
expect_rc 0 lockrun --config "$CONF" e0 ok1 ok2
# A single job: its own status; 128 + N when killed by signal N.
expect_rc 5 lockrun --config "$CONF" e5
expect_rc 137 lockrun --config "$CONF" killed
expect_rc 137 lockrun --config "$CONF" e0 killed ok1
# A skipped job among others counts as a success.
start_bg lockrun --config "$CONF" held 2>"$T/held.err"
HOLDER=$BG_PID
wait_for 'test -s "$T/held.pid" && test -s "$LOCKDIR/held.pid"' 5
expect_rc 0 lockrun -v --config "$CONF" held ok1
stderr_has "job held: skipped"
expect_rc 3 lockrun --config "$CONF" held e3
# Alone, a skipped job is busy: 75; so are several when all were skipped.
expect_rc 75 lockrun --config "$CONF" held
touch "$T/held.release"
expect_bg_rc 0 "$HOLDER"
write_conf "$T/np.ini" <<EOF2
[lockrun]
lock_dir = $LOCKDIR

[job:np]
command = exec "$HOLD" "$T/np.\$LOCKRUN_INSTANCE" "$T/np.release"
numprocs = 2
EOF2
start_bg lockrun --config "$T/np.ini" 2>"$T/np.err"
HOLDER=$BG_PID
wait_for 'test -s "$T/np.0" && test -s "$T/np.1"' 5
expect_rc 75 lockrun --config "$T/np.ini"
touch "$T/np.release"
expect_bg_rc 0 "$HOLDER"

# --- an unknown job name: 64, and nothing runs ------------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:marker]
command = touch "$T/ran"
EOF
expect_rc 64 lockrun --config "$CONF" nosuchjob
stderr_has "nosuchjob"
expect_rc 64 lockrun --config "$CONF" marker nosuchjob
[ ! -e "$T/ran" ] || fail "a job ran although a name was unknown"

# --- --check: a summary on stdout, nothing started --------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:a]
slots = 1

[semaphore:b]
slots = 3

[job:marker]
command = touch "$T/ran"

[job:other]
command = touch "$T/ran"
numprocs = 3
semaphore = a, b
EOF
expect_rc 0 lockrun --config "$CONF" --check
[ "$(cat "$T/stdout")" = "$CONF: ok: 2 jobs, 2 semaphores" ] ||
    fail "--check said: $(cat "$T/stdout")"
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:marker]
command = touch "$T/ran"
EOF
expect_rc 0 lockrun --config "$CONF" --check
[ "$(cat "$T/stdout")" = "$CONF: ok: 1 job, 0 semaphores" ] ||
    fail "--check said: $(cat "$T/stdout")"
[ ! -e "$T/ran" ] || fail "--check started a job"
[ ! -e "$LOCKDIR/marker.pid" ] || fail "--check took the job's lock"
# A file without jobs fails --check as it would fail a run.
printf '[lockrun]\nlock_dir = %s\n' "$LOCKDIR" >"$T/nojobs.ini"
expect_rc 78 lockrun --config "$T/nojobs.ini" --check
stderr_has "no jobs defined"
expect_rc 78 lockrun --config "$T/nojobs.ini"

# --- an unsafe lock dir is refused (73), and nothing runs ---------------------
mkdir "$T/open"
chmod 0777 "$T/open"
write_conf "$T/open.ini" <<EOF
[lockrun]
lock_dir = $T/open

[job:marker]
command = touch "$T/open-ran"
EOF
expect_rc 73 lockrun --config "$T/open.ini"
stderr_has "is writable by everyone and has no sticky bit"
expect_rc 73 lockrun --lock-dir "$T/open" --semaphore s --slots 1 -- touch "$T/open-ran"
[ ! -e "$T/open-ran" ] || fail "a job ran in a world-writable lock dir"
chmod 1777 "$T/open"
expect_rc 0 lockrun --config "$T/open.ini"
[ -e "$T/open-ran" ] || fail "the sticky lock dir was refused"
