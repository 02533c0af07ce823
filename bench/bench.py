"""bench.py: lockrun against flock(1), GNU sem and portalocker.

Run through bench/run, which installs the peers and builds the helpers.
Every figure is measured here, in this run, on this machine; nothing is
copied from elsewhere. Timing goals are checked here, never in tests.
"""

import argparse
import errno
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time

SEM_FLAGS = ["--will-cite"]

# x86_64 system call numbers, as /proc/PID/syscall shows the one a process
# is blocked in: how the harness sees that a poller sleeps between polls.
SYS_PSELECT6 = 270        # GNU sem (perl's select)
SYS_CLOCK_NANOSLEEP = 230  # portalocker (python's time.sleep)


def pct(values, p):
    """The p-th percentile (nearest rank) of values."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def spread(values, unit="ms", scale=1e3):
    """min / median / max as text."""
    return "%.2f / %.2f / %.2f %s" % (
        min(values) * scale, statistics.median(values) * scale,
        max(values) * scale, unit)


def compare(peer, lockrun):
    """A peer's figure against lockrun's (lower is better for both)."""
    r = peer / lockrun
    if r >= 2:
        return "lockrun is %.0fx faster" % r
    return "%.2fx lockrun" % r


def run_wait(argv, **kw):
    """Run argv; return (wall seconds, rusage, status)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, **kw)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = 0  # reaped here; keep Popen from waiting again
    return time.perf_counter() - t0, ru, status


def peak_rss(argv):
    """Peak RSS in KiB of argv, by GNU time (forked from a small process)."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "/dev/stderr"]
                         + argv, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1])


def proc_cpu(pid):
    """CPU seconds pid itself has used (live or zombie), to the nanosecond."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0]) / 1e9


def vm_hwm(pid):
    """Peak resident set of pid in KiB, or 0."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_exit_nowait(pid):
    """Wait until pid has exited, without reaping it (it stays a zombie)."""
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)


def reap(p):
    """Wait for Popen p; (status, rusage of it and its reaped children)."""
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return status, ru


def cpu_of(ru):
    return ru.ru_utime + ru.ru_stime


def csw_of(ru):
    return ru.ru_nvcsw + ru.ru_nivcsw


def wait_until(pred, timeout, what, step=0.0005):
    """Poll pred until it is true; its value. Fails after timeout seconds."""
    end = time.perf_counter() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.perf_counter() > end:
            raise RuntimeError("bench: timed out waiting for " + what)
        time.sleep(step)


def in_syscall(pid, nrs):
    """Is pid blocked in one of the system calls nrs (/proc/PID/syscall)?"""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            nr = f.read().split(None, 1)[0]
    except (OSError, IndexError):
        return False
    return nr.isdigit() and int(nr) in nrs


def lock_id(path):
    """The device:inode by which /proc/locks names path's file."""
    st = os.stat(path)
    return "%02x:%02x:%d" % (os.major(st.st_dev), os.minor(st.st_dev),
                             st.st_ino)


def proc_locks(ident):
    """flock(2) locks on the file ident: [(blocked, mode, pid)]."""
    out = []
    with open("/proc/locks") as f:
        for line in f:
            if ident not in line:
                continue
            w = line.split()
            blocked = w[1] == "->"
            if blocked:
                w = w[1:]
            if w[1] != "FLOCK" or w[5] != ident:
                continue
            out.append((blocked, w[3], int(w[4])))
    return out


def open_trigger(fifo):
    """The FIFO's write end, once its reader (a holder's command) opened it:
    proof that the holder holds the lock. None while nobody reads it."""
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            return None
        raise


def lockrun_ticket(qroot, pid):
    """The name of pid's ticket in any queue under qroot, or None."""
    tail = ".%d." % pid
    try:
        dirs = os.listdir(qroot)
    except FileNotFoundError:
        return None
    for d in dirs:
        try:
            names = os.listdir(os.path.join(qroot, d))
        except OSError:
            continue
        for name in names:
            if tail in name and not name.startswith("."):
                return name
    return None


def inversions(seq):
    """Pairs out of order in seq (merge sort count)."""
    def sort(a):
        if len(a) <= 1:
            return a, 0
        m = len(a) // 2
        left, x = sort(a[:m])
        right, y = sort(a[m:])
        out, i, j, inv = [], 0, 0, x + y
        while i < len(left) and j < len(right):
            if left[i] <= right[j]:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                inv += len(left) - i
                j += 1
        out += left[i:] + right[j:]
        return out, inv
    return sort(list(seq))[1]


class Bench:
    def __init__(self, args):
        self.a = args
        self.lockrun = args.lockrun
        self.stamp = args.stamp
        self.work = args.work
        self.rows = []
        self.quick = args.quick
        self.procs = []         # (Popen, own session): ended on the way out
        # lockrun's lock dir (its queues), private to this run.
        self.lockdir = self.path("lockdir")
        os.makedirs(self.lockdir, mode=0o700, exist_ok=True)
        os.environ["LOCKRUN_LOCK_DIR"] = self.lockdir

    def path(self, name):
        return os.path.join(self.work, name)

    def fresh(self, name):
        """An empty private directory in the work dir."""
        d = self.path(name)
        if os.path.exists(d):
            subprocess.run(["rm", "-rf", d], check=True)
        os.makedirs(d, mode=0o700)
        return d

    def spawn(self, argv, session=False, **kw):
        """Start argv; it is ended (by its pid) if the harness stops early."""
        p = subprocess.Popen(argv, start_new_session=session, **kw)
        self.procs.append((p, session))
        return p

    def cleanup(self):
        """End whatever this harness started and is still running."""
        for p, session in self.procs:
            if p.returncode is not None or p.poll() is not None:
                continue
            try:
                if session:
                    os.killpg(p.pid, signal.SIGKILL)
                else:
                    p.kill()
                p.wait()
            except (ProcessLookupError, ChildProcessError):
                pass
        self.procs = []

    def row(self, scenario, tool, figure, ratio=""):
        self.rows.append((scenario, tool, figure, ratio))
        print("  %-10s %-28s %s %s" % (scenario, tool, figure, ratio),
              file=sys.stderr, flush=True)

    # 1 -----------------------------------------------------------------
    def overhead(self):
        n = 100 if self.quick else 500
        lock = self.path("o.lock")
        tools = [
            ("lockrun --lock F true",
             [self.lockrun, "--lock", lock, "--", "true"]),
            ("flock F true", ["flock", lock, "true"]),
            ("true", ["true"]),
        ]
        for name, argv in tools:
            for _ in range(20):  # warm caches
                run_wait(argv)
        # Round robin, so that drift in the machine's load hits all alike.
        walls = {name: [] for name, _ in tools}
        for _ in range(n):
            for name, argv in tools:
                w, _, st = run_wait(argv)
                assert st == 0, (name, st)
                walls[name].append(w)
        res = {name: (walls[name], peak_rss(argv)) for name, argv in tools}
        base = statistics.median(res["flock F true"][0])
        for name, (walls, rss) in res.items():
            ratio = "%.2fx flock" % (statistics.median(walls) / base)
            self.row("1 overhead", name,
                     "%s per run, peak RSS %d KiB (%d runs)"
                     % (spread(walls), rss, n), ratio)
        return statistics.median(res[tools[0][0]][0]) / base

    # 2 -----------------------------------------------------------------
    def handoff_one(self, holder, waiter, waits, period):
        """One handoff: holder ends on a trigger; seconds until waiter runs.

        Before the trigger: the holder holds (its command has opened the
        FIFO, which it does only under the lock) and the waiter waits (a
        tool's own sign: lockrun's ticket, flock's blocked request in
        /proc/locks, a poller asleep between polls). The trigger then comes
        at a random point of one poll period, so that a poller's phase is
        not always the same."""
        fifo = self.path("trigger")
        end, start = self.path("end"), self.path("start")
        for f in (fifo, end, start):
            if os.path.exists(f):
                os.unlink(f)
        os.mkfifo(fifo)
        quiet = dict(stdout=subprocess.DEVNULL)  # portalocker 2.2 prints
        h = self.spawn(holder(fifo, end), **quiet)
        tfd = wait_until(lambda: open_trigger(fifo), 30, "the holder")
        w = self.spawn(waiter(start), **quiet)
        wait_until(lambda: waits(w.pid), 30, "the waiter to wait")
        time.sleep(random.uniform(0, period))
        # Both still where they should be, right before the trigger.
        assert h.poll() is None and not os.path.exists(start)
        wait_until(lambda: waits(w.pid), 5, "the waiter to wait again",
                   step=0.0002)
        os.write(tfd, b"x")
        os.close(tfd)
        h.wait()
        w.wait()
        assert h.returncode == 0 and w.returncode == 0, \
            (h.returncode, w.returncode)
        with open(end) as f:
            t_end = int(f.read())
        with open(start) as f:
            t_start = int(f.read())
        return (t_start - t_end) / 1e9

    def handoff(self):
        lock = self.path("h.lock")
        open(lock, "a").close()
        ident = lock_id(lock)
        qroot = os.path.join(self.lockdir, "queue")
        st = self.stamp
        py = ("import os, sys, portalocker\n"
              "l = portalocker.Lock(sys.argv[1], 'a', timeout=120)\n"
              "l.acquire()\n"
              "os.execv(sys.argv[2], sys.argv[2:])\n")
        n = 40 if self.quick else 200

        def flock_blocked(pid):
            return any(b and p == pid for b, _, p in proc_locks(ident))

        peers = [
            ("lockrun", n, 0.01,
             lambda fifo, end: [self.lockrun, "--lock", lock, "--", st,
                                "-w", fifo, end],
             lambda start: [self.lockrun, "--lock", lock, "--", st, start],
             lambda pid: lockrun_ticket(qroot, pid) is not None),
            ("flock (kernel wait)", n, 0.01,
             lambda fifo, end: ["flock", lock, st, "-w", fifo, end],
             lambda start: ["flock", lock, st, start],
             flock_blocked),
            ("portalocker.Lock (0.25 s poll)", 10 if self.quick else 50, 0.25,
             lambda fifo, end: ["flock", lock, st, "-w", fifo, end],
             lambda start: ["/usr/bin/python3", "-c", py, lock, st, start],
             lambda pid: in_syscall(pid, (SYS_CLOCK_NANOSLEEP,))),
            ("GNU sem --id (backoff)", 5 if self.quick else 20, 1.0,
             lambda fifo, end: ["sem"] + SEM_FLAGS +
             ["--id", "lockrun-bench", "-j1", "--fg", st, "-w", fifo, end],
             lambda start: ["sem"] + SEM_FLAGS +
             ["--id", "lockrun-bench", "-j1", "--fg", st, start],
             lambda pid: in_syscall(pid, (SYS_PSELECT6,))),
        ]
        out = {}
        # lockrun and flock alternate, so that drift in the machine's load
        # hits both alike.
        fast = [x for x in peers if x[2] < 0.1]
        for name, *_ in peers:
            out[name] = []
        for _ in range(n):
            for name, count, period, holder, waiter, waits in fast:
                out[name].append(self.handoff_one(holder, waiter, waits,
                                                  period))
        for name, count, period, holder, waiter, waits in peers:
            if period < 0.1:
                continue
            for _ in range(count):
                out[name].append(self.handoff_one(holder, waiter, waits,
                                                  period))
        base = statistics.median(out["lockrun"])
        for name, lat in out.items():
            ratio = "" if name == "lockrun" else \
                compare(statistics.median(lat), base)
            self.row("2 handoff", name, "median %.3f ms, p99 %.3f ms, "
                     "min/max %.3f/%.3f ms (%d handoffs)"
                     % (statistics.median(lat) * 1e3, pct(lat, 99) * 1e3,
                        min(lat) * 1e3, max(lat) * 1e3, len(lat)), ratio)
        kern = statistics.median(out["flock (kernel wait)"])
        return base, pct(out["lockrun"], 99), base / kern

    # 3 -----------------------------------------------------------------
    def makespan(self, argv_of, n):
        t0 = time.perf_counter()
        procs = [self.spawn(argv_of(i), stdout=subprocess.DEVNULL)
                 for i in range(n)]
        bad = sum(1 for p in procs if p.wait() != 0)
        assert bad == 0, "%d jobs failed" % bad
        return time.perf_counter() - t0

    def throughput(self):
        n = 400
        reps = 1 if self.quick else 5
        d = self.fresh("semdir")
        fl = self.fresh("flockdir")
        py = ("import os, sys, portalocker\n"
              "s = portalocker.BoundedSemaphore(4, name='bench', "
              "directory=sys.argv[1], timeout=600)\n"
              "s.acquire()\n"
              "import subprocess; subprocess.call(['sleep', '0.01'])\n"
              "s.release()\n")

        def xargs(i):
            return ["sh", "-c", "seq %d | xargs -P4 -I{} sleep 0.01" % n]
        lr = "lockrun --semaphore --slots 4"
        floor = "flock F.(i%4), same launcher (floor)"
        # (name, argv of job i, jobs per run, repetitions)
        peers = [
            (lr, lambda i: [self.lockrun, "--lock-dir", d, "--semaphore",
                            "bench", "--slots", "4", "--", "sleep", "0.01"],
             n, reps),
            (floor, lambda i: ["flock", os.path.join(fl, "F.%d" % (i % 4)),
                               "sleep", "0.01"], n, reps),
            ("xargs -P4, no lock", xargs, 1, reps),
            ("sem -j4",
             lambda i: ["sem"] + SEM_FLAGS + ["--id", "lockrun-bench-t",
                                              "-j4", "--fg", "sleep",
                                              "0.01"], n, min(reps, 3)),
            ("portalocker.BoundedSemaphore(4)",
             lambda i: ["/usr/bin/python3", "-c", py, d], n, min(reps, 3)),
        ]
        out = {name: [] for name, *_ in peers}
        # Round robin, so that drift in the machine's load hits all alike.
        for r in range(reps):
            for name, argv_of, jobs, count in peers:
                if r < count:
                    out[name].append(self.makespan(argv_of, jobs))
        ideal = n * 0.01 / 4
        base = statistics.median(out[lr])
        for name, spans in out.items():
            self.row("3 400x4", name, "makespan %s, %.2fx ideal 1.0 s"
                     % (spread(spans, "s", 1), statistics.median(spans) / ideal),
                     "" if name == lr else
                     compare(statistics.median(spans), base))
        return base / statistics.median(out[floor]), base / ideal

    # 4 -----------------------------------------------------------------
    def run_watched(self, argv, stdin=None):
        """Run argv; (wall, peak RSS KiB, own CPU, CPU with its children)."""
        t0 = time.perf_counter()
        p = self.spawn(argv, stdin=stdin)
        hwm = 0
        while True:
            try:
                r = os.waitid(os.P_PID, p.pid,
                              os.WEXITED | os.WNOWAIT | os.WNOHANG)
            except ChildProcessError:
                r = None
            if r is not None:
                break
            hwm = max(hwm, vm_hwm(p.pid))
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        own = proc_cpu(p.pid)
        status, ru = reap(p)
        assert status == 0, (argv, status)
        return wall, hwm, own, cpu_of(ru)

    def scale(self):
        n = 500 if self.quick else 2000
        conf = self.path("scale.ini")
        with open(conf, "w") as f:
            f.write("[lockrun]\nlock_dir = %s\n[semaphore:s]\nslots = 16\n"
                    "[job:t]\ncommand = true\nnumprocs = %d\nsemaphore = s\n"
                    % (self.path("scale-locks"), n))
        seq = self.path("seq")
        with open(seq, "w") as f:
            f.write("".join("%d\n" % i for i in range(n)))
        # A first run creates the lock files (lock files are never removed).
        subprocess.run([self.lockrun, "-q", "--config", conf], check=True)
        res = {"lockrun": [], "xargs": []}
        for _ in range(1 if self.quick else 3):
            res["lockrun"].append(self.run_watched(
                [self.lockrun, "-q", "--config", conf]))
            with open(seq) as f:
                res["xargs"].append(self.run_watched(
                    ["xargs", "-P16", "-n1", "true"], stdin=f))
        rate = {}
        for k, v in res.items():
            rate[k] = n / statistics.median([x[0] for x in v])
        for k, name in (("lockrun", "lockrun numprocs=%d, 16 slots" % n),
                        ("xargs", "xargs -P16 -n1 true, %d runs" % n)):
            v = res[k]
            self.row("4 scale", name,
                     "wall %s, %.0f runs/s, peak RSS %d KiB, CPU %s own, "
                     "%s with its children"
                     % (spread([x[0] for x in v], "s", 1), rate[k],
                        max(x[1] for x in v),
                        spread([x[2] for x in v], "s", 1),
                        spread([x[3] for x in v], "s", 1)),
                     "" if k == "lockrun" else
                     "lockrun's rate is %.2fx" % (rate["lockrun"] / rate[k]))
        return rate["lockrun"] / rate["xargs"], rate["lockrun"], \
            max(x[1] for x in res["lockrun"])

    # 5 -----------------------------------------------------------------
    CHURN = ("import fcntl, os, sys, time\n"
             "d, end, n = sys.argv[1], time.monotonic() + "
             "float(sys.argv[2]), 0\n"
             "while time.monotonic() < end:\n"
             "    fd = os.open(os.path.join(d, 'other%02d.lock' % (n % 16)),"
             " os.O_RDWR | os.O_CREAT, 0o644)\n"
             "    fcntl.flock(fd, fcntl.LOCK_EX)\n"
             "    os.close(fd)\n"
             "    n += 1\n"
             "    time.sleep(0.0005)\n"
             "print(n)\n")

    def idle_one(self, shared):
        """n lockruns wait on a lock held by flock; their CPU over secs.
        shared: the lock's directory is also the lock dir, and a process
        there locks and closes other files about a thousand times a second
        (other jobs): a waiter that watched the directory would wake at
        each close."""
        n = 100
        secs = 3 if self.quick else 10
        d = self.fresh("idle-shared" if shared else "idle")
        lock = os.path.join(d, "idle.lock")
        open(lock, "a").close()
        extra = ["--lock-dir", d] if shared else []
        # Its own session, so that killing it also frees the lock its
        # child (sleep) inherited.
        holder = self.spawn(["flock", lock, "sleep", "600"], session=True)
        ident = lock_id(lock)
        wait_until(lambda: any(not b and p == holder.pid
                               for b, _, p in proc_locks(ident)), 10,
                   "the holder")
        waiters = [self.spawn([self.lockrun] + extra + ["--lock", lock, "--",
                                                       "true"])
                   for _ in range(n)]
        qroot = os.path.join(d if shared else self.lockdir, "queue")
        for w in waiters:       # all started and waiting
            wait_until(lambda: lockrun_ticket(qroot, w.pid), 30,
                       "a waiter to queue", step=0.005)
        time.sleep(1)
        churn = None
        if shared:
            churn = self.spawn(["/usr/bin/python3", "-c", self.CHURN, d,
                                str(secs)], stdout=subprocess.PIPE)
        before = sum(proc_cpu(w.pid) for w in waiters)
        time.sleep(secs)
        total = sum(proc_cpu(w.pid) for w in waiters)
        closes = 0
        if churn is not None:
            closes = int(churn.communicate()[0])
        os.killpg(holder.pid, 9)
        holder.wait()
        for w in waiters:
            w.wait()
            assert w.returncode == 0, w.returncode
        if shared:
            name = "%d lockrun waiting %d s, shared dir" % (n, secs)
            more = ", %.0f closes/s of other files in the dir" % (
                closes / secs)
        else:
            name = "%d lockrun waiting %d s, private dir" % (n, secs)
            more = ""
        self.row("5 idle", name,
                 "%.4f CPU-s while waiting (%.3f CPU-s with start-up)%s"
                 % (total - before, total, more))
        return total - before

    def idle(self):
        return self.idle_one(False), self.idle_one(True)

    # 6 -----------------------------------------------------------------
    def many_locks(self):
        """--status and a busy --no-wait with N other locks on the host."""
        import fcntl
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        n = min(10000 if self.quick else 50000, hard - 100)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        d = self.path("many")
        os.makedirs(d, exist_ok=True)
        fds = []
        for i in range(n):
            fd = os.open(os.path.join(d, "f%06d" % i),
                         os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            fds.append(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        # One of them is what lockrun asks about: busy, so it describes it.
        busy = os.path.join(d, "f%06d" % (n - 1))
        runs = 5 if self.quick else 20
        res = {}
        for name, argv, want in [
                ("--status --lock F", [self.lockrun, "--lock", busy,
                                       "--status"], 0),
                ("--no-wait --lock F, busy", [self.lockrun, "-n", "--lock",
                                              busy, "--", "true"], 75)]:
            walls, cpus = [], []
            for _ in range(runs):
                w, ru, st = run_wait(argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                assert os.waitstatus_to_exitcode(st) == want, (name, st)
                walls.append(w)
                cpus.append(ru.ru_utime + ru.ru_stime)
            res[name] = statistics.median(walls)
            self.row("6 many locks", "%s, %d locks held" % (name, n),
                     "wall %s, CPU %s" % (spread(walls),
                                          spread(cpus)))
        for fd in fds:
            os.close(fd)
        return n, max(res.values())

    # 7 -----------------------------------------------------------------
    QPY = ("import subprocess, sys, portalocker\n"
           "s = portalocker.BoundedSemaphore(1, name='q', "
           "directory=sys.argv[1], timeout=3600)\n"
           "s.acquire()\n"
           "rc = subprocess.call(sys.argv[2:])\n"
           "s.release()\n"
           "sys.exit(rc)\n")

    def queue_tools(self, d):
        """(name, argv of a job running cmd in one slot, does pid wait?,
        the Ns it is run with, repetitions of each N)."""
        qdir = os.path.join(d, "queue")
        big = (10, 100) if self.quick else (10, 100, 1000)
        small = (10,) if self.quick else (10, 100)
        return [
            ("lockrun --semaphore q --slots 1",
             lambda cmd: [self.lockrun, "--lock-dir", d, "--semaphore", "q",
                          "--slots", "1", "--"] + cmd,
             lambda pid: lockrun_ticket(qdir, pid), big,
             lambda n: 1 if self.quick else max(1, min(10, 1000 // n))),
            ("portalocker.BoundedSemaphore(1)",
             lambda cmd: ["/usr/bin/python3", "-c", self.QPY, d] + cmd,
             lambda pid: in_syscall(pid, (SYS_CLOCK_NANOSLEEP,)), small,
             lambda n: 1),
            ("sem -j1",
             lambda cmd: ["sem"] + SEM_FLAGS + ["--id", "lockrun-bench-q",
                                                "-j1", "--fg"] + cmd,
             lambda pid: in_syscall(pid, (SYS_PSELECT6,)), small,
             lambda n: 1),
        ]

    def queue_run(self, wrap, waits, n, d):
        """n waiters come 5 ms apart while the slot is held, then it is
        released. Their rusage summed, their order, and the handoff gaps."""
        fifo = os.path.join(d, "trigger")
        order = os.path.join(d, "order")
        hold = os.path.join(d, "hold")
        for f in (fifo, order, hold):
            if os.path.exists(f):
                os.unlink(f)
        os.mkfifo(fifo)
        quiet = dict(stdout=subprocess.DEVNULL)
        h = self.spawn(wrap([self.stamp, "-w", fifo, hold]), **quiet)
        tfd = wait_until(lambda: open_trigger(fifo), 60, "the holder")
        ws, arrivals = [], []
        for i in range(n):
            p = self.spawn(wrap([self.stamp, "-a", order, str(i)]), **quiet)
            seen = wait_until(lambda: waits(p.pid), 120,
                              "waiter %d of %d to wait" % (i, n))
            t = time.perf_counter()
            if isinstance(seen, str):     # a ticket: its arrival time
                arrivals.append(int(seen.split(".")[0], 16))
            ws.append(p)
            time.sleep(max(0, t + 0.005 - time.perf_counter()))
        assert h.poll() is None and not os.path.exists(order)
        os.write(tfd, b"x")
        os.close(tfd)
        t0 = time.perf_counter()
        assert h.wait() == 0
        cpu = csw = 0.0
        for p in ws:
            status, ru = reap(p)
            assert status == 0, status
            cpu += cpu_of(ru)
            csw += csw_of(ru)
        wall = time.perf_counter() - t0
        with open(hold) as f:
            t_hold = int(f.read())
        with open(order) as f:
            ran = sorted((int(t), int(i)) for i, t in
                         (line.split() for line in f))
        assert len(ran) == n, (len(ran), n)
        times = [t_hold] + [t for t, _ in ran]
        gaps = [(b - a) / 1e9 for a, b in zip(times, times[1:])]
        gap_min = min((b - a) / 1e9 for a, b in zip(arrivals, arrivals[1:])) \
            if len(arrivals) > 1 else None
        return dict(cpu=cpu, csw=csw, wall=wall, gaps=gaps,
                    inv=inversions([i for _, i in ran]), arr_gap=gap_min)

    def queue(self):
        """N processes wait for one slot; what each handoff costs."""
        out = {}
        for k in range(len(self.queue_tools(""))):
            d = self.fresh("q")
            name, wrap, waits, ns, reps_of = self.queue_tools(d)[k]
            # A lone run, nothing held: what a job costs without waiting.
            lone_cpu, lone_csw = [], []
            for _ in range(10):
                p = self.spawn(wrap([self.stamp, "-a",
                                     os.path.join(d, "lone"), "0"]),
                               stdout=subprocess.DEVNULL)
                status, ru = reap(p)
                assert status == 0
                lone_cpu.append(cpu_of(ru))
                lone_csw.append(csw_of(ru))
            l_cpu = statistics.median(lone_cpu)
            l_csw = statistics.median(lone_csw)
            self.row("7 queue", name + ", lone run",
                     "CPU %.2f ms, %.1f context switches (median of 10)"
                     % (l_cpu * 1e3, l_csw))
            for n in ns:
                runs = [self.queue_run(wrap, waits, n, d)
                        for _ in range(reps_of(n))]
                k = n * len(runs)
                cpu = sum(r["cpu"] for r in runs) / k
                csw = sum(r["csw"] for r in runs) / k
                gaps = [g for r in runs for g in r["gaps"]]
                inv = sum(r["inv"] for r in runs)
                arr = [r["arr_gap"] for r in runs if r["arr_gap"] is not None]
                out[(name, n)] = dict(cpu=cpu - l_cpu, csw=csw - l_csw,
                                      inv=inv)
                self.row("7 queue", "%s, N = %d" % (name, n),
                         "per handoff: CPU %.2f ms (%.2f raw), %.1f context "
                         "switches (%.1f raw); handoff median %.2f ms, max "
                         "%.1f ms; %d inversions in %d runs of %d%s"
                         % ((cpu - l_cpu) * 1e3, cpu * 1e3, csw - l_csw, csw,
                            statistics.median(gaps) * 1e3, max(gaps) * 1e3,
                            inv, len(runs), n,
                            ", arrivals >= %.1f ms apart" % (min(arr) * 1e3)
                            if arr else ""))
        return out

    # 8 -----------------------------------------------------------------
    LANE = ('stop=$1; shift; i=0\n'
            'while [ ! -e "$stop" ]; do "$@" || exit 1; i=$((i+1)); done\n'
            'echo "$i" >> "$stop.count"\n')

    def rw(self):
        """A writer's wait while a steady stream of readers holds a lock."""
        hold, lanes = 0.02, 4
        cap = 3.0
        d = self.fresh("rw")
        lock = os.path.join(d, "rw.lock")
        open(lock, "a").close()
        ident = lock_id(lock)
        start = os.path.join(d, "start")
        stop = os.path.join(d, "stop")
        reps = 5 if self.quick else 20
        tools = [
            ("lockrun --shared / --lock",
             [self.lockrun, "--shared", "--lock", lock, "--", "sleep",
              str(hold)],
             [self.lockrun, "--lock", lock, "--", self.stamp, start], reps),
            ("flock -s / flock",
             ["flock", "-s", lock, "sleep", str(hold)],
             ["flock", lock, self.stamp, start], max(3, reps // 2)),
        ]
        res = {}

        def writer(argv):
            if os.path.exists(start):
                os.unlink(start)
            t0 = time.monotonic_ns()
            p = self.spawn(argv)
            try:
                p.wait(timeout=cap)
            except subprocess.TimeoutExpired:
                return p, None
            assert p.returncode == 0
            with open(start) as f:
                return p, (int(f.read()) - t0) / 1e9

        def readers_hold():
            return any(not b and m == "READ" for b, m, _ in proc_locks(ident))

        def lanes_start():
            for f in (stop, stop + ".count"):
                if os.path.exists(f):
                    os.unlink(f)
            ps = []
            for _ in range(lanes):
                ps.append(self.spawn(["sh", "-c", self.LANE, "lane", stop]
                                     + reader, session=True))
                time.sleep(hold / lanes)
            return ps, time.perf_counter()

        def lanes_stop(ps, t):
            open(stop, "w").close()
            for p in ps:
                assert p.wait() == 0
            with open(stop + ".count") as f:
                count = sum(int(x) for x in f)
            return count, time.perf_counter() - t

        for name, reader, wargv, count in tools:
            lone = [writer(wargv)[1] for _ in range(10)]
            waits, starved, nread, tread = [], 0, 0, 0.0
            ps, t = lanes_start()
            for _ in range(count):
                time.sleep(0.2 + random.uniform(0, hold))
                wait_until(readers_hold, 10, "readers to hold")
                p, w = writer(wargv)
                if w is None:
                    # Starved: stop the stream to let it through, restart.
                    starved += 1
                    c, dt = lanes_stop(ps, t)
                    nread += c
                    tread += dt
                    p.wait()
                    ps, t = lanes_start()
                else:
                    waits.append(w)
            c, dt = lanes_stop(ps, t)
            nread += c
            tread += dt
            res[name] = (waits, starved, count)
            if waits:
                fig = "writer waits median %.1f ms, max %.1f ms" % (
                    statistics.median(waits) * 1e3, max(waits) * 1e3)
            else:
                fig = "writer never got in"
            self.row("8 readers+writer", name,
                     "%s; starved (> %.0f s) %d of %d; %.0f readers/s, "
                     "%d lanes of %.0f ms; lone writer %.1f ms"
                     % (fig, cap, starved, count, nread / tread, lanes,
                        hold * 1e3, statistics.median(lone) * 1e3))
        waits, starved, count = res[tools[0][0]]
        return (statistics.median(waits) if waits else cap,
                max(waits) if waits else cap, starved, hold)

    def table(self, results):
        print("| scenario | tool | result | comparison |")
        print("|---|---|---|---|")
        for r in self.rows:
            print("| %s | %s | %s | %s |" % r)
        print()
        print("| target | goal | measured | met |")
        print("|---|---|---|---|")
        for name, goal, got, ok in results:
            print("| %s | %s | %s | %s |" % (name, goal, got,
                                             "yes" if ok else "**no**"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockrun", required=True)
    ap.add_argument("--stamp", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--quick", action="store_true",
                    help="fewer repetitions, for a smoke run")
    ap.add_argument("--only", default="12345678")
    args = ap.parse_args()
    # SIGTERM: end what was started (finally, below), then exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    b = Bench(args)
    try:
        run(b, args)
    finally:
        b.cleanup()


def busy_cpu():
    """CPU-seconds the whole machine has spent busy (not idle/iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu():
    """CPU-seconds of this harness and every child it has reaped."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Watch:
    """What else ran on the machine while each scenario did: the load
    average when it began, and the CPU time of processes that are not this
    harness or its children (other users of the machine)."""

    def __init__(self):
        self.rows = []

    def __enter__(self):
        self.t, self.busy, self.own = time.perf_counter(), busy_cpu(), \
            own_cpu()
        self.load = os.getloadavg()[0]
        return self

    def scenario(self, name):
        self.name = name
        return self

    def __exit__(self, *exc):
        other = (busy_cpu() - self.busy) - (own_cpu() - self.own)
        self.rows.append((self.name, self.load, time.perf_counter() - self.t,
                          max(0.0, other)))

    def report(self):
        print("| scenario | load (1 min) at start | wall | CPU-s of other "
              "processes |")
        print("|---|---|---|---|")
        for name, load, wall, other in self.rows:
            print("| %s | %.2f | %.0f s | %.1f |" % (name, load, wall, other))


def run(b, args):
    ver = subprocess.run([args.lockrun, "--version"], capture_output=True,
                         text=True).stdout.strip()
    fs = subprocess.run(["stat", "-f", "-c", "%T", args.work],
                        capture_output=True, text=True).stdout.strip()
    print("%s on %s, %d CPUs, Linux %s, %s, load average %s; lock dirs "
          "in %s (%s)" % (
              ver, platform.node() or "?", os.cpu_count(), platform.release(),
              time.strftime("%Y-%m-%d %H:%M"),
              " ".join("%.2f" % x for x in os.getloadavg()), args.work,
              fs or "?"))
    print()
    results = []
    watch = Watch()
    if "1" in args.only:
        with watch.scenario('1'):
            r = b.overhead()
        results.append(("1 overhead", "<= 1.10x flock", "%.2fx" % r, r <= 1.10))
    if "2" in args.only:
        with watch.scenario('2'):
            med, p99, r = b.handoff()
        results.append(("2 handoff", "median <= 1.10x flock's kernel wait",
                         "%.2fx (%.3f ms, p99 %.3f ms)"
                         % (r, med * 1e3, p99 * 1e3), r <= 1.10))
    if "3" in args.only:
        with watch.scenario('3'):
            r, ideal = b.throughput()
        results.append(("3 semaphore", "<= 1.05x flock F.(i%4), same launcher",
                        "%.2fx (%.2fx ideal)" % (r, ideal), r <= 1.05))
    if "4" in args.only:
        with watch.scenario('4'):
            r, jps, rss = b.scale()
        results.append(("4 scale", ">= 1.0x xargs -P16 rate, RSS <= 32 MiB",
                        "%.2fx (%.0f runs/s), %d KiB" % (r, jps, rss),
                        r >= 1.0 and rss <= 32768))
    if "5" in args.only:
        with watch.scenario('5'):
            priv, shared = b.idle()
        results.append(("5 idle", "<= 0.5 CPU-s, private dir", "%.3f" % priv,
                        priv <= 0.5))
        results.append(("5 idle", "<= 0.5 CPU-s, shared dir", "%.3f" % shared,
                        shared <= 0.5))
    if "6" in args.only:
        with watch.scenario('6'):
            n, w = b.many_locks()
        results.append(("6 many locks", "<= 0.5 s with %d locks held" % n,
                        "%.3f s" % w, w <= 0.5))
    if "7" in args.only:
        with watch.scenario('7'):
            q = b.queue()
        lr = [k for k in q if k[0].startswith("lockrun")]
        ns = sorted(n for _, n in lr)
        lo, hi = q[lr[0][0], ns[0]], q[lr[0][0], ns[-1]]
        inv = sum(q[k]["inv"] for k in lr)
        results.append(("7 queue order", "0 inversions (lockrun, N = %s)"
                        % ", ".join(map(str, ns)), "%d" % inv, inv == 0))
        ok_cpu = hi["cpu"] <= 1.25 * lo["cpu"] + 0.05e-3
        ok_csw = hi["csw"] <= 1.25 * lo["csw"] + 1
        results.append(("7 queue cost", "flat: per handoff at N = %d <= 1.25x "
                         "N = %d (+0.05 ms CPU, +1 switch)" % (ns[-1], ns[0]),
                         "CPU %.2f -> %.2f ms, switches %.1f -> %.1f"
                         % (lo["cpu"] * 1e3, hi["cpu"] * 1e3, lo["csw"],
                            hi["csw"]), ok_cpu and ok_csw))
    if "8" in args.only:
        with watch.scenario('8'):
            med, mx, starved, hold = b.rw()
        results.append(("8 readers+writer", "writer's median wait <= one "
                        "reader's hold + 10 ms (%.0f ms), never starved"
                        % ((hold + 0.01) * 1e3),
                        "median %.1f ms, max %.1f ms, starved %d"
                        % (med * 1e3, mx * 1e3, starved),
                        med <= hold + 0.01 and starved == 0))
    b.table(results)
    print()
    watch.report()
    print()
    print("load average at the end: %s" % " ".join(
        "%.2f" % x for x in os.getloadavg()))


if __name__ == "__main__":
    main()
