#!/bin/sh
# tests/integration/t-56-proc-locks-cost.sh: --status reads /proc/locks in
# large pieces. With 20,000 flock locks held on the host, /proc/locks is
# over a megabyte, and every read(2) of it makes the kernel walk the lock
# list again from the start: read through stdio (1 KiB at a time) that is
# over a thousand reads, and a busy host made --status slow.
#
# The kernel's seq_file gives at most one page (4 KiB on x86) per read(2),
# however large the buffer asked for: a megabyte cannot be read in fewer
# than about 280 calls, so the bound here is "no more calls than the
# kernel forces": at most one read per 3,000 bytes, plus 10. Counted with
# strace on the /proc/locks descriptor. The wall time is only noted.
#
# And beside the 20,000 descriptors of those helpers, a skipped run still
# names who holds the job's PID file when the file itself does not say:
# a process with that many descriptors is passed over, not counted against
# the budget that keeps the search cheap.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

NLOCKS=20000

[ -r /proc/locks ] || skip "no /proc/locks here"
command -v strace >/dev/null || skip "no strace"
PY=$(command -v python3) || skip "no python3 to hold the locks"
strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"

# holdmany DIR FIRST COUNT READY RELEASE: flock files DIR/f.FIRST ... (COUNT
# of them), note our pid in READY, then wait until RELEASE exists (at most
# 100 s). The soft descriptor limit is raised to the hard one.
cat >"$T/bin/holdmany" <<'EOF'
import fcntl, os, resource, sys, time
d, first, count, ready, release = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), sys.argv[4], sys.argv[5]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and soft < hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
fds = []
for i in range(first, first + count):
    fd = os.open("%s/f.%d" % (d, i), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fds.append(fd)
with open(ready + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(ready + ".tmp", ready)
end = time.time() + 100
while time.time() < end and not os.path.exists(release):
    time.sleep(0.1)
EOF

# Locks per helper: as many as its descriptor limit allows (the hard limit
# may be below 20,000, as on hosts where 'ulimit -Hn' is 20000 itself).
HARD=$("$PY" -c '
import resource
h = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
print(-1 if h == resource.RLIM_INFINITY else h)')
if [ "$HARD" -lt 0 ] || [ "$HARD" -ge $((NLOCKS + 100)) ]; then
	PER=$NLOCKS
else
	PER=$((HARD - 100))
fi
[ "$PER" -ge 1000 ] ||
    skip "the hard descriptor limit ($HARD) would need too many helpers"

mkdir "$T/many"
first=0
n=0
while [ "$first" -lt "$NLOCKS" ]; do
	count=$PER
	[ $((first + count)) -le "$NLOCKS" ] || count=$((NLOCKS - first))
	start_bg "$PY" "$T/bin/holdmany" "$T/many" "$first" "$count" \
	    "$T/ready.$n" "$T/release"
	first=$((first + count))
	n=$((n + 1))
done
i=0
while [ "$i" -lt "$n" ]; do
	wait_for "test -s \"\$T/ready.$i\"" 90
	i=$((i + 1))
done
LINES=$(wc -l </proc/locks)
[ "$LINES" -ge "$NLOCKS" ] ||
    fail "/proc/locks has $LINES lines with $NLOCKS locks held"
BYTES=$(wc -c </proc/locks)
# lockrun reads the table twice (an entry can slip by one reading while the
# host churns locks), in the largest pieces the kernel gives: a page.
MAXREADS=$((2 * (BYTES / 3000 + 10)))
note "$n helper(s) hold $NLOCKS locks; /proc/locks: $LINES lines, $BYTES bytes"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 2

[job:one]
command = true
semaphore = s
locks = db
EOF

START=$(now)
expect_rc 0 lockrun --config "$CONF" --status
END=$(now)
grep -Eq "^one +idle " "$T/stdout" || fail "--status: $(cat "$T/stdout")"

# (LeakSanitizer cannot work under ptrace: no leak check here.)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -e trace=openat,read,close -o "$T/trace" \
    lockrun --config "$CONF" --status >"$T/stdout" 2>"$T/stderr" ||
    fail "--status under strace: $(cat "$T/stderr")"

# Reads on a descriptor that openat gave for /proc/locks, until its close;
# with -f, a call may be split into "<unfinished ...>" and "resumed" lines.
READS=$(awk '
	/openat\(.*"\/proc\/locks"/ {
		if (/unfinished/) { pending[$1] = 1; next }
		if (match($0, /= [0-9]+$/)) {
			fd[$1 "," substr($0, RSTART + 2)] = 1; opened++
		}
		next
	}
	/<\.\.\. openat resumed>/ && pending[$1] {
		delete pending[$1]
		if (match($0, /= [0-9]+$/)) {
			fd[$1 "," substr($0, RSTART + 2)] = 1; opened++
		}
		next
	}
	$2 ~ /^read\(/ {
		f = $2; sub(/^read\(/, "", f); sub(/,.*/, "", f)
		if (($1 "," f) in fd) reads++
		next
	}
	$2 ~ /^close\(/ {
		f = $2; sub(/^close\(/, "", f); sub(/\).*/, "", f)
		delete fd[$1 "," f]
	}
	END { printf "%d %d\n", opened, reads }
' "$T/trace")
OPENED=${READS% *}
READS=${READS#* }
[ "$OPENED" -ge 1 ] ||
    fail "the trace shows no openat of /proc/locks: $(head -20 "$T/trace")"
note "--status opened /proc/locks $OPENED time(s) and read it in $READS read(2) calls (at most $MAXREADS allowed); wall time without strace $(elapsed "$START" "$END") s"
[ "$READS" -le "$MAXREADS" ] ||
    fail "$READS reads of /proc/locks (at most $MAXREADS expected): $(grep -c 'read(' "$T/trace") reads in all"

# flock(1) holds the job's PID file; the file names nobody.
command -v flock >/dev/null || skip "no flock(1) to hold the PID file"
mkdir -p "$LOCKDIR"
start_bg flock "$LOCKDIR/one.pid" "$HOLD" "$T/fl.pid" "$T/fl.release"
wait_for 'test -s "$T/fl.pid"' 10
expect_rc 75 lockrun -v --config "$CONF"
stderr_has "job one is already running as pid"
note "beside $n helper(s) with $NLOCKS descriptors: $(cat "$T/stderr")"
touch "$T/fl.release" "$T/release"
