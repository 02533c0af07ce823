#!/bin/sh
# Install what lockrun needs to build and test, and to build and check its
# Debian package (packaging/test-deb.sh), from Debian's packages.
# Debian 12 / Ubuntu 22.04 or later, as root. Safe to run again.
set -eu

# libzookeeper-st-dev: fleet mode; zookeeper and a JRE: its tests (a real
# server on loopback), which are skipped without them.
pkgs="build-essential autoconf automake libtool pkg-config
libev-dev libinih-dev check libzookeeper-st-dev
util-linux bsdutils procps python3 python3-portalocker
btrfs-progs strace groff-base mandoc
zookeeper default-jre-headless
bash-completion systemd logrotate
dpkg-dev debhelper fakeroot lintian
clang llvm valgrind"

# libFuzzer's runtime (configure --enable-fuzzing): a package of its own on
# Debian 12, part of libclang-common-*-dev on Ubuntu 22.04.
if apt-cache show libclang-rt-dev >/dev/null 2>&1; then
	pkgs="$pkgs libclang-rt-dev"
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
