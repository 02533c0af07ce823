#!/bin/sh
# bench/fleet.sh: fleet handoff and load, lockrun on ZooKeeper against
# etcdctl lock on etcd, side by side (bench/fleet.py says what is measured).
# Installs the servers from Debian's packages when missing and builds
# lockrun if needed. Usage: bench/fleet.sh [--rounds N]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

need=""
command -v java >/dev/null || need="$need default-jre-headless"
[ -r /usr/share/java/zookeeper.jar ] || need="$need zookeeper"
command -v etcd >/dev/null || need="$need etcd-server"
command -v etcdctl >/dev/null || need="$need etcd-client"
command -v cc >/dev/null || need="$need build-essential"
if [ -n "$need" ]; then
	echo "bench: installing$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
lockrun=${LOCKRUN:-$top/build/lockrun}
if [ ! -x "$lockrun" ]; then
	echo "bench: building lockrun in $top/build" >&2
	(cd "$top" && autoreconf -fi >/dev/null 2>&1 && mkdir -p build &&
	    cd build && ../configure -q && make -s -j2 lockrun)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/lockrun-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/stamp" "$here/stamp.c"
/usr/bin/python3 "$here/fleet.py" --lockrun "$lockrun" --stamp "$work/stamp" "$@"
