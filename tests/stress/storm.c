/*
 * tests/stress/storm.c: the helpers of the stress tests (tests/stress/).
 *
 *	storm job [-n SLOTS] [-t MS] [-k PCT] [-s PCT] [-l PCT] [-i PCT]
 *	    [-m LABEL] MARKDIR LOG
 *		A job. It counts overlaps with an atomic marker: mkdir of
 *		MARKDIR/held.K for the first free K < SLOTS; none free means
 *		one holder too many, and a line "overlap ..." goes to LOG.
 *		The marker is taken and given back by a sentinel: a child
 *		that leaves the job's session at once, keeps a copy of every
 *		lock the job inherited, and waits for every process of the job
 *		(the end of a pipe they all hold) before it removes the marker
 *		and exits. So the marker lives exactly as long as the job's
 *		locks, whoever is killed, and lockrun can let the next run in
 *		only after it is gone. Then the job runs up to -t MS (20) ms;
 *		with -k PCT percent chance it kills itself with SIGKILL
 *		half-way, with -s PCT it leaves a child that setsid()s away
 *		and may outlive it ("storm-away"), with -l PCT a child in its
 *		group that outlives it (lockrun must stop it), with -i PCT it
 *		ignores SIGTERM. A line "start PID" goes to LOG when the
 *		marker is taken; its owner file says who took it (LABEL
 *		names the kind of run), and an overlap line says who holds
 *		the markers.
 *
 *	storm killer [-i MS] [-p PCT] TAG STOPFILE LOG
 *		Until STOPFILE exists, every -i MS (10) ms on average, SIGKILL
 *		one process of the test (TEST_LOCKRUN_TAG=TAG in its
 *		environment): a lockrun with -p PCT (50) percent chance, else
 *		a job ("storm-job"). Never a sentinel. Through a pidfd, so a
 *		reused PID is never hit. Writes "kills-lockrun N" and
 *		"kills-job N" to LOG at the end.
 *
 *	storm watch DIR SEM SLOTS MARKDIR STOPFILE LOG
 *		Until STOPFILE exists, every few milliseconds: how many of
 *		the slot files DIR/SEM.NN.lock /proc/locks shows locked, any
 *		lock on a slot file past the cap, and how many markers
 *		MARKDIR holds. Writes "samples N", "torn-reads N",
 *		"max-locks N", "beyond-cap N" and "max-markers N" to LOG at
 *		the end.
 *
 * Lines to LOG are single O_APPEND writes, so many writers never mix them.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STORM_JOB_NAME		"storm-job"
#define STORM_SENTINEL_NAME	"storm-sentinel"
#define STORM_AWAY_NAME		"storm-away"
#define STORM_MAX_SLOTS		1024

static void __attribute__((noreturn))
storm_usage(void)
{
	fprintf(stderr, "usage: storm job [-n SLOTS] [-t MS] [-k PCT] "
	    "[-s PCT] [-l PCT] [-i PCT] [-m LABEL] MARKDIR LOG\n"
	    "       storm killer [-i MS] [-p PCT] TAG STOPFILE LOG\n"
	    "       storm watch DIR SEM SLOTS MARKDIR STOPFILE LOG\n");
	exit(64);
}

static void __attribute__((noreturn))
storm_die(const char *what)
{
	fprintf(stderr, "storm: %s: %s\n", what, strerror(errno));
	exit(71);
}

/* Append one line to path in one write. */
static void __attribute__((format(printf, 2, 3)))
storm_log(const char *path, const char *fmt, ...)
{
	va_list	ap;
	char	buf[4096];
	int	fd, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		storm_die(path);
	if (write(fd, buf, n) != n)
		storm_die(path);
	close(fd);
}

static long
storm_number(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		storm_usage();
	return (v);
}

/* A random number in [0, n). */
static long
storm_random(long n)
{
	return (n > 0 ? random() % n : 0);
}

static void
storm_sleep_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static double
storm_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * The sentinel: out of the job's session (lockrun signals the group, and
 * kills what is left of it), it takes the marker, says so on ready, waits
 * for EOF on life (every process of the job gone), gives the marker back,
 * and exits, closing its copies of the job's locks last of all.
 */
static void __attribute__((noreturn))
storm_sentinel(const char *markdir, const char *log, const char *label,
    int slots, int life, int ready)
{
	char	path[4096], owner[256], owners[3000], c;
	ssize_t	n;
	size_t	off;
	int	k, fd, taken = -1;

	/* The job may be gone before it reads ready: no SIGPIPE for that. */
	signal(SIGPIPE, SIG_IGN);
	if (setsid() == -1)
		_exit(71);
	for (k = 0; k < slots; k++) {
		snprintf(path, sizeof(path), "%s/held.%d", markdir, k);
		if (mkdir(path, 0755) == 0) {
			taken = k;
			break;
		}
		if (errno != EEXIST)
			_exit(71);
	}
	if (taken == -1) {
		/* Who holds the markers, for the post-mortem. */
		owners[0] = '\0';
		for (k = 0, off = 0; k < slots && off < sizeof(owners); k++) {
			snprintf(path, sizeof(path), "%s/held.%d/owner",
			    markdir, k);
			owner[0] = '\0';
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
				n = read(fd, owner, sizeof(owner) - 1);
				if (n > 0)
					owner[n] = '\0';
				close(fd);
			}
			owner[strcspn(owner, "\n")] = '\0';
			off += snprintf(owners + off, sizeof(owners) - off,
			    "%sheld.%d: %s", k > 0 ? "; " : "", k, owner);
		}
		storm_log(log, "overlap job %ld (%s) at %.6f: all %d markers "
		    "taken: %s", (long)getppid(), label, storm_now(), slots,
		    owners);
	} else {
		snprintf(path, sizeof(path), "%s/held.%d/owner", markdir,
		    taken);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644)) != -1) {
			snprintf(owner, sizeof(owner), "job %ld (%s) sentinel "
			    "%ld at %.6f\n", (long)getppid(), label,
			    (long)getpid(), storm_now());
			(void)!write(fd, owner, strlen(owner));
			close(fd);
		}
		storm_log(log, "start %ld", (long)getppid());
	}
	c = taken == -1 ? 'o' : 's';
	(void)!write(ready, &c, 1);
	close(ready);
	/* Hold nobody's pipes but the job's own. */
	if ((k = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(k, STDIN_FILENO);
		(void)dup2(k, STDOUT_FILENO);
		(void)dup2(k, STDERR_FILENO);
		if (k > STDERR_FILENO)
			close(k);
	}
	for (;;) {
		n = read(life, &c, 1);
		if (n == 0 || (n == -1 && errno != EINTR))
			break;
	}
	if (taken != -1) {
		snprintf(path, sizeof(path), "%s/held.%d/owner", markdir,
		    taken);
		(void)unlink(path);
		snprintf(path, sizeof(path), "%s/held.%d", markdir, taken);
		(void)rmdir(path);
	}
	_exit(0);
}

/*
 * Fork a child that sleeps ms and exits; with away, in a session of its
 * own and named storm-away (a job's leftovers are storm-job).
 */
static void
storm_child(long ms, int away)
{
	switch (fork()) {
	case -1:
		storm_die("fork");
	case 0:
		if (away) {
			(void)setsid();
			(void)prctl(PR_SET_NAME, STORM_AWAY_NAME);
		}
		storm_sleep_ms(ms);
		_exit(0);
	}
}

static int
storm_job(int argc, char **argv)
{
	long	 slots = 1, ms = 20, kill_pct = 0, setsid_pct = 0;
	long	 leftover_pct = 0, ignore_pct = 0, run;
	const char *label = "-";
	int	 life[2], ready[2], ch;
	char	 c;
	pid_t	 pid;

	while ((ch = getopt(argc, argv, "n:t:k:s:l:i:m:")) != -1) {
		switch (ch) {
		case 'm': label = optarg; break;
		case 'n': slots = storm_number(optarg); break;
		case 't': ms = storm_number(optarg); break;
		case 'k': kill_pct = storm_number(optarg); break;
		case 's': setsid_pct = storm_number(optarg); break;
		case 'l': leftover_pct = storm_number(optarg); break;
		case 'i': ignore_pct = storm_number(optarg); break;
		default: storm_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || slots < 1 || slots > STORM_MAX_SLOTS)
		storm_usage();
	srandom((unsigned)getpid() ^
	    (unsigned)(unsigned long long)(storm_now() * 1e6));

	if (pipe(life) == -1 || pipe(ready) == -1)
		storm_die("pipe");
	/* Born with its name, so the killer never mistakes it for a job. */
	(void)prctl(PR_SET_NAME, STORM_SENTINEL_NAME);
	if ((pid = fork()) == -1)
		storm_die("fork");
	if (pid == 0) {
		close(life[1]);
		close(ready[0]);
		storm_sentinel(argv[0], argv[1], label, (int)slots, life[0],
		    ready[1]);
	}
	(void)prctl(PR_SET_NAME, STORM_JOB_NAME);
	close(life[0]);
	close(ready[1]);
	/* Running from here: the marker is taken (or the overlap told). */
	while (read(ready[0], &c, 1) == -1 && errno == EINTR)
		;
	close(ready[0]);

	if (storm_random(100) < ignore_pct)
		signal(SIGTERM, SIG_IGN);
	run = storm_random(ms + 1);
	if (storm_random(100) < setsid_pct)
		storm_child(storm_random(2 * ms + 1), 1);
	if (storm_random(100) < leftover_pct)
		storm_child(run + storm_random(10 * ms + 1), 0);
	if (storm_random(100) < kill_pct) {
		storm_sleep_ms(run / 2);
		storm_log(argv[1], "self-kill %ld", (long)getpid());
		raise(SIGKILL);
	}
	storm_sleep_ms(run);
	return (0);
}

/* Does process pid carry "TEST_LOCKRUN_TAG=tag" in its environment? */
static int
storm_tagged(pid_t pid, const char *tag)
{
	static char	*buf;
	static size_t	 cap;
	char		 path[64], want[4200];
	size_t		 len = 0, wlen;
	ssize_t		 n;
	char		*p;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			if ((buf = realloc(buf, cap)) == NULL)
				storm_die("realloc");
		}
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	wlen = (size_t)snprintf(want, sizeof(want), "TEST_LOCKRUN_TAG=%s", tag);
	for (p = buf; p < buf + len; p += strlen(p) + 1) {
		if (strlen(p) == wlen && memcmp(p, want, wlen) == 0)
			return (1);
	}
	return (0);
}

/* The command name of pid (from /proc/PID/stat), or "" if gone. */
static void
storm_comm(pid_t pid, char *out, size_t len)
{
	char	 path[64], buf[512], *open_, *close_;
	ssize_t	 n;
	int	 fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((open_ = strchr(buf, '(')) == NULL ||
	    (close_ = strrchr(buf, ')')) == NULL || close_ < open_)
		return;
	/* A zombie is dead already: not a victim. */
	if (close_[1] == ' ' && (close_[2] == 'Z' || close_[2] == 'X'))
		return;
	snprintf(out, len, "%.*s", (int)(close_ - open_ - 1), open_ + 1);
}

/* SIGKILL pid if it is still a process called comm: a pidfd pins it. */
static int
storm_kill(pid_t pid, const char *comm)
{
	char	now[64];
	int	pfd, rc = 0;

	if ((pfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
		return (0);
	storm_comm(pid, now, sizeof(now));
	if (strcmp(now, comm) == 0 &&
	    syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0)
		rc = 1;
	close(pfd);
	return (rc);
}

static int
storm_killer(int argc, char **argv)
{
	struct dirent	*de;
	DIR		*d;
	pid_t		*lockruns = NULL, *jobs = NULL, pid;
	size_t		 nl, nj, cap = 0;
	long		 interval = 10, pct = 50, kl = 0, kj = 0;
	char		 comm[64];
	int		 ch;

	while ((ch = getopt(argc, argv, "i:p:")) != -1) {
		switch (ch) {
		case 'i': interval = storm_number(optarg); break;
		case 'p': pct = storm_number(optarg); break;
		default: storm_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		storm_usage();
	srandom((unsigned)getpid() ^
	    (unsigned)(unsigned long long)(storm_now() * 1e6));
	while (access(argv[1], F_OK) == -1) {
		storm_sleep_ms(storm_random(2 * interval + 1));
		if ((d = opendir("/proc")) == NULL)
			storm_die("/proc");
		nl = nj = 0;
		while ((de = readdir(d)) != NULL) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid = (pid_t)atol(de->d_name);
			storm_comm(pid, comm, sizeof(comm));
			if (strcmp(comm, "lockrun") != 0 &&
			    strcmp(comm, STORM_JOB_NAME) != 0)
				continue;
			if (pid == getpid() || !storm_tagged(pid, argv[0]))
				continue;
			if (nl + nj + 2 > cap) {
				cap = cap ? cap * 2 : 256;
				lockruns = realloc(lockruns, cap *
				    sizeof(*lockruns));
				jobs = realloc(jobs, cap * sizeof(*jobs));
				if (lockruns == NULL || jobs == NULL)
					storm_die("realloc");
			}
			if (*comm == 'l')
				lockruns[nl++] = pid;
			else
				jobs[nj++] = pid;
		}
		closedir(d);
		if (nl > 0 && pct > 0 && (nj == 0 || storm_random(100) < pct))
			kl += storm_kill(lockruns[storm_random(nl)],
			    "lockrun");
		else if (nj > 0)
			kj += storm_kill(jobs[storm_random(nj)],
			    STORM_JOB_NAME);
	}
	storm_log(argv[2], "kills-lockrun %ld", kl);
	storm_log(argv[2], "kills-job %ld", kj);
	return (0);
}

/*
 * Read /proc/locks: which of the n slot files (inodes of dev) are locked,
 * into locked[]; how many entries named one already seen in this read
 * into *torn. /proc/locks is consistent only within one read(2) (a page):
 * a large one, read in many, can show a lock and, further on, the lock
 * that replaced it. -1 if it cannot be read.
 */
static int
storm_locked(dev_t dev, const ino_t *inos, int n, char *locked, int *torn)
{
	FILE			*f;
	char			 line[512], kind[16];
	unsigned int		 maj, min;
	unsigned long long	 ino;
	int			 i;

	memset(locked, 0, n);
	*torn = 0;
	if ((f = fopen("/proc/locks", "re")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "1: FLOCK  ADVISORY  WRITE 1234 00:2e:5678 0 EOF" */
		if (strstr(line, "->") != NULL)
			continue;	/* a waiter, not a holder */
		if (sscanf(line, "%*d: %15s %*s %*s %*d %x:%x:%llu", kind, &maj,
		    &min, &ino) != 4 || strcmp(kind, "FLOCK") != 0)
			continue;
		if (maj != major(dev) || min != minor(dev))
			continue;
		for (i = 0; i < n; i++) {
			if (inos[i] != (ino_t)ino)
				continue;
			if (locked[i])
				(*torn)++;
			locked[i] = 1;
			break;
		}
	}
	fclose(f);
	return (0);
}

/*
 * storm watch: the slot files 00..SLOTS-1 locked at once (at most SLOTS,
 * by the kernel, if lockrun uses no other files for them), any lock on a
 * slot file beyond the cap (SLOTS..SLOTS+7: a run that counted more slots
 * would take them), and the markers taken.
 */
static int
storm_watch(int argc, char **argv)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	ino_t		*inos;
	char		*locked, path[4096];
	dev_t		 dev = 0;
	long		 slots, samples = 0, torn_reads = 0;
	int		 i, n, k, markers, torn, max_locks = 0;
	int		 max_markers = 0, beyond = 0, ext;

	if (argc != 7)
		storm_usage();
	slots = storm_number(argv[3]);
	if (slots < 1 || slots > STORM_MAX_SLOTS)
		storm_usage();
	ext = (int)slots + 8;
	if ((inos = calloc(ext, sizeof(*inos))) == NULL ||
	    (locked = calloc(ext, 1)) == NULL)
		storm_die("calloc");
	while (access(argv[5], F_OK) == -1) {
		/* The slot files as they are now, and those past the cap. */
		for (i = 0; i < ext; i++) {
			inos[i] = 0;
			snprintf(path, sizeof(path), "%s/%s.%02d.lock", argv[1],
			    argv[2], i);
			if (stat(path, &st) == 0) {
				dev = st.st_dev;
				inos[i] = st.st_ino;
			}
		}
		if (dev != 0 && storm_locked(dev, inos, ext, locked,
		    &torn) == 0) {
			for (i = n = 0; i < slots; i++)
				n += locked[i];
			for (k = (int)slots; k < ext; k++)
				beyond += locked[k] && inos[k] != 0;
			if (n > max_locks)
				max_locks = n;
			torn_reads += torn > 0;
		}
		markers = 0;
		if ((d = opendir(argv[4])) != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (strncmp(de->d_name, "held.", 5) == 0)
					markers++;
			}
			closedir(d);
		}
		if (markers > max_markers)
			max_markers = markers;
		samples++;
		storm_sleep_ms(5);
	}
	storm_log(argv[6], "samples %ld", samples);
	storm_log(argv[6], "torn-reads %ld", torn_reads);
	storm_log(argv[6], "max-locks %d", max_locks);
	storm_log(argv[6], "beyond-cap %d", beyond);
	storm_log(argv[6], "max-markers %d", max_markers);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		storm_usage();
	if (strcmp(argv[1], "job") == 0)
		return (storm_job(argc - 1, argv + 1));
	if (strcmp(argv[1], "killer") == 0)
		return (storm_killer(argc - 1, argv + 1));
	if (strcmp(argv[1], "watch") == 0)
		return (storm_watch(argc - 1, argv + 1));
	storm_usage();
}
