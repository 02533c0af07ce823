# tests/integration/zk-lib.sh: real ZooKeeper servers for the fleet tests.
#
# After lib.sh:
#	. "$TESTDIR/zk-lib.sh"
#	zk_start 1		one standalone server, or
#	zk_start 3		a 3-server ensemble, all on free loopback ports,
#				each with a private data dir under $T; waits
#				until the ensemble serves. ZK is then the
#				connect string ("127.0.0.1:P1,...").
#	zk_start 3 P		the same, with the connections server P
#				makes to its peers (a follower's to its
#				leader, its election ones) through a TCP
#				proxy: P's config names the others at the
#				proxy's ports. (A fresh ensemble's leader is
#				the highest server of the first quorum, so
#				P = 1 is a follower.)
#	zk_proxy_stop / zk_proxy_cont	SIGSTOP / SIGCONT that proxy: P is
#				cut off from its leader (connections stay
#				open, nothing passes), and put back
#	zk_kill N		SIGKILL server N (1..3)
#	zk_stop_server N / zk_cont_server N	SIGSTOP / SIGCONT server N
#	zk_leader		the number of the leader (ensemble)
#	zk_ruok N		true if server N answers
#	as_host NAME CMD...	run CMD as host NAME: its own lock dir
#				($T/host-NAME) and LOCKRUN_HOSTNAME=NAME
#	start_host NAME CMD...	the same in the background (start_bg):
#				BG_PID is CMD's own pid
#
# The servers are started with start_bg and carry the test's tag, so the
# cleanup of lib.sh stops them, even when the test fails. Without a JRE or
# the zookeeper package, or with a lockrun built without ZooKeeper
# support, the test is skipped (77): packaging/install-deps.sh installs
# them, so CI runs these tests.

# shellcheck shell=sh

ZK_JAR=${ZK_JAR:-/usr/share/java/zookeeper.jar}
ZK_TICK=${ZK_TICK:-500}		# ms; sessions may be 2..20 ticks

command -v java >/dev/null 2>&1 ||
	skip "no java: install default-jre-headless (packaging/install-deps.sh)"
[ -r "$ZK_JAR" ] ||
	skip "no $ZK_JAR: install zookeeper (packaging/install-deps.sh)"
ZK_PY=$(command -v python3) || skip "no python3"
if "$LOCKRUN" --zookeeper 127.0.0.1:1 2>&1 | grep -q 'built without'; then
	skip "lockrun was built without ZooKeeper support"
fi

# zk_free_ports N: N free loopback TCP ports, one a line (held open
# together while asked for, so they differ).
zk_free_ports() {
	"$ZK_PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
}

# zk_four PORT WORD: ZooKeeper's four-letter command WORD on PORT; its answer.
zk_four() {
	"$ZK_PY" - "$1" "$2" <<'EOF' 2>/dev/null
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(sys.argv[2].encode())
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
    sys.stdout.write(out.decode(errors="replace"))
except OSError:
    sys.exit(1)
EOF
}

# zk_port N: the client port of server N.
zk_port() {
	eval "printf '%s' \"\$ZK_PORT_$1\""
}

# zk_serving N: server N serves requests (in a quorum, if an ensemble).
zk_serving() {
	zk_four "$(zk_port "$1")" srvr | grep -q '^Mode: '
}

zk_ruok() {
	zk_four "$(zk_port "$1")" ruok | grep -q imok
}

# zk_start_server N: start server N of ZK_N with the configs made by zk_start.
zk_start_server() {
	_zk_d=$T/zk/$1
	# A small, quick JVM: a test server holds a few hundred nodes.
	start_bg java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
	    -Dzookeeper.admin.enableServer=false \
	    -Dzookeeper.jmx.log4j.disable=true \
	    -cp "$_zk_d:$ZK_JAR" \
	    org.apache.zookeeper.server.quorum.QuorumPeerMain "$_zk_d/zoo.cfg" \
	    >"$_zk_d/out" 2>&1
	eval "ZK_PID_$1=\$BG_PID"
}

# zk_proxy_start PORT...: start a proxy that forwards a loopback port of
# its own to each PORT; ZK_PROXY_PORTS: its ports, in the same order.
zk_proxy_start() {
	cat >"$T/zk/proxy.py" <<'EOF'
import os, selectors, socket, sys
# proxy FILE PORT...: forward a free loopback port to each PORT; the ports
# one a line to FILE (atomically).
sel = selectors.DefaultSelector()
peer = {}
ports = []
for target in sys.argv[2:]:
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    sel.register(ls, selectors.EVENT_READ, int(target))
    ports.append(str(ls.getsockname()[1]))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("\n".join(ports) + "\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
def close(s):
    for x in (s, peer.pop(s, None)):
        if x is not None:
            peer.pop(x, None)
            sel.unregister(x)
            x.close()
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if key.data is not None:
            c, _ = s.accept()
            try:
                u = socket.create_connection(("127.0.0.1", key.data))
            except OSError:
                c.close()
                continue
            peer[c], peer[u] = u, c
            sel.register(c, selectors.EVENT_READ)
            sel.register(u, selectors.EVENT_READ)
            continue
        if s not in peer:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            close(s)
            continue
        try:
            peer[s].sendall(data)
        except OSError:
            close(s)
EOF
	start_bg "$ZK_PY" "$T/zk/proxy.py" "$T/zk/proxy.ports" "$@"
	ZK_PROXY_PID=$BG_PID
	# shellcheck disable=SC2016
	wait_for 'test -s "$T/zk/proxy.ports"' 30
	ZK_PROXY_PORTS=$(cat "$T/zk/proxy.ports")
}

# zk_start N [P]: see above.
zk_start() {
	ZK_N=$1
	ZK_PROXIED=${2:-0}
	mkdir -p "$T/zk"
	# shellcheck disable=SC2046
	set -- $(zk_free_ports $((ZK_N * 3)))
	_zk_i=1
	_zk_servers=
	_zk_peer_ports=
	ZK=
	while [ "$_zk_i" -le "$ZK_N" ]; do
		eval "ZK_PORT_$_zk_i=\$1"
		_zk_servers="${_zk_servers}server.$_zk_i=127.0.0.1:$2:$3
"
		[ "$_zk_i" -eq "$ZK_PROXIED" ] ||
		    _zk_peer_ports="$_zk_peer_ports $2 $3"
		ZK="$ZK${ZK:+,}127.0.0.1:$1"
		shift 3
		_zk_i=$((_zk_i + 1))
	done
	# Server P's list: itself as it is, the others at the proxy's ports.
	_zk_proxied=
	if [ "$ZK_PROXIED" -gt 0 ]; then
		# shellcheck disable=SC2086
		zk_proxy_start $_zk_peer_ports
		# shellcheck disable=SC2086
		set -- $ZK_PROXY_PORTS
		_zk_i=1
		while [ "$_zk_i" -le "$ZK_N" ]; do
			if [ "$_zk_i" -eq "$ZK_PROXIED" ]; then
				_zk_proxied="$_zk_proxied$(printf '%s' \
				    "$_zk_servers" | grep "^server\.$_zk_i=")
"
			else
				_zk_proxied="${_zk_proxied}server.$_zk_i=127.0.0.1:$1:$2
"
				shift 2
			fi
			_zk_i=$((_zk_i + 1))
		done
	fi
	_zk_i=1
	while [ "$_zk_i" -le "$ZK_N" ]; do
		_zk_d=$T/zk/$_zk_i
		mkdir -p "$_zk_d/data"
		echo "$_zk_i" >"$_zk_d/data/myid"
		{
			echo "tickTime=$ZK_TICK"
			echo "initLimit=20"
			echo "syncLimit=10"
			echo "dataDir=$_zk_d/data"
			echo "clientPort=$(zk_port "$_zk_i")"
			echo "clientPortAddress=127.0.0.1"
			echo "admin.enableServer=false"
			echo "4lw.commands.whitelist=*"
			echo "forceSync=no"
			echo "maxClientCnxns=0"
			if [ "$_zk_i" -eq "$ZK_PROXIED" ]; then
				printf '%s' "$_zk_proxied"
			elif [ "$ZK_N" -gt 1 ]; then
				printf '%s' "$_zk_servers"
			fi
		} >"$_zk_d/zoo.cfg"
		zk_start_server "$_zk_i"
		_zk_i=$((_zk_i + 1))
	done
	_zk_i=1
	while [ "$_zk_i" -le "$ZK_N" ]; do
		wait_for "zk_serving $_zk_i" 60
		_zk_i=$((_zk_i + 1))
	done
	note "zookeeper: $ZK_N server(s) at $ZK"
}

zk_kill() {
	eval "kill -KILL \"\$ZK_PID_$1\""
}

zk_stop_server() {
	eval "kill -STOP \"\$ZK_PID_$1\""
}

zk_cont_server() {
	eval "kill -CONT \"\$ZK_PID_$1\""
}

zk_proxy_stop() {
	kill -STOP "$ZK_PROXY_PID"
}

zk_proxy_cont() {
	kill -CONT "$ZK_PROXY_PID"
}

# zk_leader: the number of the server that leads.
zk_leader() {
	_zk_i=1
	while [ "$_zk_i" -le "$ZK_N" ]; do
		if zk_four "$(zk_port "$_zk_i")" srvr | grep -q '^Mode: leader'
		then
			echo "$_zk_i"
			return 0
		fi
		_zk_i=$((_zk_i + 1))
	done
	return 1
}

# as_host NAME CMD...: see above.
as_host() {
	_zk_h=$1
	shift
	mkdir -p "$T/host-$_zk_h"
	env LOCKRUN_HOSTNAME="$_zk_h" LOCKRUN_LOCK_DIR="$T/host-$_zk_h" "$@"
}

# start_host NAME CMD...: see above.
start_host() {
	_zk_h=$1
	shift
	mkdir -p "$T/host-$_zk_h"
	start_bg env LOCKRUN_HOSTNAME="$_zk_h" \
	    LOCKRUN_LOCK_DIR="$T/host-$_zk_h" "$@"
}
