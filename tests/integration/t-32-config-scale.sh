# tests/integration/t-32-config-scale.sh: reading a job file takes time in
# proportion to its size: 200,000 jobs sharing 20,000 semaphores are checked
# well within a generous bound (a quadratic parse took minutes).

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

skip_under_valgrind "its bound of time is for lockrun at full speed"
NJOBS=200000
NSEMS=20000

# Semaphores first and last, so that references go both back and forward.
awk -v njobs="$NJOBS" -v nsems="$NSEMS" -v dir="$LOCKDIR" 'BEGIN {
	printf "[lockrun]\nlock_dir = %s\n", dir
	for (i = 0; i < nsems / 2; i++)
		printf "[semaphore:s%d]\nslots = 1\n", i
	for (i = 0; i < njobs; i++)
		printf "[job:j%d]\ncommand = true\nsemaphore = s%d\n", i,
		    i % nsems
	for (i = nsems / 2; i < nsems; i++)
		printf "[semaphore:s%d]\nslots = 1\n", i
}' | write_conf

# One job named: all 200,000 at once would need more descriptors than most
# hosts allow, which --check says (t-47); here only reading counts.
START=$(now)
expect_rc 0 timeout 40 lockrun --config "$CONF" --check j0
TOOK=$(elapsed "$START" "$(now)")
note "--check of $NJOBS jobs and $NSEMS semaphores took $TOOK s"
grep -qxF "$CONF: ok: $NJOBS jobs, $NSEMS semaphores" "$T/stdout" ||
    fail "--check said: $(cat "$T/stdout")"

# A duplicate near the end is still found, and named with its first line.
printf '[job:j%d]\ncommand = true\n' $((NJOBS - 1)) >>"$CONF"
expect_rc 78 timeout 40 lockrun --config "$CONF" --check j0
stderr_has "[job:j$((NJOBS - 1))]: duplicate section (first at line"
