#!/bin/bash
# packaging/test-deb.sh: the Debian package, end to end, as root on a
# Debian 12 host (CI runs it):
#  1. copy the tree as a clean checkout would have it (tracked files and
#     new ones, nothing built) and run 'dpkg-buildpackage -us -uc -b';
#  2. lintian: no error, no warning (overrides say why, in the package);
#  3. install it; check what it put where, 'lockrun --version', the shipped
#     jobs.ini, 'systemd-analyze verify' on the installed units, the shared
#     lock dir made by its tmpfiles.d entry;
#  4. remove it, then purge it, and check the file system is as before.
# DEB_BUILD_OPTIONS goes to the build (CI passes nocheck: the suite ran).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
fail() {
	echo "test-deb: FAIL: $*" >&2
	exit 1
}
step() {
	echo "== test-deb: $*"
}

[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i)"
if dpkg-query -W -f='${Status}' lockrun 2>/dev/null | grep -q 'installed'; then
	fail "a lockrun package is installed already: not touching it"
fi
work=$(mktemp -d /tmp/lockrun-deb.XXXXXX)
# The suite acts as user nobody too, who must reach the build.
chmod 0755 "$work"
trap 'dpkg -P lockrun >/dev/null 2>&1 || :; rm -rf "$work"' EXIT

step "a clean copy of the tree"
mkdir "$work/lockrun"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
	    while IFS= read -r -d '' f; do
		[ -e "$top/$f" ] || [ -L "$top/$f" ] || continue  # deleted
		printf '%s\0' "$f"
	    done | (cd "$top" && xargs -0 cp -a --parents -t "$work/lockrun")
else
	cp -a "$top/." "$work/lockrun/"
fi

step "dpkg-buildpackage -us -uc -b"
(cd "$work/lockrun" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
	{ tail -n 80 "$work/build.log"; fail "dpkg-buildpackage"; }
grep -E '^dpkg-deb: building package' "$work/build.log"
deb=$(echo "$work"/lockrun_*.deb)
[ -f "$deb" ] || fail "no lockrun_*.deb was built"
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Architecture\|Depends\):/  &/p'
# Linked with Debian's shared libev and libinih, as policy wants.
for lib in libev4 libinih1; do
	dpkg-deb -f "$deb" Depends | grep -q "$lib" ||
	    fail "the package does not depend on $lib: linked statically?"
done

step "lintian"
if command -v lintian >/dev/null; then
	lintian --fail-on error,warning --display-info "$work"/lockrun_*.changes \
	    >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; fail "lintian"; }
	cat "$work/lintian.log"
	echo "lintian: no errors, no warnings"
else
	fail "lintian is not installed (packaging/install-deps.sh installs it)"
fi

# Paths the package may touch, as a sorted list (not contents: dpkg's own
# database changes, and that is its business).
snapshot() {
	find /usr /etc /var/lib /opt /srv -xdev \
	    -path /var/lib/dpkg -prune -o -print 2>/dev/null | LC_ALL=C sort
	ls -d /run/lock/lockrun 2>/dev/null || :
	dpkg-query -W -f='${Package} ${Status}\n' lockrun 2>/dev/null || :
}
snapshot >"$work/before"

step "dpkg -i"
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
dpkg -L lockrun | LC_ALL=C sort >"$work/files"
for f in /usr/bin/lockrun \
    /usr/share/man/man1/lockrun.1.gz /usr/share/man/man5/lockrun.ini.5.gz \
    /etc/lockrun/jobs.ini \
    /lib/systemd/system/lockrun.service /lib/systemd/system/lockrun@.service \
    /lib/systemd/system/lockrun@.timer /usr/lib/tmpfiles.d/lockrun.conf \
    /usr/share/bash-completion/completions/lockrun \
    /etc/logrotate.d/lockrun /var/log/lockrun \
    /usr/share/doc/lockrun/copyright; do
	grep -qxF "$f" "$work/files" || fail "dpkg -L lockrun lacks $f"
	[ -e "$f" ] || fail "$f is not on the disk"
done
for f in /etc/lockrun/jobs.ini /etc/logrotate.d/lockrun; do
	dpkg-query -W -f='${Conffiles}\n' lockrun | grep -q " $f " ||
	    fail "$f is not a conffile"
done
if command -v logrotate >/dev/null; then
	logrotate -d /etc/logrotate.d/lockrun >"$work/logrotate" 2>&1 ||
	    { cat "$work/logrotate"; fail "logrotate -d /etc/logrotate.d/lockrun"; }
	echo "logrotate -d /etc/logrotate.d/lockrun: ok"
fi
echo "dpkg -L lockrun:"
while read -r f; do
	[ -f "$f" ] && echo "  $f"
done <"$work/files"

/usr/bin/lockrun --version
[ "$(/usr/bin/lockrun --version)" = "lockrun $(dpkg-query -W -f='${Version}' lockrun)" ] ||
	fail "lockrun --version does not say the package's version"
/usr/bin/lockrun --config /etc/lockrun/jobs.ini --check ||
	fail "the shipped /etc/lockrun/jobs.ini does not pass --check"

# The installed units, man pages included (Documentation=man:...).
if command -v systemd-analyze >/dev/null; then
	(cd /lib/systemd/system && systemd-analyze verify lockrun.service \
	    lockrun@example.service lockrun@example.timer) >"$work/verify" 2>&1 ||
	    { cat "$work/verify"; fail "systemd-analyze verify"; }
	[ ! -s "$work/verify" ] || { cat "$work/verify"; fail "systemd-analyze verify said something"; }
	echo "systemd-analyze verify lockrun.service lockrun@example.service lockrun@example.timer: clean"
fi
# postinst ran systemd-tmpfiles --create: the shared lock dir is there, as
# lockrun accepts it.
if command -v systemd-tmpfiles >/dev/null; then
	[ "$(stat -c '%a %U %G' /run/lock/lockrun)" = "1777 root root" ] ||
	    fail "/run/lock/lockrun: $(stat -c '%a %U %G' /run/lock/lockrun 2>&1)"
	LOCKRUN_LOCK_DIR=/var/lock/lockrun /usr/bin/lockrun --semaphore \
	    test-deb --slots 1 -- true || fail "lockrun refuses /var/lock/lockrun"
	rm -f /run/lock/lockrun/test-deb.*	# ours, nobody holds them
	echo "/run/lock/lockrun: $(stat -c '%a %U:%G' /run/lock/lockrun), accepted by lockrun"
fi
# The completion is found by bash-completion's loader.
if [ -r /usr/share/bash-completion/bash_completion ]; then
	loaded=$(bash -c '. /usr/share/bash-completion/bash_completion
	    __load_completion lockrun; complete -p lockrun' 2>&1) || :
	case $loaded in
	*_lockrun*) echo "bash completion: $loaded" ;;
	*) fail "bash does not load the completion: $loaded" ;;
	esac
fi

step "dpkg -r, then dpkg -P"
dpkg -r lockrun >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r"; }
[ ! -e /usr/bin/lockrun ] || fail "dpkg -r left /usr/bin/lockrun"
[ -e /etc/lockrun/jobs.ini ] || fail "dpkg -r removed the conffile (purge does that)"
dpkg -P lockrun >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg -P"; }
snapshot >"$work/after"
if ! diff -u "$work/before" "$work/after" >"$work/diff"; then
	cat "$work/diff"
	fail "install and purge left the file system changed"
fi
echo "install + remove + purge: nothing left ($(wc -l <"$work/before") paths compared)"
echo "test-deb: PASS"
