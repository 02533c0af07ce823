#!/bin/sh
# tests/fuzz/run.sh: run the libFuzzer harnesses built by 'make fuzz' on
# their committed seed corpora, and say in one line each what they did.
#
#	run.sh [-t SECONDS] [-n RUNS] [-b BINDIR] [HARNESS...]
#
# -t: time per harness (default 60); -n: stop after RUNS executions instead
# (RELIABILITY.md's long run: -n 10000000). BINDIR holds the harnesses
# (default: tests/fuzz of the current build directory); new inputs go to
# BINDIR/work/HARNESS, never into the committed corpus, and anything that
# crashes to BINDIR/work/HARNESS-crash-*. Exits 1 if any harness failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
secs=60
runs=
bindir=tests/fuzz
while getopts t:n:b: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	n) runs=$OPTARG ;;
	b) bindir=$OPTARG ;;
	*) echo "usage: run.sh [-t SECONDS] [-n RUNS] [-b BINDIR] [HARNESS...]" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- conf_load duration number options

# Longest input per harness: a job file may hold long lines; the others
# are a word or a command line.
max_len() {
	case $1 in
	conf_load) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

failed=0
for h in "$@"; do
	bin=$bindir/$h
	if [ ! -x "$bin" ]; then
		echo "fuzz $h: no harness at $bin (configure --enable-fuzzing; make fuzz)"
		failed=1
		continue
	fi
	work=$bindir/work/$h
	mkdir -p "$work"
	log=$bindir/work/$h.log
	set -- -max_len="$(max_len "$h")" -print_final_stats=1 \
	    -artifact_prefix="$work-crash-" "$work" "$here/corpus/$h"
	[ -f "$here/$h.dict" ] && set -- -dict="$here/$h.dict" "$@"
	if [ -n "$runs" ]; then
		set -- -runs="$runs" "$@"
	else
		set -- -max_total_time="$secs" "$@"
	fi
	stamp=$bindir/work/.$h.start
	: >"$stamp"
	start=$(date +%s)
	"$bin" "$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 |
	    sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
	crashes=$(find "$bindir/work" -maxdepth 1 -name "$h-crash-*" \
	    -newer "$stamp" | wc -l)
	echo "fuzz $h: ${execs:-?} runs in $((end - start)) s, ${cov:-cov ?}," \
	    "$crashes crash file(s), exit $rc"
	if [ "$rc" -ne 0 ]; then
		failed=1
		grep -E -A30 '^==[0-9]+==|runtime error|^[a-z_]+: .*: ' "$log" |
		    head -60
	fi
done
exit "$failed"
