/*
 * job.c: one job instance: its locks, its process, its state table.
 *
 * A job's life is a table of (state x event) -> action, as in s6-supervise:
 * every cell is a decision, errors included. The actions below are the only
 * places that change j->state.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "group.h"
#include "holders.h"
#include "job.h"
#include "lockdir.h"
#include "log.h"
#include "logfile.h"
#include "runas.h"
#include "res_file.h"
#include "res_queue.h"
#ifdef HAVE_ZOOKEEPER
#include "res_zk.h"
#include "watchdog.h"
#include "zk.h"
#include "zk_recipe.h"
#endif
#include "spawn.h"
#include "trust.h"
#include "util.h"

#define JOB_BACKOFF_FIRST	0.5	/* first delay between restarts */
#define JOB_BACKOFF_MAX		60.0
#define JOB_REAP_POLL		0.01	/* how often to look for leftovers */
#define JOB_REAP_GRACE		0.1	/* before signalling them */
#define JOB_REPLACE_POLL	0.05	/* looking for the PID to replace */
#define JOB_REPLACE_SCAN	0.5	/* ... ad hoc, through /proc */
#define JOB_LOG_MODE		0640	/* of a log file lockrun creates */
#define JOB_DESCRIBE_EVERY	5.0	/* look up holders for the wait line */

extern char **environ;

typedef void job_action(struct job *, enum job_event);

static void	job_event(struct job *, enum job_event);
static int	job_guard(struct job *, int);
static void	job_wait(struct job *);
static void	job_finish(struct job *, enum job_result);
static void	job_describe_busy(struct job *, char *, size_t, int);

static const char *const job_event_names[JOB_NEVENTS] = {
	"start", "locked", "expired", "error", "exit", "timer", "stop", "kill",
	"started", "lost",
};

static const char *const job_state_names[JOB_NSTATES] = {
	"idle", "replacing", "waiting", "starting", "running", "stopping",
	"reaping", "backoff", "done",
};

const char *
job_state_name(enum job_state s)
{
	return (job_state_names[s]);
}

/* Log a message about this job: "job NAME: ..." (ad hoc jobs have no name). */
#define job_log(fn, j, fmt, ...) do {					\
	if ((j)->env->forward)						\
		fn(fmt, ##__VA_ARGS__);					\
	else								\
		fn("job %s: " fmt, (j)->name, ##__VA_ARGS__);		\
} while (0)

/*
 * Now, for the job's durations and deadlines: the monotonic clock. ev_now
 * is the wall clock, which a step (NTP, an admin) moves: an hour forward
 * ended wait_timeout at once, an hour back made it an hour longer.
 */
static ev_tstamp
job_now(void)
{
	return (util_now());
}

/*
 * Log a failure of the job: a warning when supervising (cron mails it);
 * ad hoc only with -v, since the exit status says it, as with flock(1) and
 * timeout(1).
 */
#define job_log_failure(j, fmt, ...) do {				\
	if ((j)->env->forward)						\
		log_info(fmt, ##__VA_ARGS__);				\
	else								\
		log_warnx("job %s: " fmt, (j)->name, ##__VA_ARGS__);	\
} while (0)

/* The lock that holds our PID file, or NULL. */
static struct lock *
job_pid_held(struct job *j)
{
	if (j->pidlock != NULL)
		return (j->pidlock->held ? j->pidlock : NULL);
	return (NULL);
}

/*
 * Close every lock file, on a fresh open next time: a leftover of the last
 * run may share these descriptors, and must not lend us its locks. The last
 * close wakes the waiters of other lockruns. PID files and slots are
 * emptied first, while they are still ours.
 */
static void
job_close_locks(struct job *j)
{
	size_t	i;

	if (j->guarded) {
		(void)job_guard(j, 0);
		ev_timer_stop(j->env->loop, &j->lease);
#ifdef HAVE_ZOOKEEPER
		watchdog_forget(j->pid);	/* its group is gone */
#endif
		j->guarded = 0;
	}

	for (i = 0; i < j->conf->nsems; i++)
		resource_close(j->sems[i]);
	for (i = 0; i < j->conf->nlocks; i++)
		resource_close(j->locks[i]);
	if (j->fleet != NULL)
		resource_close(j->fleet);
	if (j->pidres != NULL)
		resource_close(j->pidres);
	if (j->replace != NULL)
		lock_close(j->replace);
}

/* The wait left: seconds to the deadline (0 means none), at least a tick. */
static double
job_wait_left(struct job *j)
{
	double	left;

	if (j->wait_deadline == 0)
		return (0);
	left = j->wait_deadline - job_now();
	return (left > 0.001 ? left : 0.001);
}

/* Start the clock of a wait: wait_timeout counts once, whatever comes next. */
static void
job_wait_begin(struct job *j)
{
	j->wait_started = job_now();
	j->wait_deadline = j->conf->wait_timeout > 0 ?
	    j->wait_started + j->conf->wait_timeout : 0;
}

/* " since 02:00:03" (or a date, when not today), or "" when unknown. */
static void
job_format_since(time_t start, char *buf, size_t len)
{
	struct tm	tm, today;
	time_t		now = time(NULL);

	buf[0] = '\0';
	if (start == 0)
		return;
	localtime_r(&start, &tm);
	localtime_r(&now, &today);
	strftime(buf, len, tm.tm_yday == today.tm_yday &&
	    tm.tm_year == today.tm_year ? " since %H:%M:%S" :
	    " since %Y-%m-%d %H:%M", &tm);
}

/*
 * The main process of the job whose PID file is busy: the PID it names,
 * if the kernel confirms it; else the top of the live holders (a leftover
 * of an earlier run, or a job whose PID we could not write), looked for
 * within a budget.
 */
static pid_t
job_pidfile_holder(struct job *j, time_t *since)
{
	struct holders_key	 k;
	struct holder		 h[32];
	struct util_proc	 p;
	size_t			 n;
	pid_t			 pid;
	int			 partial;

	*since = 0;
	if (lock_open(j->pidlock) == -1 || holders_key_fd(j->pidlock->fd,
	    &k) == -1)
		return (0);
	pid = lock_read_pid_fd(j->pidlock->fd, NULL, 0);
	if (pid <= 0 || holders_pid_holds(pid, &k, NULL, NULL) != 1) {
		n = holders_live(&k, h, LOCKRUN_ARRAY_LEN(h), &partial,
		    HOLDERS_FEW_FDS);
		if (n > LOCKRUN_ARRAY_LEN(h))
			n = LOCKRUN_ARRAY_LEN(h);
		if ((pid = holders_principal(h, n)) <= 0)
			return (0);
	}
	if (util_proc_stat(pid, &p) == 0)
		*since = p.start;
	return (pid);
}

/*
 * Say what the waiter found busy, naming the holders we can: "job backup
 * is already running as pid 5 since 02:00:03" (or, for the status line,
 * "job backup to finish (pid 5 ...)"); else as the resource says it
 * ("semaphore gpu: 3/3 slots busy (pids 1, 2, 3)"). Only an ad hoc
 * lockrun, which runs no other job, may read a little of /proc/locks to
 * name a lock's holder (see holders_load).
 */
static void
job_describe_busy(struct job *j, char *buf, size_t len, int progress)
{
	struct resource	*r = waiter_busy(&j->waiter);
	char		 since[48];
	pid_t		 pid;
	time_t		 start;

	if (r != NULL && r == j->pidres && j->conf->adhoc_path == NULL) {
		pid = job_pidfile_holder(j, &start);
		job_format_since(start, since, sizeof(since));
		if (progress && pid > 0)
			snprintf(buf, len, "job %s to finish (pid %ld%s)",
			    j->name, (long)pid, since);
		else if (progress)
			snprintf(buf, len, "job %s to finish", j->name);
		else if (pid > 0)
			snprintf(buf, len, "job %s is already running as pid "
			    "%ld%s", j->name, (long)pid, since);
		else
			snprintf(buf, len, "job %s is already running",
			    j->name);
		return;
	}
	if (r == NULL)
		snprintf(buf, len, "?");
	else
		r->ops->describe(r, !j->env->forward, buf, len);
}

/* How long the job has been waiting for its locks, or -1 if it is not. */
double
job_waited(struct job *j)
{
	if (j->state != JOB_WAITING && j->state != JOB_REPLACING)
		return (-1);
	return (job_now() - j->wait_started);
}

/*
 * Say what the waiting job waits for, and for how long: "semaphore heavy:
 * 2/2 slots busy (pids 311, 402), 12s of 10m".
 */
void
job_describe_wait(struct job *j, char *buf, size_t len)
{
	char		waited[32], limit[32];
	ev_tstamp	now = job_now();

	/*
	 * Who holds what comes from /proc/locks, which a host with 50,000
	 * locks makes a tenth of a second's read: the line is redrawn every
	 * second, its holders looked up again every few.
	 */
	if (j->what_at == 0 || now - j->what_at >= JOB_DESCRIBE_EVERY ||
	    j->what_busy != j->waiter.busy) {
		job_describe_busy(j, j->what, sizeof(j->what), 1);
		j->what_at = now;
		j->what_busy = j->waiter.busy;
	}
	util_format_duration(job_waited(j), waited, sizeof(waited));
	if (j->conf->wait_timeout > 0) {
		util_format_duration(j->conf->wait_timeout, limit,
		    sizeof(limit));
		snprintf(buf, len, "%s, %s of %s", j->what, waited, limit);
	} else
		snprintf(buf, len, "%s, %s", j->what, waited);
}

/* Every resource the job holds, one by one: the fleet claims first. */
static struct resource *
job_resource(struct job *j, size_t i)
{
	if (j->fleet != NULL && i-- == 0)
		return (j->fleet);
	if (i < j->conf->nsems)
		return (j->sems[i]);
	i -= j->conf->nsems;
	if (i < j->conf->nlocks)
		return (j->locks[i]);
	return (NULL);
}

/*
 * LOCKRUN_FENCE: the fencing token of the job's first fleet claim (its
 * singleton, else its first semaphore, else its first lock), or 0.
 */
static unsigned long long
job_fence(struct job *j)
{
	struct resource		*r;
	unsigned long long	 fence;
	size_t			 i;

	for (i = 0; (r = job_resource(j, i)) != NULL; i++) {
		if (r->ops->fence != NULL && (fence = r->ops->fence(r)) != 0)
			return (fence);
	}
	return (0);
}

/* The environment of the child: ours, the job's, and LOCKRUN_*. */
static char **
job_build_env(struct job *j)
{
	const struct conf_job	 *c = j->conf;
	char			**env, **e;
	size_t			  n, i, k;
	const char		 *eq;
	unsigned long long	  fence;
	int			  slot;

	for (n = 0; environ[n] != NULL; n++)
		;
	env = util_xcalloc(n + c->nenvironment + 8, sizeof(*env));
	k = 0;
	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "LOCKRUN_", 8) == 0 || ((c->supervisord ||
		    c->process_name != NULL) &&
		    (strncmp(*e, "SUPERVISOR_PROCESS_NAME=", 24) == 0 ||
		    strncmp(*e, "SUPERVISOR_GROUP_NAME=", 22) == 0)))
			continue;
		for (i = 0; i < c->nenvironment; i++) {
			eq = strchr(c->environment[i], '=');
			if (strncmp(*e, c->environment[i],
			    eq - c->environment[i] + 1) == 0)
				break;
		}
		if (i == c->nenvironment)
			env[k++] = util_xstrdup(*e);
	}
	for (i = 0; i < c->nenvironment; i++)
		env[k++] = util_xstrdup(c->environment[i]);
	util_xasprintf(&env[k++], "LOCKRUN_JOB=%s", c->name);
	util_xasprintf(&env[k++], "LOCKRUN_LOCK_DIR=%s", j->env->lock_dir);
	util_xasprintf(&env[k++], "LOCKRUN_INSTANCE=%u", j->instance);
	/* What supervisord tells a [program:NAME]'s processes. */
	if (c->supervisord || c->process_name != NULL) {
		util_xasprintf(&env[k++], "SUPERVISOR_PROCESS_NAME=%s",
		    c->process_name != NULL ? c->process_name : c->name);
		util_xasprintf(&env[k++], "SUPERVISOR_GROUP_NAME=%s", c->name);
	}
	if (c->nsems > 0 && (slot = j->sems[0]->ops->slot(j->sems[0])) >= 0)
		util_xasprintf(&env[k++], "LOCKRUN_SLOT=%d", slot);
	if ((fence = job_fence(j)) != 0)
		util_xasprintf(&env[k++], "LOCKRUN_FENCE=%llu", fence);
	env[k] = NULL;
	return (env);
}

/* What job_spawn made for the child and keeps no longer; saves errno. */
static void
job_spawn_cleanup(char **env, int outfd, int errfd)
{
	char	**e;
	int	  saved = errno;

	if (env != NULL) {
		for (e = env; *e != NULL; e++)
			free(*e);
		free(env);
	}
	if (outfd != -1)
		close(outfd);
	if (errfd != -1 && errfd != outfd && errfd != STDOUT_FILENO)
		close(errfd);
	errno = saved;
}

/* { "sh", NULL, argv[1], ... }: to run a file without #! (see spawn). */
static char **
job_sh_argv(char *const *argv)
{
	char	**v;
	size_t	  n, i;

	for (n = 0; argv[n] != NULL; n++)
		;
	v = util_xcalloc(n + 2, sizeof(*v));
	v[0] = "sh";
	for (i = 1; i < n; i++)
		v[i + 1] = argv[i];
	return (v);
}

/*
 * Open a log file for the child, appending, so that no other user can
 * choose what the job's output goes into (trust_open_append), and a pipe
 * through which lockrun writes it (logfile.c: SIGUSR2 reopens it, and it
 * is rotated at maxbytes, 0: never), as the job's user if as is not NULL.
 * The pipe's end for the child, or -1 and a message on failure.
 */
static int
job_open_log(struct job *j, const char *path, unsigned long maxbytes,
    unsigned backups, const struct runas *as)
{
	struct logfile_how	how;
	char			why[512], who[256];
	int			fd = -1;

	/* NONE: discarded (logfile_open takes no device). */
	if (strcmp(path, "/dev/null") == 0 && (fd = open(path, O_WRONLY |
	    O_CLOEXEC | O_NOCTTY)) != -1)
		return (fd);
	snprintf(who, sizeof(who), "job %s", j->name);
	why[0] = '\0';
	memset(&how, 0, sizeof(how));
	how.mode = JOB_LOG_MODE;
	how.maxbytes = maxbytes;
	how.backups = backups;
	how.as = as;
	if (logfile_open(j->env->loop, path, &how, who, &fd, why,
	    sizeof(why)) == -1) {
		if (*why != '\0')
			job_log(log_warnx, j, "log file %s: %s: not writing to "
			    "it, as another user could choose where the output "
			    "goes", path, why);
		else
			job_log(log_warn, j, "log file %s", path);
		return (-1);
	}
	return (fd);
}

/* Arm the job's one timer. */
static void
job_timer(struct job *j, double after)
{
	ev_timer_stop(j->env->loop, &j->timer);
	ev_timer_set(&j->timer, after, 0.);
	ev_timer_start(j->env->loop, &j->timer);
}

/*
 * Send a signal to the process group of the job's main process pg, which is
 * not reaped yet (so the number cannot name anyone else), and SIGCONT after
 * a stop signal: a stopped job could not act on it (timeout(1) does this).
 */
static void
job_signal(struct job *j, pid_t pg, int sig)
{
	if (kill(-pg, sig) == -1 && errno != ESRCH)
		job_log(log_warn, j, "kill %s to process group %ld",
		    util_signame(sig), (long)pg);
	if (sig != SIGKILL && sig != SIGCONT)
		(void)kill(-pg, SIGCONT);
}

/*
 * Signal what is left of the job's group once its main process is gone:
 * its members among our descendants (group.c), never the bare number. How
 * many there are; 0 when the group is gone.
 */
static int
job_signal_leftovers(struct job *j, int sig)
{
	int	n;

	if ((n = group_signal(j->pid, sig)) != -1)
		return (n);
	/* No /proc children lists: the old way, with its known race. */
	if (kill(-j->pid, 0) == -1)
		return (0);
	if (sig != 0)
		job_signal(j, j->pid, sig);
	return (1);
}

/* The least lease left of the job's fleet claims, seconds; INFINITY: none. */
static double
job_lease_left(struct job *j)
{
	struct resource	*r;
	double		 left = INFINITY, l;
	size_t		 i;

	for (i = 0; (r = job_resource(j, i)) != NULL; i++) {
		if (r->ops->lease != NULL && (l = r->ops->lease(r)) < left)
			left = l;
	}
	return (left);
}

/*
 * A fleet job never outlives its claim: its stop signal when no more
 * than stopwaitsecs are left of the lease, SIGKILL when nothing is, which
 * is still before the server may give the claim to another host
 * (zk_recipe_budget). The watchdog is told the same deadline, for when
 * lockrun cannot act (watchdog.c). Looked at whenever a claim says its
 * lease moved, and on the lease timer.
 */
static void
job_lease_check(struct job *j)
{
#ifdef HAVE_ZOOKEEPER
	struct zk_budget	b;
#endif
	double			left, next, stopwait;

	if (!j->guarded || (j->state != JOB_STARTING &&
	    j->state != JOB_RUNNING && j->state != JOB_STOPPING &&
	    j->state != JOB_REAPING))
		return;
	ev_timer_stop(j->env->loop, &j->lease);
	left = job_lease_left(j);
#ifdef HAVE_ZOOKEEPER
	if (watchdog_set(j->pid, util_boottime() + left) == -1)
		job_log(log_warn, j, "cannot tell the watchdog");
#endif
	if (left <= 0) {
		if (!j->lost)
			job_log(log_warnx, j, "fleet claim lost: sending KILL "
			    "to pid %ld", (long)j->pid);
		j->lost = 1;
		if (j->state == JOB_REAPING)
			job_event(j, JOB_EV_KILL);
		else if (j->reap_signalled != 2) {
			j->reap_signalled = 2;	/* once */
			job_signal(j, j->pid, SIGKILL);
		}
		return;
	}
	/* A session shorter than asked (the server's maximum) leaves less. */
	stopwait = j->conf->stopwaitsecs;
#ifdef HAVE_ZOOKEEPER
	zk_recipe_budget(zk_timeout(), &b);
	if (b.stopwait < stopwait)
		stopwait = b.stopwait;
#endif
	if (left <= stopwait)
		job_event(j, JOB_EV_LOST);
	next = j->state == JOB_STARTING || j->state == JOB_RUNNING ?
	    left - stopwait : left;
	if (!isinf(next)) {
		ev_timer_set(&j->lease, next > 0 ? next : 0., 0.);
		ev_timer_start(j->env->loop, &j->lease);
	}
}

static void
job_lease_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	job_lease_check(w->data);
}

static void
job_guard_cb(struct resource *r, void *arg)
{
	(void)r;
	job_lease_check(arg);
}

/* Have every claim on a lease tell us when it moves; 1 if any does. */
static int
job_guard(struct job *j, int on)
{
	struct resource	*r;
	size_t		 i;
	int		 any = 0;

	for (i = 0; (r = job_resource(j, i)) != NULL; i++) {
		if (r->ops->guard == NULL)
			continue;
		r->ops->guard(r, on ? job_guard_cb : NULL, on ? j : NULL);
		any = 1;
	}
	return (any);
}

/*
 * The child is gone: did its exec fail? The report pipe says so, and is
 * complete now. Reading it at the exit, not at the exec, saves a wake-up
 * per job; an exec that fails exits at once anyway.
 */
static void
job_report(struct job *j)
{
	enum spawn_step	 step;
	const char	*what;
	int		 err, failed;

	if (j->report_fd == -1)
		return;
	failed = spawn_report(j->report_fd, &step, &err) == -1;
	close(j->report_fd);
	j->report_fd = -1;
	if (!failed)
		return;
	if (step == SPAWN_STEP_CHDIR)
		what = j->conf->directory;
	else
		what = j->conf->argv != NULL ? j->conf->argv[0] : "/bin/sh";
	job_log(log_error, j, "%s %s: %s", spawn_step_name(step), what,
	    strerror(err));
}

/*
 * Ad hoc on a terminal, the command stopped. If it wants the terminal
 * (SIGTTIN/SIGTTOU: it reads it, or sets its modes, as ssh, sudo and git
 * prompts do) and lockrun has it, hand it over and let the command go on,
 * as it would under flock(1). Otherwise (Ctrl-Z, or lockrun is itself in
 * the background) stop lockrun too, so the shell sees the job stop, and on
 * fg or bg hand the terminal over if it is ours and continue the command.
 */
static void
job_stopped(struct job *j, int sig)
{
	int	tty = j->env->tty, wants = sig == SIGTTIN || sig == SIGTTOU;

	if (wants && !j->gave_tty && spawn_tty_ours(tty)) {
		spawn_give_tty(tty, j->pid);
		j->gave_tty = 1;
		job_signal(j, j->pid, SIGCONT);
		return;
	}
	if (j->gave_tty)
		spawn_restore_tty(tty);
	j->gave_tty = 0;
	if (spawn_group_orphaned()) {
		/* No shell can continue us: leave the command as it is. */
		job_log(log_warnx, j, "pid %ld stopped (SIG%s), and lockrun, "
		    "in the background with no shell to bring it back, cannot "
		    "give it the terminal: continue or kill it by hand",
		    (long)j->pid, util_signame(sig));
		return;
	}
	(void)raise(SIGTSTP);
	/* Continued by fg or bg. */
	if (spawn_tty_ours(tty) && (wants || j->env->tty_eager)) {
		spawn_give_tty(tty, j->pid);
		j->gave_tty = 1;
	}
	job_signal(j, j->pid, SIGCONT);
}

static void
job_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct job	*j = w->data;

	(void)revents;
	if (WIFSTOPPED(w->rstatus)) {
		job_stopped(j, WSTOPSIG(w->rstatus));
		return;
	}
	if (WIFCONTINUED(w->rstatus))
		return;
	ev_child_stop(loop, w);
	job_report(j);
	j->status = w->rstatus;
	job_event(j, JOB_EV_EXIT);
}

static void
job_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	job_event(w->data, JOB_EV_TIMER);
}

static void
job_start_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	job_event(w->data, JOB_EV_STARTED);
}

/* Record an OS error while locking or starting, and say so. */
static void
job_error(struct job *j, int err, const char *what, const char *path)
{
	j->error = err;
	job_log(log_warnx, j, "%s %s: %s", what, path, lock_strerror(err));
}

/*
 * Busy, and not to wait: a fleet singleton held on another host is a
 * running job (on_running: skip or fail); anything else busy with
 * --no-wait gives up.
 */
static void
job_busy(struct job *j)
{
	struct resource	*r = waiter_busy(&j->waiter);
	char		 what[512];

	waiter_stop(&j->waiter);
	job_describe_busy(j, what, sizeof(what), 0);
	if (r == j->fleet && (j->env->no_wait ||
	    j->conf->on_running == CONF_ON_RUNNING_SKIP)) {
		job_log(log_info, j, "%sskipped: %s", j->ran ? "restart " : "",
		    what);
		job_finish(j, j->ran ? JOB_RESULT_EXITED : JOB_RESULT_SKIPPED);
	} else if (r == j->fleet) {
		job_log(log_warnx, j, "%sfailed: %s", j->ran ? "restart " : "",
		    what);
		job_finish(j, j->ran ? JOB_RESULT_EXITED : JOB_RESULT_BUSY);
	} else {
		job_log(log_info, j, "%s, not waiting", what);	/* skipped */
		job_finish(j, JOB_RESULT_BUSY);
	}
}

static void
job_waiter_cb(struct waiter *w, int result, void *arg)
{
	struct job	*j = arg;

	if (result == 0)
		job_event(j, JOB_EV_LOCKED);
	else if (errno == ETIMEDOUT)
		job_event(j, JOB_EV_EXPIRED);
	else if (errno == EWOULDBLOCK)
		job_busy(j);
	else {
		job_error(j, errno, "cannot lock", waiter_busy_path(w));
		job_event(j, JOB_EV_ERROR);
	}
}

/*
 * Is a run with on_running = replace waiting to take over our singleton?
 * Such a run holds a shared lock on <job>.replace for as long as it waits,
 * so the request lives and dies with it. Look without waiting: an
 * exclusive try that fails means a request; one that succeeds is undone at
 * once. A replace file of another user's is not a request anyone may make.
 */
static int
job_replace_pending(struct job *j)
{
	struct stat	st;
	int		fd, requested = 0;

	if (j->replace == NULL)
		return (0);
	if ((fd = open(j->replace->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY)) == -1)
		return (0);		/* nobody ever asked */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    trust_owner(st.st_uid)) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			(void)flock(fd, LOCK_UN);
		else if (errno == EWOULDBLOCK)
			requested = 1;
	}
	close(fd);
	return (requested);
}

/* job_replace_pending, and say so when it is. */
static int
job_replace_requested(struct job *j)
{
	if (!job_replace_pending(j))
		return (0);
	job_log(log_info, j, "replaced by another run: not starting again");
	return (1);
}

/*
 * Ask whoever holds our singleton to give way: a shared lock on the
 * replace file, held while we wait (see job_replace_requested). The
 * holder's look takes the file exclusively for a moment: try again then.
 */
static int
job_replace_ask(struct job *j)
{
	int	tries;

	for (tries = 0; tries < 1000; tries++) {
		if (lock_try(j->replace) == 0)
			return (0);
		if (errno != EWOULDBLOCK)
			return (-1);
		(void)sched_yield();
	}
	return (-1);			/* EWOULDBLOCK: a stuck holder */
}

/*
 * May we signal pid as the holder of our PID file? Only the job's own main
 * process: the kernel says it holds the lock, it did not take the lock
 * itself (that is its lockrun), it leads its own session (every job does;
 * an ad hoc command leads its process group), and it is ours (our jobs run
 * as us, root's too). A PID file only says which process to ask the kernel
 * about.
 */
static int
job_may_signal(struct job *j, pid_t pid)
{
	struct holders_key	k;
	struct holder		h;
	pid_t			locker;
	uid_t			uid;

	if (pid <= 1 || pid == getpid() || j->pidlock->fd == -1)
		return (0);
	if (holders_key_fd(j->pidlock->fd, &k) == -1 ||
	    holders_pid_holds(pid, &k, NULL, &locker) != 1 || locker == pid)
		return (0);
	/*
	 * A job leads a session; an ad hoc command its process group. And
	 * the lockrun that took the lock is alive and its parent: a script
	 * that locked its own descriptor (flock 9, lockrun --fd 9) is no
	 * command of a lockrun, nor is one whose lockrun is gone.
	 */
	if ((j->conf->adhoc_path != NULL ? getpgid(pid) : getsid(pid)) !=
	    pid || holders_proc(pid, &h) == -1 || h.ppid != locker ||
	    locker <= 1 || kill(locker, 0) == -1)
		return (0);
	/* Our jobs run as us, root's too, or as their user =. */
	return (h.uid == geteuid() || (j->conf->user != NULL &&
	    geteuid() == 0 && util_user(j->conf->user, &uid, NULL) == 0 &&
	    h.uid == uid));
}

/*
 * The process to stop for the replacement: the PID our PID file names;
 * ad hoc, where nothing of ours is written in the --lock file, the live
 * holder /proc shows (as in messages, within a budget).
 */
static pid_t
job_replace_target(struct job *j)
{
	time_t	since;

	if (j->conf->adhoc_path != NULL)
		return (job_pidfile_holder(j, &since));
	return (lock_read_pid_fd(j->pidlock->fd, NULL, 0));
}

/*
 * Replacing: signal the holder's job once its PID is known. It may not be
 * written yet (the holder is starting it): look again shortly.
 */
static void
job_replace_poke(struct job *j)
{
	pid_t	pid;

	pid = job_replace_target(j);
	if (pid > 0 && job_may_signal(j, pid)) {
		job_log(log_info, j, "replacing pid %ld: sending %s",
		    (long)pid, util_signame(j->conf->stopsignal));
		j->replacing = pid;
		job_signal(j, pid, j->conf->stopsignal);
		job_timer(j, j->conf->stopwaitsecs);
		return;
	}
	/* Ad hoc, each look goes through /proc: not so often. */
	job_timer(j, j->conf->adhoc_path != NULL ? JOB_REPLACE_SCAN :
	    JOB_REPLACE_POLL);
}

/*
 * Fork and exec the command, holding every lock; the child inherits them.
 * -1 with j->error set (and said) when it could not be started.
 */
static int
job_spawn(struct job *j)
{
	const struct conf_job	 *c = j->conf;
	struct spawn		  sp;
	struct runas		  user;
	int			  acting = 0;
	char			**env = NULL, **shargv_noexec = NULL;
	char			 *shargv[4], why[512];
	int			  keep[2 + 2 * c->nsems + c->nlocks];
	size_t			  nkeep = 0, i;
	int			  outfd = -1, errfd = -1, fd;
	pid_t			  pid;

	spawn_init(&sp);
	memset(&user, 0, sizeof(user));
	if (j->pidres != NULL && (fd = resource_fd(j->pidres)) != -1)
		keep[nkeep++] = fd;
	for (i = 0; i < c->nsems; i++) {
		if ((fd = resource_fd(j->sems[i])) != -1)
			keep[nkeep++] = fd;
		/* The size the job's semaphores were agreed to have. */
		if (j->env->size_fds != NULL &&
		    j->env->size_fds[c->sems[i]] != -1)
			keep[nkeep++] = j->env->size_fds[c->sems[i]];
	}
	for (i = 0; i < c->nlocks; i++) {
		if ((fd = resource_fd(j->locks[i])) != -1)
			keep[nkeep++] = fd;
	}
	sp.keep_fds = keep;
	sp.nkeep = j->env->close_locks ? 0 : nkeep;
	sp.undo = j->env->undo;
	sp.umask = c->umask;

	/*
	 * user = (root only): what follows is done as that user, and the
	 * child becomes it (the locks stay held: they are open files).
	 */
	if (c->user != NULL && geteuid() == 0) {
		if (runas_lookup(&user, c->user) == -1) {
			j->error = errno;
			job_log(log_warnx, j, "user %s: no such user", c->user);
			goto fail;
		}
		if (runas_on(&user) == -1) {
			j->error = errno;
			job_log(log_warn, j, "cannot act as user %s", c->user);
			goto fail;
		}
		acting = 1;
		sp.has_user = 1;
		sp.uid = user.uid;
		sp.gid = user.gid;
		sp.groups = user.groups;
		sp.ngroups = (size_t)user.ngroups;
	}

	/*
	 * A fleet claim is not inherited as a lock file is: should lockrun
	 * die, the command must not run on unguarded (the watchdog kills
	 * the rest of its group).
	 */
	if (job_lease_left(j) != INFINITY || job_fence(j) != 0) {
		sp.pdeathsig = SIGKILL;
		sp.parent = getpid();
	}

	/* Where the command runs decides what it runs (./build, Makefile). */
	if (c->directory != NULL && trust_dir(c->directory, why,
	    sizeof(why)) == -1) {
		j->error = errno;
		if (*why != '\0')
			job_log(log_warnx, j, "directory %s: %s: not running "
			    "the job there, as another user could choose what "
			    "it runs", c->directory, why);
		else
			job_log(log_warn, j, "directory %s", c->directory);
		goto fail;
	}
	if (c->stdout_logfile != NULL &&
	    (outfd = job_open_log(j, c->stdout_logfile, c->stdout_maxbytes,
	    c->stdout_backups, acting ? &user : NULL)) == -1)
		goto fail;
	if (c->redirect_stderr)
		errfd = outfd != -1 ? outfd : STDOUT_FILENO;
	else if (c->stderr_logfile != NULL &&
	    (errfd = job_open_log(j, c->stderr_logfile, c->stderr_maxbytes,
	    c->stderr_backups, acting ? &user : NULL)) == -1)
		goto fail;
	if (acting) {
		runas_off(&user);
		acting = 0;
	}
	sp.stdout_fd = outfd;
	sp.stderr_fd = errfd;

	if (c->argv != NULL) {
		sp.path = c->argv[0];
		sp.argv = c->argv;
		sp.sh_argv = shargv_noexec = job_sh_argv(c->argv);
		sp.search_path = getenv("PATH");
		if (sp.search_path == NULL)
			sp.search_path = "/usr/local/bin:/usr/bin:/bin";
	} else {
		shargv[0] = "sh";
		shargv[1] = "-c";
		shargv[2] = c->command;
		shargv[3] = NULL;
		sp.path = "/bin/sh";
		sp.argv = shargv;
	}
	sp.envp = env = job_build_env(j);
	sp.directory = c->directory;
	sp.group = j->env->forward ? SPAWN_SETPGID : SPAWN_SETSID;
	sp.tty = j->env->forward && j->env->tty_eager &&
	    spawn_tty_ours(j->env->tty) ? j->env->tty : -1;
	sp.has_nice = c->has_nice;
	sp.nice = c->nice;
	switch (c->ioclass) {
	case CONF_IOCLASS_NONE:
		break;
	case CONF_IOCLASS_REALTIME:
		sp.ioprio = (1 << 13) | c->iolevel;
		break;
	case CONF_IOCLASS_BEST_EFFORT:
		sp.ioprio = (2 << 13) | c->iolevel;
		break;
	case CONF_IOCLASS_IDLE:
		sp.ioprio = 3 << 13;
		break;
	}

	log_status(NULL);	/* the command may write to the terminal */
	if ((pid = spawn_start(&sp, &j->report_fd)) == -1) {
		j->error = errno;
		job_log(log_warn, j, "cannot start: fork");
		goto fail;
	}
	/* libev reaps every child: watch this one before the loop runs again. */
	j->pid = pid;
	j->gave_tty = sp.tty != -1;
	/* On a terminal, also hear of the command being stopped. */
	ev_child_init(&j->child, job_child_cb, pid, j->env->forward &&
	    j->env->tty != -1);
	j->child.data = j;
	ev_child_start(j->env->loop, &j->child);
	j->started = job_now();
	j->ran = 1;
	/* supervisord's STARTING: a start succeeds once it ran startsecs. */
	j->start_ok = c->startsecs <= 0;
	j->state = j->start_ok ? JOB_RUNNING : JOB_STARTING;
	if (!j->start_ok) {
		ev_timer_set(&j->start_timer, c->startsecs, 0.);
		ev_timer_start(j->env->loop, &j->start_timer);
	}

	job_log(log_info, j, "started as pid %ld", (long)pid);
	if (j->pidres != NULL && j->pidres->ops->note(j->pidres, pid, NULL) == -1)
		job_log(log_debug, j, "%s: cannot write pid: %s",
		    resource_where(j->pidres), strerror(errno));	/* another
					user's file: --status finds the job
					through /proc */
	for (i = 0; i < c->nsems; i++)
		(void)j->sems[i]->ops->note(j->sems[i], pid, c->name);
	if (c->timeout > 0)
		job_timer(j, c->timeout);
	if (sp.pdeathsig != 0 && (j->guarded = job_guard(j, 1)))
		job_lease_check(j);

	free(shargv_noexec);
	runas_free(&user);
	job_spawn_cleanup(env, outfd, errfd);
	return (0);

fail:
	if (j->error == 0)
		j->error = errno;
	if (acting)
		runas_off(&user);
	runas_free(&user);
	free(shargv_noexec);
	job_spawn_cleanup(env, outfd, errfd);
	return (-1);
}

/*
 * Take the semaphores and named locks (and the PID file, if we do not hold
 * it yet) all or nothing, then start; wait for them if they are busy.
 */
static void
job_wait(struct job *j)
{
	struct resource	*r;
	char		 what[512];
	size_t		 i;
	double		 left;
	int		 pending;

	j->state = JOB_WAITING;
	j->waited = 0;
	j->what_at = 0;
	waiter_clear(&j->waiter);
	if (j->pidres != NULL && job_pid_held(j) == NULL && !j->pid_deferred)
		waiter_add(&j->waiter, j->pidres);
	for (i = 0; (r = job_resource(j, i)) != NULL; i++) {
		/* A busy fleet singleton is a running job: on_running says. */
		r->nowait = j->env->no_wait || (r == j->fleet &&
		    j->conf->on_running != CONF_ON_RUNNING_WAIT);
		waiter_add(&j->waiter, r);
	}

	/* Behind an instance of this process that waits for the same: queue. */
	left = job_wait_left(j);
	if (waiter_queued(&j->waiter) && !j->env->no_wait) {
		snprintf(what, sizeof(what), "queued behind another instance");
		goto wait;
	}
	if (waiter_try(&j->waiter) == 0) {
		job_event(j, JOB_EV_LOCKED);
		return;
	}
	pending = waiter_pending(errno);
	if (errno != EWOULDBLOCK && errno != EAGAIN && !pending) {
		job_error(j, errno, "cannot lock",
		    waiter_busy_path(&j->waiter));
		job_event(j, JOB_EV_ERROR);
		return;
	}
	if (!pending && waiter_busy(&j->waiter)->nowait) {
		job_busy(j);
		return;
	}
	if (pending) {
		/*
		 * ZooKeeper has yet to answer: wait for it, but not for ever
		 * when the answer is all we wait for.
		 */
		snprintf(what, sizeof(what), "asking ZooKeeper");
		if (j->env->no_wait && (left == 0 || left > j->env->fleet_wait))
			left = j->env->fleet_wait;
		if (j->env->no_wait)
			goto start;
	} else if (log_enabled(LOG_LEVEL_INFO))
		job_describe_busy(j, what, sizeof(what), 0);
wait:
	job_log(log_info, j, "waiting: %s", what);
	j->waited = 1;
start:
	waiter_start(&j->waiter, j->env->loop, left,
	    j->conf->retry_interval, job_waiter_cb, j);
}

/* Release everything, record the result, and tell the supervisor. */
static void
job_finish(struct job *j, enum job_result result)
{
	waiter_stop(&j->waiter);
	ev_timer_stop(j->env->loop, &j->timer);
	ev_timer_stop(j->env->loop, &j->start_timer);
	job_close_locks(j);
	j->result = result;
	j->state = JOB_DONE;
	j->done(j, j->arg);
}

/* Take our PID file (an instance's, with numprocs); 0, or -1 and errno. */
static int
job_pid_try(struct job *j)
{
	int	rc, saved;

	rc = resource_try(j->pidres);
	if (rc == -1 && errno != EWOULDBLOCK && errno != EAGAIN)
		return (-1);	/* the failing file stays open, to be named */
	saved = errno;
	j->pidres->ops->settle(j->pidres);	/* no spare files */
	errno = saved;
	return (rc);
}

/* The singleton is busy and on_running = replace: ask, then wait for it. */
static void
job_replace(struct job *j)
{
	pid_t	pid = 0;

	if (lock_open(j->pidlock) == -1 || job_replace_ask(j) == -1) {
		job_error(j, errno, "cannot ask for the replacement of",
		    j->replace->path);
		job_event(j, JOB_EV_ERROR);
		return;
	}
	j->state = JOB_REPLACING;
	j->replacing = 0;
	j->what_at = 0;
	job_replace_poke(j);
	if (j->replacing == 0)
		pid = job_replace_target(j);
	if (j->replacing == 0 && pid > 0 && j->conf->adhoc_path != NULL)
		job_log(log_warnx, j, "lock %s: held by pid %ld, which is not "
		    "a command that lockrun runs: not signalling it, waiting "
		    "for it to let go", j->pidlock->path, (long)pid);
	else if (j->replacing == 0 && pid > 0)
		job_log(log_warnx, j, "%s names pid %ld, which is not a job "
		    "holding it: not signalling it", j->pidlock->path,
		    (long)pid);
	else if (j->replacing == 0)
		job_log(log_info, j, "replacing %s once its pid is known",
		    j->pidlock->path);
	waiter_clear(&j->waiter);
	waiter_add(&j->waiter, j->pidres);
	waiter_start(&j->waiter, j->env->loop, job_wait_left(j),
	    j->conf->retry_interval, job_waiter_cb, j);
}

/*
 * Start (or restart after backoff): the singleton's PID file first. If it is
 * held elsewhere, on_running decides: skip, fail, wait, or replace.
 */
static void
job_do_begin(struct job *j, enum job_event ev)
{
	char	what[512];

	(void)ev;
	j->spawn_failed = 0;
	j->pid_deferred = 0;
	job_wait_begin(j);
	if (j->pidres == NULL) {
		job_wait(j);
		return;
	}
	if (job_pid_held(j) != NULL) {		/* taken at the restart */
		if (job_replace_requested(j))	/* the last run's status */
			job_finish(j, j->ran ? JOB_RESULT_EXITED :
			    JOB_RESULT_REPLACED);
		else
			job_wait(j);
		return;
	}
	if (job_pid_try(j) == 0) {
		(void)lock_clear_pid(job_pid_held(j));
		/*
		 * An instance of numprocs > 1 that must wait for more gives its
		 * file back and takes it again with the rest, all or nothing:
		 * then 2000 instances queued behind a 16-slot semaphore hold 16
		 * descriptors, not 2000. The price: while they queue, a second
		 * run of the same file queues too, where a numprocs = 1
		 * singleton (which keeps its PID file while it waits) skips.
		 * Its waiter waits for the rest only, so that the instances of
		 * this process queue behind one another (waiter_queued).
		 */
		if (j->conf->numprocs > 1 && (j->conf->nsems > 0 ||
		    j->conf->nlocks > 0)) {
			resource_close(j->pidres);
			j->pid_deferred = 1;
		}
		job_wait(j);
		return;
	}
	if (errno != EWOULDBLOCK && errno != EAGAIN) {
		job_error(j, errno, "cannot lock", resource_where(j->pidres));
		job_event(j, JOB_EV_ERROR);
		return;
	}

	/* Describe it through the waiter, as for any busy resource. */
	waiter_clear(&j->waiter);
	waiter_add(&j->waiter, j->pidres);
	j->waiter.busy = 0;
	job_describe_busy(j, what, sizeof(what), 0);

	/*
	 * A restart that does not happen (a leftover of the last run still
	 * holds the singleton) ends with the status of the run that did.
	 */
	/*
	 * The new instance of a job changed by a reload waits for the old
	 * one, whose last process may still be letting go of the file.
	 */
	switch (j->env->no_wait ? CONF_ON_RUNNING_SKIP : j->takes_over &&
	    !j->ran ? CONF_ON_RUNNING_WAIT : j->conf->on_running) {
	case CONF_ON_RUNNING_SKIP:
		job_log(log_info, j, "%sskipped: %s", j->ran ? "restart " : "",
		    what);
		job_finish(j, j->ran ? JOB_RESULT_EXITED : JOB_RESULT_SKIPPED);
		break;
	case CONF_ON_RUNNING_FAIL:
		job_log_failure(j, "%sfailed: %s", j->ran ? "restart " : "",
		    what);
		job_finish(j, j->ran ? JOB_RESULT_EXITED : JOB_RESULT_BUSY);
		break;
	case CONF_ON_RUNNING_WAIT:
		job_wait(j);
		break;
	case CONF_ON_RUNNING_REPLACE:
		job_log(log_info, j, "%s: replacing it", what);
		job_replace(j);
		break;
	}
}

/* The instance we replace is gone: withdraw the request, take the rest. */
static void
job_do_replaced(struct job *j, enum job_event ev)
{
	(void)ev;
	ev_timer_stop(j->env->loop, &j->timer);
	lock_close(j->replace);
	(void)lock_clear_pid(job_pid_held(j));
	job_wait(j);
}

/*
 * Replacing, the timer: the PID to signal may be written now; or the one
 * we signalled outlived stopwaitsecs.
 */
static void
job_do_replace_timer(struct job *j, enum job_event ev)
{
	(void)ev;
	if (j->replacing == 0) {
		job_replace_poke(j);
		return;
	}
	if (!job_may_signal(j, j->replacing))
		return;		/* gone; its lockrun has yet to let go */
	job_log(log_info, j, "pid %ld still running: sending KILL",
	    (long)j->replacing);
	job_signal(j, j->replacing, SIGKILL);
}

/* Everything is ours: start, unless a replacement was asked for meanwhile. */
static void
job_do_spawn(struct job *j, enum job_event ev)
{
	char	waited[32];

	(void)ev;
	/* The instance file given back (job_do_begin): now, or all again. */
	if (j->pid_deferred) {
		j->pid_deferred = 0;
		if (job_pid_try(j) == -1) {
			waiter_release(&j->waiter);
			if (errno == EWOULDBLOCK || errno == EAGAIN) {
				job_wait(j);	/* another run has it */
				return;
			}
			job_error(j, errno, "cannot lock",
			    resource_where(j->pidres));
			job_event(j, JOB_EV_ERROR);
			return;
		}
		(void)lock_clear_pid(job_pid_held(j));
	}
	if (j->waited && log_enabled(LOG_LEVEL_INFO)) {
		util_format_duration(job_now() - j->wait_started,
		    waited, sizeof(waited));
		job_log(log_info, j, "done waiting after %s", waited);
	}
	/*
	 * A run with on_running = replace may have asked for our singleton
	 * while we waited for the other locks: give way. One that asks from
	 * now on finds the PID once it is written (job_replace_poke).
	 */
	if (job_replace_requested(j)) {
		job_finish(j, JOB_RESULT_REPLACED);
		return;
	}
	/* Nothing to run (--fd): the lock was all, and stays the caller's. */
	if (j->conf->command == NULL && j->conf->argv == NULL) {
		job_log(log_info, j, "locked %s", resource_where(j->locks[0]));
		j->status = 0;
		job_finish(j, JOB_RESULT_EXITED);
		return;
	}
	if (job_spawn(j) == -1) {
		j->spawn_failed = 1;
		job_event(j, JOB_EV_ERROR);
	}
}

static void
job_do_giveup(struct job *j, enum job_event ev)
{
	char	what[512], waited[32];

	(void)ev;
	job_describe_busy(j, what, sizeof(what), 0);
	util_format_duration(job_now() - j->wait_started, waited,
	    sizeof(waited));
	job_log_failure(j, "gave up after %s: %s", waited, what);
	/* No answer at all is not "busy": ZooKeeper is unavailable. */
	job_finish(j, waiter_pending(j->waiter.busy_errno) ?
	    JOB_RESULT_UNAVAILABLE : JOB_RESULT_BUSY);
}

/* The runtime limit: stop signal to the group, SIGKILL after stopwaitsecs. */
static void
job_do_timeout(struct job *j, enum job_event ev)
{
	char	limit[32];

	(void)ev;
	util_format_duration(j->conf->timeout, limit, sizeof(limit));
	job_log_failure(j, "pid %ld timed out after %s: sending %s",
	    (long)j->pid, limit, util_signame(j->conf->stopsignal));
	j->timed_out = 1;
	job_signal(j, j->pid, j->conf->stopsignal);
	j->state = JOB_STOPPING;
	job_timer(j, j->conf->stopwaitsecs);
}

/*
 * lockrun was asked to stop: the job's stop signal (ad hoc: the signal
 * lockrun received, passed on) to its group, SIGKILL after stopwaitsecs
 * (--kill-after) or at a second request.
 */
static void
job_do_stop(struct job *j, enum job_event ev)
{
	int	sig = j->env->forward ? j->stop_sig : j->conf->stopsignal;

	(void)ev;
	job_log(log_info, j, "stopping pid %ld: sending %s", (long)j->pid,
	    util_signame(sig));
	job_signal(j, j->pid, sig);
	j->state = JOB_STOPPING;
	job_timer(j, j->conf->stopwaitsecs);
}

/*
 * The lease of a fleet claim will be over in less than stopwaitsecs (the
 * connection to ZooKeeper is down, or the claim is gone): stop now, and
 * SIGKILL when the lease ends (job_lease_check), whatever comes first.
 */
static void
job_do_lost(struct job *j, enum job_event ev)
{
	double	left = job_lease_left(j);

	(void)ev;
	j->lost = 1;
	job_log(log_warnx, j, "fleet claim may be lost in %.1fs (no word "
	    "from ZooKeeper): stopping pid %ld: sending %s", left,
	    (long)j->pid, util_signame(j->conf->stopsignal));
	job_signal(j, j->pid, j->conf->stopsignal);
	j->state = JOB_STOPPING;
	job_timer(j, left > 0 ? left : 0.);
}

static void
job_do_kill(struct job *j, enum job_event ev)
{
	(void)ev;
	job_log(log_info, j, "pid %ld still running: sending KILL",
	    (long)j->pid);
	job_signal(j, j->pid, SIGKILL);
	ev_timer_stop(j->env->loop, &j->timer);
	j->state = JOB_STOPPING;
}

/*
 * Should the job start again after this wait status (-1: it could not be
 * started at all)? As supervisord: a failed start (it could not be
 * spawned, or ended before startsecs) is tried again, up to startretries
 * in a row, whatever autorestart says; autorestart decides after a run
 * that started.
 */
static int
job_should_restart(struct job *j, int status, int failed_start)
{
	int	expected;

	if (j->timed_out || j->stop_requested || j->env->stopping)
		return (0);
	/*
	 * A lock that could not be taken (permission denied) is no start:
	 * tried again only for a job that restarts.
	 */
	if (status == -1 && !j->spawn_failed &&
	    j->conf->autorestart == CONF_RESTART_FALSE)
		return (0);
	if (failed_start)
		return (j->failed <= j->conf->startretries);
	expected = WIFEXITED(status) &&
	    conf_exitcode_expected(j->conf, WEXITSTATUS(status));
	switch (j->conf->autorestart) {
	case CONF_RESTART_FALSE:
		return (0);
	case CONF_RESTART_TRUE:
		return (1);
	case CONF_RESTART_UNEXPECTED:
		return (!expected);
	case CONF_RESTART_EXPECTED:
		return (expected);
	}
	return (0);
}

/*
 * The run is over (status -1: it never started): start again after a
 * backoff, or finish. Every lock is given back and taken again on a fresh
 * open file: a leftover of the run (escaped from its group) still holds
 * what it inherited, and then on_running decides, as for any busy start.
 * The PID file is taken again at once, so that the singleton stays ours
 * through the backoff whenever it is free.
 */
static void
job_after_run(struct job *j, int status, enum job_result result)
{
	char	delay[32];
	int	restart, failed_start = status == -1 || !j->start_ok;

	ev_timer_stop(j->env->loop, &j->timer);
	if (failed_start)
		j->failed++;
	/*
	 * Look for a replacement before letting go of the PID file: the run
	 * that asks for it withdraws its request once it has the file.
	 */
	restart = job_should_restart(j, status, failed_start) &&
	    !job_replace_requested(j);
	job_close_locks(j);
	if (!restart) {
		if (failed_start && j->failed > 1 && !j->stop_requested &&
		    !j->timed_out)
			job_log_failure(j, "gave up: %u failed starts in a row "
			    "(startretries = %u)", j->failed,
			    j->conf->startretries);
		job_finish(j, result);
		return;
	}
	/* A run that outlived the longest backoff starts a new series. */
	if (status != -1 && job_now() - j->started >= JOB_BACKOFF_MAX)
		j->backoff = JOB_BACKOFF_FIRST;
	util_format_duration(j->backoff, delay, sizeof(delay));
	if (failed_start)
		job_log(log_info, j, "start %u of %u failed: trying again in "
		    "%s", j->failed, j->conf->startretries + 1, delay);
	else
		job_log(log_info, j, "restarting in %s", delay);
	if (j->pidlock != NULL && lock_try(j->pidlock) == 0)
		(void)lock_clear_pid(j->pidlock);
	else if (j->pidlock != NULL)
		lock_close(j->pidlock);	/* busy or failing: see at begin */
	j->error = 0;
	j->state = JOB_BACKOFF;
	job_timer(j, j->backoff);
	j->backoff *= 2;
	if (j->backoff > JOB_BACKOFF_MAX)
		j->backoff = JOB_BACKOFF_MAX;
}

/* Could not lock or start (j->error says why): try again, or give up. */
static void
job_do_failed(struct job *j, enum job_event ev)
{
	(void)ev;
	job_after_run(j, -1, JOB_RESULT_ERROR);
}

/* The process and its group are gone. */
static void
job_after_exit(struct job *j)
{
	job_after_run(j, j->status, j->timed_out ? JOB_RESULT_TIMEOUT :
	    j->lost ? JOB_RESULT_LOST : JOB_RESULT_EXITED);
}

/*
 * Is wait status st what the job was meant to end with: an exit status in
 * exitcodes, or a signal that lockrun sent (a stop, a runtime limit, which
 * is reported on its own) or that a run replacing it sent?
 */
static int
job_exit_expected(struct job *j, int st)
{
	if (WIFEXITED(st))
		return (conf_exitcode_expected(j->conf, WEXITSTATUS(st)));
	return (j->stop_requested || j->timed_out || job_replace_pending(j));
}

/* The main process exited: report it, then see to what is left of its group. */
static void
job_do_exited(struct job *j, enum job_event ev)
{
	char	how[64], ran[32], limit[32];
	int	st = j->status;

	(void)ev;
	ev_timer_stop(j->env->loop, &j->timer);
	if (j->gave_tty)
		spawn_restore_tty(j->env->tty);
	j->gave_tty = 0;
	ev_timer_stop(j->env->loop, &j->start_timer);
	if (WIFSIGNALED(st))
		snprintf(how, sizeof(how), "killed by signal %s",
		    util_signame(WTERMSIG(st)));
	else
		snprintf(how, sizeof(how), "exited with status %d",
		    WEXITSTATUS(st));
	if (!j->start_ok && !j->stop_requested && !j->timed_out) {
		util_format_duration(job_now() - j->started, ran,
		    sizeof(ran));
		util_format_duration(j->conf->startsecs, limit, sizeof(limit));
		job_log_failure(j, "pid %ld %s after %s, before startsecs "
		    "(%s): the start failed", (long)j->pid, how, ran, limit);
	} else if (job_exit_expected(j, st))
		job_log(log_info, j, "pid %ld %s", (long)j->pid, how);
	else
		job_log_failure(j, "pid %ld %s", (long)j->pid, how);

	/*
	 * Leftovers in the group would keep the locks by accident. A member
	 * killed with its leader may still be a zombie for a moment, waiting
	 * for its parent to reap it: give the group a moment before signalling.
	 */
	if (job_signal_leftovers(j, 0) > 0) {
		j->reap_signalled = 0;
		j->stop_deadline = job_now() + JOB_REAP_GRACE;
		j->state = JOB_REAPING;
		job_timer(j, JOB_REAP_POLL);
		return;
	}
	job_after_exit(j);
}

/*
 * Wait for the leftovers of the group to go. They are not our children, so
 * no watcher sees them exit: look every few milliseconds; after a moment
 * send the stop signal, after stopwaitsecs more SIGKILL.
 */
static void
job_do_reap(struct job *j, enum job_event ev)
{
	ev_tstamp	now = job_now();

	if (job_signal_leftovers(j, 0) == 0) {
		job_after_exit(j);
		return;
	}
	if (j->reap_signalled == 2 && now >= j->stop_deadline) {
		/* Only zombies nobody reaps can survive SIGKILL this long. */
		job_log(log_warnx, j, "process group %ld does not go away: "
		    "giving up on it", (long)j->pid);
		job_after_exit(j);
		return;
	}
	if (j->reap_signalled < 2 && (ev == JOB_EV_KILL ||
	    (j->reap_signalled == 1 && now >= j->stop_deadline))) {
		job_log(log_info, j, "process group %ld still there: sending "
		    "KILL", (long)j->pid);
		(void)job_signal_leftovers(j, SIGKILL);
		j->reap_signalled = 2;
		j->stop_deadline = now + 1 + j->conf->stopwaitsecs;
	} else if (!j->reap_signalled && now >= j->stop_deadline) {
		job_log(log_info, j, "process group %ld outlived its leader: "
		    "sending %s", (long)j->pid,
		    util_signame(j->conf->stopsignal));
		(void)job_signal_leftovers(j, j->conf->stopsignal);
		j->reap_signalled = 1;
		j->stop_deadline = now + j->conf->stopwaitsecs;
	}
	job_timer(j, JOB_REAP_POLL);
}

/*
 * It has run startsecs: the start succeeded (supervisord's RUNNING), and
 * failed starts count from zero again.
 */
static void
job_do_started(struct job *j, enum job_event ev)
{
	char	limit[32];

	(void)ev;
	util_format_duration(j->conf->startsecs, limit, sizeof(limit));
	job_log(log_info, j, "pid %ld up for startsecs (%s): started",
	    (long)j->pid, limit);
	j->start_ok = 1;
	j->failed = 0;
	j->state = JOB_RUNNING;
}

/* Stopped before the job ran: give everything back. */
static void
job_do_cancel(struct job *j, enum job_event ev)
{
	(void)ev;
	job_finish(j, JOB_RESULT_CANCELLED);
}

static void
job_do_nop(struct job *j, enum job_event ev)
{
	(void)j;
	(void)ev;
}

static void
job_do_bug(struct job *j, enum job_event ev)
{
	log_error("job %s: bug: event %s in state %s", j->name,
	    job_event_names[ev], job_state_names[j->state]);
}

/* Rows: state. Columns: event. Every cell is a decision. */
static job_action *const job_fsm[JOB_NSTATES][JOB_NEVENTS] = {
	/*		     START	    LOCKED	     EXPIRED	     ERROR	    EXIT	   TIMER		 STOP		KILL	       STARTED	      LOST */
	[JOB_IDLE]	= { job_do_begin, job_do_bug,	     job_do_bug,     job_do_failed, job_do_bug,	   job_do_bug,		 job_do_cancel, job_do_cancel, job_do_bug,     job_do_bug },
	[JOB_REPLACING] = { job_do_bug,	  job_do_replaced,   job_do_giveup,  job_do_failed, job_do_bug,	   job_do_replace_timer, job_do_cancel, job_do_cancel, job_do_bug,     job_do_bug },
	[JOB_WAITING]	= { job_do_bug,	  job_do_spawn,	     job_do_giveup,  job_do_failed, job_do_bug,	   job_do_bug,		 job_do_cancel, job_do_cancel, job_do_bug,     job_do_bug },
	[JOB_STARTING]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_exited, job_do_timeout,	 job_do_stop,	job_do_kill,   job_do_started, job_do_lost },
	[JOB_RUNNING]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_exited, job_do_timeout,	 job_do_stop,	job_do_kill,   job_do_bug,     job_do_lost },
	[JOB_STOPPING]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_exited, job_do_kill,		 job_do_nop,	job_do_kill,   job_do_nop,     job_do_nop },
	[JOB_REAPING]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_bug,	   job_do_reap,		 job_do_nop,	job_do_reap,   job_do_bug,     job_do_nop },
	[JOB_BACKOFF]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_failed, job_do_bug,	   job_do_begin,	 job_do_cancel, job_do_cancel, job_do_bug },
	[JOB_DONE]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_bug,	   job_do_nop,		 job_do_nop,	job_do_nop,    job_do_bug },
};

static void
job_event(struct job *j, enum job_event ev)
{
	enum job_state	told;

	log_debug("job %s: %s in state %s", j->name, job_event_names[ev],
	    job_state_names[j->state]);
	job_fsm[j->state][ev](j, ev);
	/*
	 * Every state is entered in an event: tell of it once, here, also
	 * when nested events went through several (idle to running).
	 */
	if (j->state != j->told) {
		told = j->told;
		j->told = j->state;
		if (j->env->changed != NULL)
			j->env->changed(j, told, j->env->changed_arg);
	}
}

/*
 * Put a first-come, first-served queue in front of r (res_queue.c), when
 * the lock dir it would live in was vetted.
 */
static struct resource *
job_queued(const struct job_env *env, struct resource *r,
    enum lockdir_queue_kind kind, const char *name)
{
	if (!env->queues)
		return (r);
	return (res_queue_new(r, env->lock_dir, kind, name));
}

/* A fleet resource (res_zk.c); conf refuses fleet keys in a build without. */
static struct resource *
job_fleet_new(const struct job_env *env, const char *kind, const char *name,
    unsigned slots, int shared, const char *job)
{
#ifdef HAVE_ZOOKEEPER
	return (res_zk_new(env->loop, kind, name, slots, shared, job));
#else
	(void)env;
	(void)kind;
	(void)name;
	(void)slots;
	(void)shared;
	(void)job;
	log_error("fleet %s %s: lockrun was built without ZooKeeper support",
	    kind, name);
	abort();
#endif
}

/*
 * A job instance for conf: nothing is opened until it starts. done is called
 * once, when it reaches JOB_DONE.
 */
struct job *
job_new(const struct conf_job *c, unsigned instance, const struct job_env *env,
    job_done_cb *done, void *arg)
{
	struct job	*j;
	struct resource	*r;
	char		*path;
	size_t		 i;

	j = util_xcalloc(1, sizeof(*j));
	j->conf = c = conf_job_instance(c, instance, &j->inst);
	j->env = env;
	j->instance = instance;
	if (c->numprocs > 1)
		j->name = lockdir_instance_name(c->name, instance);
	else
		j->name = util_xstrdup(c->name);
	j->state = JOB_IDLE;
	j->backoff = JOB_BACKOFF_FIRST;
	j->done = done;
	j->arg = arg;

	if (c->singleton) {
		/*
		 * Instance k's file is <job>.NN.pid, named as it is: k and no
		 * other; its queue is its own. Ad hoc (--replace): the --lock
		 * file, the user's.
		 */
		if (c->adhoc_path != NULL)
			path = util_xstrdup(c->adhoc_path);
		else if (c->numprocs > 1)
			path = lockdir_slot_file(env->lock_dir, c->name,
			    instance, LOCKDIR_INSTANCE);
		else
			path = lockdir_pid_file(env->lock_dir, c->name);
		r = res_lock_new(path, LOCK_EXCLUSIVE, c->adhoc_path == NULL);
		res_lock(r)->user = c->adhoc_path != NULL;
		j->pidres = c->adhoc_path != NULL ? job_queued(env, r,
		    LOCKDIR_QUEUE_FILE, NULL) : job_queued(env, r,
		    LOCKDIR_QUEUE_PID, j->name);
		j->pidlock = res_lock(res_queue_inner(j->pidres));
		free(path);
	}
	/* Where a run that would replace this one asks for it. */
	if ((j->pidlock != NULL && c->numprocs == 1) || c->adhoc_key != NULL) {
		path = c->adhoc_key != NULL ? lockdir_path_replace_file(
		    env->lock_dir, c->adhoc_key) : lockdir_replace_file(
		    env->lock_dir, c->name);
		j->replace = util_xcalloc(1, sizeof(*j->replace));
		lock_init(j->replace, path, LOCK_SHARED);
		j->replace->own = 1;
		free(path);
	}
	/* Fleet wide: one run in the fleet, numprocs at most with more. */
	if (c->singleton && c->fleet)
		j->fleet = job_fleet_new(env, "job", c->name, c->numprocs, 0,
		    c->name);
	j->sems = util_xcalloc(c->nsems, sizeof(*j->sems));
	for (i = 0; i < c->nsems; i++) {
		const struct conf_sem *cs = &env->conf->sems[c->sems[i]];

		if (cs->fleet) {
			j->sems[i] = job_fleet_new(env, "semaphore", cs->name,
			    cs->slots, 0, c->name);
			continue;
		}

		/* Contenders that all scan from slot 0 fight over it first. */
		j->sems[i] = job_queued(env, res_sem_new(env->lock_dir,
		    cs->name, cs->slots, LOCKDIR_SLOT, 0,
		    (unsigned)getpid() + instance), LOCKDIR_QUEUE_SEM,
		    cs->name);
	}
	j->locks = util_xcalloc(c->nlocks, sizeof(*j->locks));
	for (i = 0; i < c->nlocks; i++) {
		if (c->locks[i].is_fd) {
			j->locks[i] = res_fd_new(c->locks[i].fd,
			    c->locks[i].shared ? LOCK_SHARED : LOCK_EXCLUSIVE);
			continue;
		}
		if (c->locks[i].fleet) {
			j->locks[i] = job_fleet_new(env, "lock",
			    c->locks[i].name, 1, c->locks[i].shared, c->name);
			continue;
		}
		path = c->locks[i].is_path ? util_xstrdup(c->locks[i].name) :
		    lockdir_lock_file(env->lock_dir, c->locks[i].name);
		r = res_lock_new(path, c->locks[i].shared ? LOCK_SHARED :
		    LOCK_EXCLUSIVE, 0);
		/* A --lock file may be the user's data, as with flock(1). */
		res_lock(r)->user = c->locks[i].is_path;
		j->locks[i] = job_queued(env, r, c->locks[i].is_path ?
		    LOCKDIR_QUEUE_FILE : LOCKDIR_QUEUE_LOCK,
		    c->locks[i].is_path ? NULL : c->locks[i].name);
		free(path);
	}
	waiter_init(&j->waiter);
	ev_timer_init(&j->timer, job_timer_cb, 0., 0.);
	j->timer.data = j;
	ev_timer_init(&j->start_timer, job_start_timer_cb, 0., 0.);
	j->start_timer.data = j;
	ev_timer_init(&j->lease, job_lease_cb, 0., 0.);
	j->lease.data = j;
	j->report_fd = -1;
	return (j);
}

/* Free a job that is idle or done. */
void
job_free(struct job *j)
{
	size_t	i;

	if (j == NULL)
		return;
	waiter_clear(&j->waiter);
	ev_timer_stop(j->env->loop, &j->timer);
	ev_timer_stop(j->env->loop, &j->start_timer);
	ev_timer_stop(j->env->loop, &j->lease);
	if (j->report_fd != -1)
		close(j->report_fd);
	resource_free(j->pidres);
	resource_free(j->fleet);
	if (j->replace != NULL) {
		lock_free(j->replace);
		free(j->replace);
	}
	for (i = 0; i < j->conf->nsems; i++)
		resource_free(j->sems[i]);
	free(j->sems);
	for (i = 0; i < j->conf->nlocks; i++)
		resource_free(j->locks[i]);
	free(j->locks);
	free(j->name);
	conf_job_instance_free(j->conf, &j->inst);
	free(j);
}

void
job_start(struct job *j)
{
	job_event(j, JOB_EV_START);
}

/*
 * lockrun received sig: stop gracefully, or at once when asked a second
 * time. Ad hoc, sig itself is what the command's group gets first.
 */
void
job_stop(struct job *j, int sig, int now)
{
	j->stop_sig = sig;
	j->stop_requested = 1;	/* whatever the state: no restart after this */
	job_event(j, now ? JOB_EV_KILL : JOB_EV_STOP);
}
