/*
 * watchdog.c: a process that kills fleet jobs whose lease ran out.
 *
 * A fleet job must be gone before its session may expire (zk.c), and
 * lockrun stops it in time (job.c) as long as lockrun runs. But a lockrun
 * that is stopped (SIGSTOP, a debugger, Ctrl-Z of its group) cannot act,
 * while its session expires and another host starts the job; and a
 * lockrun killed with SIGKILL leaves the job's group running, where
 * PR_SET_PDEATHSIG reaches only the main process. So the first fleet job
 * starts a watchdog: a child in a session of its own (a stop of lockrun's
 * group does not stop it), holding nothing but the read end of a pipe,
 * to which lockrun writes each job's process group and the time by which
 * it must be dead (CLOCK_BOOTTIME). When that time comes and lockrun has
 * not moved it, or when the pipe says end of file (lockrun is gone), the
 * watchdog kills those groups with SIGKILL. It exits at end of file.
 *
 * What it cannot cover: a host whose every process is paused (a VM, a
 * SIGSTOP of the watchdog too) runs its job on for a moment when it
 * resumes; only fencing tokens guard against that (lockrun.ini(5)).
 */
#include "config.h"

#include <sys/types.h>
#ifdef HAVE_SYS_SYSCALL_H
#include <sys/syscall.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "watchdog.h"

#define WATCHDOG_MAX	1024	/* groups watched at once */

struct watchdog_msg {
	pid_t	pgid;
	double	deadline;	/* util_boottime(); 0: forget it */
};

static int	watchdog_fd = -1;
static pid_t	watchdog_pid = -1;

/* The watchdog's loop (child only: no libev, no logging). */
static void __attribute__((noreturn))
watchdog_run(int fd)
{
	struct watchdog_msg	 msgs[64], groups[WATCHDOG_MAX];
	struct pollfd		 pfd;
	size_t			 n = 0, i, k, got;
	ssize_t			 r;
	double			 next, now;
	int			 timeout;

	for (;;) {
		next = INFINITY;
		for (i = 0; i < n; i++) {
			if (groups[i].deadline < next)
				next = groups[i].deadline;
		}
		now = util_boottime();
		if (isinf(next))
			timeout = -1;
		else if (next <= now)
			timeout = 0;
		else
			timeout = (int)((next - now) * 1000) + 1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout) == -1 && errno != EINTR)
			break;
		if (pfd.revents != 0) {
			r = read(fd, msgs, sizeof(msgs));
			if (r == 0 || (r == -1 && errno != EINTR &&
			    errno != EAGAIN))
				break;		/* lockrun is gone */
			got = r > 0 ? (size_t)r / sizeof(msgs[0]) : 0;
			for (k = 0; k < got; k++) {
				for (i = 0; i < n; i++) {
					if (groups[i].pgid == msgs[k].pgid)
						break;
				}
				if (msgs[k].deadline == 0) {
					if (i < n)
						groups[i] = groups[--n];
				} else if (i < n)
					groups[i].deadline = msgs[k].deadline;
				else if (n < WATCHDOG_MAX)
					groups[n++] = msgs[k];
			}
		}
		now = util_boottime();
		for (i = 0; i < n; ) {
			if (groups[i].deadline <= now) {
				(void)kill(-groups[i].pgid, SIGKILL);
				groups[i] = groups[--n];
			} else
				i++;
		}
	}
	for (i = 0; i < n; i++)
		(void)kill(-groups[i].pgid, SIGKILL);
	_exit(0);
}

/*
 * Start the watchdog: 0, or -1 with errno. Its only descriptors are the
 * pipe and /dev/null on 0, 1 and 2: a lock descriptor kept open there
 * would hold a host lock past lockrun and its job, and an inherited stdout
 * would keep a reader of lockrun's output waiting.
 */
static int
watchdog_start(void)
{
	struct sigaction	sa;
	sigset_t		none;
	int			p[2], fd, sig;
	long			max;

	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	switch (watchdog_pid = fork()) {
	case -1:
		close(p[0]);
		close(p[1]);
		return (-1);
	case 0:
		(void)setsid();
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		for (sig = 1; sig < NSIG; sig++)
			(void)sigaction(sig, &sa, NULL);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		if (p[0] != 3 && dup2(p[0], 3) == -1)
			_exit(1);
		if ((fd = open("/dev/null", O_RDWR)) == -1)
			_exit(1);
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
#ifdef SYS_close_range
		if (syscall(SYS_close_range, 4U, ~0U, 0U) == -1)
#endif
		{
			max = sysconf(_SC_OPEN_MAX);
			if (max < 0 || max > 65536)
				max = 65536;
			for (fd = 4; fd < max; fd++)
				(void)close(fd);
		}
		watchdog_run(3);
	}
	close(p[0]);
	watchdog_fd = p[1];
	if (fcntl(watchdog_fd, F_SETFL, O_NONBLOCK) == -1)
		log_debug("%s: O_NONBLOCK: %s", __func__, strerror(errno));
	log_debug("watchdog: pid %ld", (long)watchdog_pid);
	return (0);
}

static int
watchdog_send(pid_t pgid, double deadline)
{
	struct watchdog_msg	m;
	ssize_t			r;

	if (watchdog_fd == -1 && watchdog_start() == -1)
		return (-1);
	memset(&m, 0, sizeof(m));
	m.pgid = pgid;
	m.deadline = deadline;
	do
		r = write(watchdog_fd, &m, sizeof(m));
	while (r == -1 && errno == EINTR);
	return (r == (ssize_t)sizeof(m) ? 0 : -1);
}

/*
 * Have the process group pgid killed at deadline (util_boottime()),
 * unless moved again. 0, or -1 with errno: then only lockrun guards it.
 */
int
watchdog_set(pid_t pgid, double deadline)
{
	if (deadline <= 0)
		deadline = 1e-9;	/* now: 0 means forget */
	if (isinf(deadline))
		deadline = 1e300;
	return (watchdog_send(pgid, deadline));
}

/* The group is gone: forget it (its number may be used again). */
void
watchdog_forget(pid_t pgid)
{
	if (watchdog_fd != -1)
		(void)watchdog_send(pgid, 0);
}
