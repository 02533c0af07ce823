#!/bin/sh
# tests/fuzz/seed-corpus.sh: remake the seed corpora of tests/fuzz/corpus/
# from what lockrun is documented and tested with:
#
#	conf_load	conf/*.ini, the INI examples of README.md and
#			lockrun.ini(5), and every job file the integration
#			tests hand to --config (t-27's bad ones included)
#	options		the lockrun command lines of README.md and lockrun(1),
#			and every one the integration tests run
#	duration, number  the words of tests/fuzz/seeds.txt
#
# then keeps, of each, the inputs that add coverage (libFuzzer -merge=1).
#
#	seed-corpus.sh BUILDDIR FUZZDIR
#
# BUILDDIR holds a built lockrun (the tests run it through a wrapper that
# records its command lines and job files); FUZZDIR the harnesses of
# 'make fuzz'. Run it again when the tests or the documentation grow, and
# commit the corpora.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
fuzz=$(cd "$2" && pwd)
raw=$(mktemp -d "${TMPDIR:-/tmp}/lockrun-seeds.XXXXXX")
trap 'rm -rf "$raw"' EXIT
mkdir "$raw/bin" "$raw/conf_load" "$raw/options" "$raw/duration" \
    "$raw/number"

# The recording wrapper: every command line, NUL-separated, and the job
# file of --config / -c, each under its SHA-1 (as libFuzzer names inputs).
cat >"$raw/bin/lockrun" <<WRAP
#!/bin/sh
f=\$(mktemp "$raw/options/x.XXXXXX")
printf '%s\\0' "\$@" >"\$f"
mv "\$f" "$raw/options/\$(sha1sum <"\$f" | cut -c1-40)"
prev=
for a in "\$@"; do
	case \$prev in
	--config|-c)
		[ -f "\$a" ] && [ "\$(wc -c <"\$a")" -le 16384 ] &&
		    cp "\$a" "$raw/conf_load/\$(sha1sum <"\$a" | cut -c1-40)"
		;;
	esac
	case \$a in
	--config=*) [ -f "\${a#*=}" ] &&
	    cp "\${a#*=}" "$raw/conf_load/\$(sha1sum <"\${a#*=}" | cut -c1-40)" ;;
	esac
	prev=\$a
done
exec "$build/lockrun" "\$@"
WRAP
chmod +x "$raw/bin/lockrun"

for t in "$src"/tests/integration/t-*.sh; do
	echo "seed-corpus: $(basename "$t")"
	TESTDIR=$src/tests/integration LOCKRUN=$raw/bin/lockrun \
	    sh "$t" >/dev/null 2>&1 || :
done

# Documented files and examples.
cp "$src"/conf/*.ini "$raw/conf_load/"
python3 - "$src" "$raw" <<'PY'
import hashlib, os, re, shlex, sys

src, raw = sys.argv[1], sys.argv[2]

def put(kind, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(raw, kind, name), 'wb') as f:
        f.write(data)

def blocks(path, start, end):
    out, cur = [], None
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if cur is None and re.match(start, line):
            cur = []
        elif cur is not None and re.match(end, line):
            out.append(cur)
            cur = None
        elif cur is not None:
            cur.append(line)
    return out

def unroff(line):
    return line.replace('\\-', '-').replace('\\&', '').replace('\\e', '\\')

found = blocks(os.path.join(src, 'README.md'), r'^```', r'^```')
found += blocks(os.path.join(src, 'man/lockrun.ini.5'), r'^\.Bd -literal', r'^\.Ed')
found += blocks(os.path.join(src, 'man/lockrun.1'), r'^\.EX', r'^\.EE')
for b in found:
    b = [unroff(l) for l in b]
    if any(re.match(r'^\[(lockrun|job:|semaphore:)', l) for l in b):
        put('conf_load', ('\n'.join(b) + '\n').encode())
    for l in b:
        l = re.sub(r'\s+#\s.*$', '', l)
        if not l.startswith('lockrun '):
            continue
        try:
            words = shlex.split(l)[1:]
        except ValueError:
            continue
        put('options', b''.join(w.encode() + b'\0' for w in words))

# duration and number: one word a line; number's first 17 bytes pick the
# parser and its bounds (see tests/fuzz/number.c).
for line in open(os.path.join(src, 'tests/fuzz/seeds.txt'), encoding='utf-8'):
    w = line.rstrip('\n')
    if not w or w.startswith('#'):
        continue
    put('duration', w.encode())
    for which, lo, hi in ((0, -20, 19), (1, 0, 255), (1, 1, 1024), (2, 0, 0)):
        head = bytes([which]) + lo.to_bytes(8, 'little', signed=True) + \
            hi.to_bytes(8, 'little', signed=True)
        put('number', head + w.encode())
PY

# Keep what adds coverage.
for h in conf_load options duration number; do
	rm -rf "$src/tests/fuzz/corpus/$h"
	mkdir -p "$src/tests/fuzz/corpus/$h"
	"$fuzz/$h" -merge=1 -max_len=16384 "$src/tests/fuzz/corpus/$h" \
	    "$raw/$h" >"$raw/$h.log" 2>&1 ||
	    { cat "$raw/$h.log"; exit 1; }
	echo "seed-corpus: $h: $(ls "$raw/$h" | wc -l) found," \
	    "$(ls "$src/tests/fuzz/corpus/$h" | wc -l) kept"
done
