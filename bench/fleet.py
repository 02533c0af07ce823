#!/usr/bin/python3
"""bench/fleet.py: fleet handoff, lockrun on ZooKeeper against etcdctl lock.

Run through bench/fleet.sh. Starts a standalone ZooKeeper and a single
etcd, both on loopback with their data on tmpfs and their default sync
settings, and measures, for each tool:

  handoff    host A's command ends (stamp -w, written as late as it can)
             -> host B's command starts (stamp, as early as it can); B has
             been waiting in line all along. Median and p90 over the rounds.
  acquire    an uncontended run: lockrun/etcdctl started -> command starts.
  requests   requests the server received per acquisition, waiting
             included (ZooKeeper: srvr's "Received", pings included; etcd:
             grpc_server_started_total). Waiting must not poll.
"""
import argparse, os, shutil, signal, socket, statistics, subprocess, sys
import tempfile, time, urllib.request

def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports

def four(port, word):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(word.encode())
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                return out.decode()
            out += b
    except OSError:
        return ""

def wait(cond, secs, what):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise SystemExit("bench: timed out waiting for " + what)

def read_ns(path):
    with open(path) as f:
        return int(f.read().strip())

class ZK:
    def __init__(self, work):
        self.port, = free_ports(1)
        d = os.path.join(work, "zk")
        os.makedirs(os.path.join(d, "data"))
        with open(os.path.join(d, "zoo.cfg"), "w") as f:
            f.write("tickTime=500\ninitLimit=10\nsyncLimit=5\n"
                    "dataDir=%s/data\nclientPort=%d\nclientPortAddress=127.0.0.1\n"
                    "admin.enableServer=false\n4lw.commands.whitelist=*\n"
                    "maxClientCnxns=0\n" % (d, self.port))
        self.p = subprocess.Popen(
            ["java", "-Xmx256m", "-Dzookeeper.admin.enableServer=false",
             "-cp", d + ":/usr/share/java/zookeeper.jar",
             "org.apache.zookeeper.server.quorum.QuorumPeerMain",
             os.path.join(d, "zoo.cfg")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(lambda: "Mode:" in four(self.port, "srvr"), 60, "zookeeper")

    def requests(self):
        for line in four(self.port, "srvr").splitlines():
            if line.startswith("Received:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.p.kill()
        self.p.wait()

class Etcd:
    def __init__(self, work):
        self.port, peer = free_ports(2)
        self.url = "http://127.0.0.1:%d" % self.port
        self.p = subprocess.Popen(
            ["etcd", "--data-dir", os.path.join(work, "etcd"),
             "--listen-client-urls", self.url,
             "--advertise-client-urls", self.url,
             "--listen-peer-urls", "http://127.0.0.1:%d" % peer,
             "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % peer,
             "--initial-cluster", "default=http://127.0.0.1:%d" % peer],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(lambda: subprocess.run(
            ["etcdctl", "--endpoints", self.url, "endpoint", "health"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0,
            60, "etcd")

    def requests(self):
        n = 0
        with urllib.request.urlopen(self.url + "/metrics") as r:
            for line in r.read().decode().splitlines():
                if line.startswith("grpc_server_started_total"):
                    n += int(float(line.split()[-1]))
        return n

    def stop(self):
        self.p.kill()
        self.p.wait()

def cmd_lockrun(a, host, name, argv):
    env = dict(os.environ, LOCKRUN_HOSTNAME=host,
               LOCKRUN_LOCK_DIR=os.path.join(a.work, "host-" + host))
    os.makedirs(env["LOCKRUN_LOCK_DIR"], exist_ok=True)
    return ([a.lockrun, "--zookeeper", "127.0.0.1:%d/bench" % a.zk.port,
             "--semaphore", name, "--slots", "1", "--"] + argv, env)

def cmd_etcdctl(a, host, name, argv):
    return (["etcdctl", "--endpoints", a.etcd.url, "lock", name, "--"] + argv,
            dict(os.environ))

def handoff(a, make, rounds, server):
    """Median and p90 handoff in ms, and server requests per acquisition."""
    out = []
    before = server.requests()
    for i in range(rounds):
        name = "h%d" % i
        fifo = os.path.join(a.work, "go")
        for f in (fifo, a.end, a.start):
            if os.path.exists(f):
                os.unlink(f)
        os.mkfifo(fifo)
        ca, ea = make(a, "a", name, [a.stamp, "-w", fifo, a.end])
        pa = subprocess.Popen(ca, env=ea, stderr=subprocess.DEVNULL)
        # A holds once its command opens the FIFO: our open returns then.
        fd = os.open(fifo, os.O_WRONLY)
        cb, eb = make(a, "b", name, [a.stamp, a.start])
        pb = subprocess.Popen(cb, env=eb, stderr=subprocess.DEVNULL)
        time.sleep(0.3)         # B is in line by then (not measured)
        os.write(fd, b"x")
        os.close(fd)
        pa.wait()
        pb.wait()
        out.append((read_ns(a.start) - read_ns(a.end)) / 1e6)
    reqs = (server.requests() - before) / (2.0 * rounds)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.9) - 1], reqs

def acquire(a, make, rounds):
    out = []
    for i in range(rounds):
        c, e = make(a, "a", "acq", [a.stamp, a.start])
        t0 = time.monotonic_ns()
        subprocess.run(c, env=e, stderr=subprocess.DEVNULL, check=True)
        out.append((read_ns(a.start) - t0) / 1e6)
    return statistics.median(out)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lockrun", required=True)
    p.add_argument("--stamp", required=True)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args()
    a.work = tempfile.mkdtemp(prefix="lockrun-fleet-bench.",
                              dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    a.start = os.path.join(a.work, "start")
    a.end = os.path.join(a.work, "end")
    a.zk = a.etcd = None
    try:
        a.zk = ZK(a.work)
        print("bench: zookeeper on port %d" % a.zk.port, file=sys.stderr)
        a.etcd = Etcd(a.work)
        print("bench: etcd at %s" % a.etcd.url, file=sys.stderr)
        rows = []
        for tool, make, server in (("lockrun --zookeeper", cmd_lockrun, a.zk),
                                   ("etcdctl lock", cmd_etcdctl, a.etcd)):
            med, p90, reqs = handoff(a, make, a.rounds, server)
            acq = acquire(a, make, max(10, a.rounds // 3))
            rows.append((tool, med, p90, acq, reqs))
        print("%-22s %12s %12s %14s %14s" % ("tool", "handoff p50", "handoff p90",
                                            "acquire p50", "requests/acq"))
        for r in rows:
            print("%-22s %9.2f ms %9.2f ms %11.2f ms %14.1f" % r)
    finally:
        for s in (a.zk, a.etcd):
            if s is not None:
                s.stop()
        shutil.rmtree(a.work, ignore_errors=True)

if __name__ == "__main__":
    main()
