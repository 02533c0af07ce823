#!/bin/sh
# tests/fuzz/coverage.sh: the line coverage of lockrun's sources that the
# fuzz corpora reach, from harnesses built with clang's source-based
# coverage ('make fuzz-coverage' builds them and calls this).
#
#	coverage.sh -b COVBIN [-w WORKDIR] [HARNESS...]
#
# Each harness runs every input of tests/fuzz/corpus/HARNESS and, if there
# is one, WORKDIR/HARNESS (what fuzz-run found) once; llvm-cov then says
# which lines of what the harness is for (files of src/, or functions of
# util.c) ran.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=
work=
while getopts b:w: opt; do
	case $opt in
	b) bin=$OPTARG ;;
	w) work=$OPTARG ;;
	*) echo "usage: coverage.sh -b COVBIN [-w WORKDIR] [HARNESS...]" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$bin" ] || { echo "coverage.sh: -b COVBIN is needed" >&2; exit 64; }
[ $# -gt 0 ] || set -- conf_load duration number options

tool() {
	for t in "$1" "$1-16" "$1-15" "$1-14"; do
		command -v "$t" >/dev/null && { echo "$t"; return; }
	done
	echo "coverage.sh: no $1 (Debian: llvm)" >&2
	exit 1
}
profdata=$(tool llvm-profdata)
cov=$(tool llvm-cov)

for h in "$@"; do
	dirs=$here/corpus/$h
	[ -n "$work" ] && [ -d "$work/$h" ] && dirs="$dirs $work/$h"
	rm -f "$bin/$h.profraw"
	# shellcheck disable=SC2086
	LLVM_PROFILE_FILE=$bin/$h.profraw "$bin/$h" -runs=0 \
	    -max_len=16384 $dirs >"$bin/$h.run.log" 2>&1 ||
	    { tail -20 "$bin/$h.run.log"; exit 1; }
	"$profdata" merge -sparse -o "$bin/$h.profdata" "$bin/$h.profraw"
	inputs=0
	for d in $dirs; do
		inputs=$((inputs + $(find "$d" -type f | wc -l)))
	done
	"$cov" export "$bin/$h" -instr-profile="$bin/$h.profdata" \
	    >"$bin/$h.json"
	python3 - "$bin/$h.json" "$h" "$inputs" <<'PY'
import json, sys

# What each harness is for: whole files of src/, or functions of util.c.
targets = {
    "conf_load": ["conf.c", "conf_expand.c", "conf_hash.c", "conf_ini.c",
                  "conf_keys.c"],
    "duration": ["util_parse_duration", "util_format_duration"],
    "number": ["util_parse_int", "util_parse_uint", "util_parse_bool",
               "util_parse_signal", "util_signame", "util_valid_name"],
    "options": ["options.c"],
}
path, harness, inputs = sys.argv[1], sys.argv[2], sys.argv[3]
data = json.load(open(path))["data"][0]

# Line counts of each file: the count of the innermost region on a line.
lines = {}
for fn in data["functions"]:
    name = fn["filenames"][0]
    for r in fn["regions"]:
        l0, c0, l1, c1, count, fid, _, kind = r[:8]
        if kind != 0 or fid != 0:
            continue
        size = (l1 - l0) * 1000 + (c1 - c0)
        for l in range(l0, l1 + 1):
            cur = lines.setdefault(name, {}).get(l)
            if cur is None or size < cur[0]:
                lines[name][l] = (size, count)

def covered(name, lo=0, hi=10 ** 9):
    ls = [c for l, (_, c) in lines.get(name, {}).items() if lo <= l <= hi]
    return sum(1 for c in ls if c > 0), len(ls)

print("coverage %s (%s inputs):" % (harness, inputs))
tot = [0, 0]
for t in targets[harness]:
    if t.endswith(".c"):
        names = [n for n in lines if n.endswith("/src/" + t)]
        hit, n = covered(names[0]) if names else (0, 0)
    else:
        fns = [f for f in data["functions"] if f["name"] == t]
        if not fns:
            continue
        regs = [r for r in fns[0]["regions"] if r[7] == 0 and r[5] == 0]
        hit, n = covered(fns[0]["filenames"][0], min(r[0] for r in regs),
                         max(r[2] for r in regs))
    tot[0] += hit
    tot[1] += n
    print("  %-22s %4d of %4d lines, %5.1f%%" % (t, hit, n, 100.0 * hit / max(n, 1)))
print("  %-22s %4d of %4d lines, %5.1f%%" % ("all", tot[0], tot[1], 100.0 * tot[0] / max(tot[1], 1)))
PY
done
