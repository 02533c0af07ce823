#!/bin/sh
# tests/valgrind-report.sh: what memcheck said of the lockruns of a
# 'make check-valgrind' run (tests/integration/lib.sh, LOCKRUN_VALGRIND):
#
#	valgrind-report.sh DIR
#
# One line of totals over DIR/*.log, then every log with something wrong:
# a memcheck error or memory definitely lost (exit 1 if there is one; 2
# if there are no logs). Then, for information, the descriptors lockrun
# opened and had open when it exited: a run that exits on an error or is
# killed leaves its files to the kernel, and that is no leak. Two are open
# at every exit by design and not listed: libev's eventfd (the default
# loop lives as long as the process) and the waiters' inotify instance.
# What matters for descriptors is what a job inherits: t-66-job-fds
# checks that, under valgrind too; and the supervisor-churn stress test
# that a long-running lockrun's count does not grow.
set -u

dir=${1:?usage: valgrind-report.sh DIR}
set -- "$dir"/*.log
[ -e "$1" ] || { echo "valgrind: no logs in $dir"; exit 2; }

awk '
FNR == 1 {
	if (prev != "")
		done(prev)
	prev = FILENAME
	errs = 0; lost = 0; fds = 0; fdwhat = ""; infd = 0; runs++
}
# memcheck errors (with -q, each is printed; there is no summary line)
/^==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function)/ {
	errs++
}
/are definitely lost in loss record/ {
	v = $2; gsub(/,/, "", v); lost += v
}
/^==[0-9]+== Open (file|AF_[A-Z0-9]+ socket) descriptor [0-9]+:/ {
	infd = 1; framed = 0; what = $0; sub(/^==[0-9]+== */, "", what); next
}
infd && /<inherited from parent>/ { infd = 0; next }
infd && /: (eventfd|inotify_init1?) / { infd = 0; next }
infd && /^==[0-9]+== +(at|by) 0x/ {
	if (!framed) {
		where = $0; sub(/^==[0-9]+== +(at|by) 0x[0-9A-Fa-f]+: */, "", where)
		what = what " " where; framed = 1
	}
	next
}
infd && /^==[0-9]+== *$/ { fds++; fdwhat = fdwhat " [" what "]"; infd = 0; next }
END {
	if (prev != "")
		done(prev)
	printf "valgrind: %d lockrun runs under memcheck: %d errors, %d bytes definitely lost\n", runs, terrs, tlost
	for (i = 1; i <= nbad; i++)
		print "  " bad[i]
	printf "valgrind: for information, %d descriptors were open when %d runs ended (on an error, or killed):\n", tfds, nfdruns
	for (i = 1; i <= nfd; i++)
		print "  " fdlist[i]
	exit (terrs + tlost > 0)
}
function done(f) {
	terrs += errs; tlost += lost; tfds += fds
	if (errs + lost > 0)
		bad[++nbad] = sprintf("%s: %d errors, %d bytes lost", f, errs, lost)
	if (fds > 0) {
		nfdruns++
		fdlist[++nfd] = sprintf("%s:%s", f, fdwhat)
	}
}
' "$@"
