#!/bin/sh
# tests/integration/t-90-expansions.sh: supervisord's expansions where it
# allows them: %(program_name)s, %(group_name)s, %(host_node_name)s,
# %(here)s, %(ENV_X)s everywhere in a job, %(process_num)02d and
# %(numprocs)d in command, process_name, directory, environment and the
# log files, each instance with its own value; an error lists the names
# there are and points at $LOCKRUN_JOB / $LOCKRUN_INSTANCE.

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

mkdir "$T/w0" "$T/w1" "$T/w2" "$T/logs"
HOST=$(hostname)
export LOCKRUN_T67=env-ok
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[program:w]
command = echo "%(program_name)s %(group_name)s %(process_num)d/%(numprocs)d \$SUPERVISOR_PROCESS_NAME \$SUPERVISOR_GROUP_NAME \$N \$PWD %(ENV_LOCKRUN_T67)s %(host_node_name)s 100%%"
process_name = %(program_name)s_%(process_num)02d
numprocs = 3
directory = %(here)s/w%(process_num)d
stdout_logfile = logs/%(program_name)s-%(process_num)02d.log
environment = N="n%(process_num)d"
startsecs = 0
EOF
expect_rc 0 lockrun --config "$CONF"
for n in 0 1 2; do
	want="w w $n/3 w_0$n w n$n $T/w$n env-ok $HOST 100%"
	got=$(cat "$T/logs/w-0$n.log")
	[ "$got" = "$want" ] || fail "instance $n: '$got', not '$want'"
done

# Errors name the file, the line and the key, and what there is.
write_conf <<EOF
[job:a]
command = echo %(proces_num)d
EOF
expect_rc 78 lockrun --config "$CONF" --check
stderr_has "$CONF:2: command: unknown expansion \"%(proces_num)d\" (expected %(here)s, %(program_name)s, %(group_name)s, %(host_node_name)s, %(process_num)d, %(numprocs)d or %(ENV_NAME)s"
stderr_has "the command can also read \$LOCKRUN_JOB and \$LOCKRUN_INSTANCE"
write_conf <<EOF
[job:a]
command = true
wait_timeout = %(process_num)d
EOF
expect_rc 78 lockrun --config "$CONF" --check
stderr_has "$CONF:3: wait_timeout: %(process_num)d differs from one instance to the next"
write_conf <<EOF
[job:a]
command = true %(process_num)d
numprocs = 2
process_name = same
EOF
expect_rc 78 lockrun --config "$CONF" --check
stderr_has "$CONF:4: process_name: with numprocs = 2 it must name %(process_num)d"
