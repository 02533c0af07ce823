/*
 * job.c: one job instance: its locks, its process, its state table.
 *
 * A job's life is a table of (state x event) -> action, as in s6-supervise:
 * every cell is a decision. The actions below are the only places that
 * change j->state.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "log.h"
#include "spawn.h"
#include "util.h"

#define JOB_BACKOFF_FIRST	0.5	/* first delay between restarts */
#define JOB_BACKOFF_MAX		60.0
#define JOB_REAP_POLL		0.01	/* how often to look for leftovers */
#define JOB_REAP_GRACE		0.1	/* before signalling them */
#define JOB_REPLACE_REQUEST	"replace\n"	/* appended to a PID file */

extern char **environ;

typedef void job_action(struct job *, enum job_event);

static void	job_wait(struct job *);
static void	job_finish(struct job *, enum job_result);
static int	job_replaced_elsewhere(struct job *);

static const char *const job_event_names[JOB_NEVENTS] = {
	"start", "locked", "expired", "exit", "timer", "stop", "kill",
};

static const char *const job_state_names[JOB_NSTATES] = {
	"idle", "replacing", "waiting", "running", "stopping", "reaping",
	"backoff", "done",
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

/* The lock that holds our PID file, or NULL. */
static struct lock *
job_pid_held(struct job *j)
{
	if (j->pidlock != NULL)
		return (j->pidlock->held ? j->pidlock : NULL);
	if (j->pidsem != NULL)
		return (sem_held_lock(j->pidsem));
	return (NULL);
}

/*
 * Close every lock file: the last close wakes the waiters of other lockruns.
 * PID files and slots are emptied first, while they are still ours.
 */
static void
job_close_locks(struct job *j, int keep_pid)
{
	struct lock	*held;
	size_t		 i;

	for (i = 0; i < j->conf->nsems; i++) {
		if ((held = sem_held_lock(&j->sems[i])) != NULL)
			(void)lock_clear_pid(held);
		sem_close(&j->sems[i]);
	}
	for (i = 0; i < j->conf->nlocks; i++)
		lock_close(&j->locks[i]);
	if (keep_pid)
		return;
	if ((held = job_pid_held(j)) != NULL)
		(void)lock_clear_pid(held);
	if (j->pidlock != NULL)
		lock_close(j->pidlock);
	if (j->pidsem != NULL)
		sem_close(j->pidsem);
}

/* "pid 42", "pids 42, 43", or "" when nobody can be seen holding path(s). */
static void
job_format_holders(const pid_t *pids, size_t n, char *buf, size_t len)
{
	size_t	i, off;

	buf[0] = '\0';
	if (n == 0)
		return;
	off = snprintf(buf, len, "pid%s ", n > 1 ? "s" : "");
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%ld", i ? ", " : "",
		    (long)pids[i]);
}

/* Add the PID from a lock file, or the lock's holder, unless listed already. */
static size_t
job_add_pid(pid_t *pids, size_t n, pid_t from_file, pid_t holder)
{
	pid_t	pid = from_file > 0 ? from_file : holder;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (pids[i] == pid)
			return (0);
	}
	pids[n] = pid;
	return (1);
}

/* " since 02:00:03" (or a date, when not today), or "" when unknown. */
static void
job_format_since(pid_t pid, char *buf, size_t len)
{
	struct tm	tm, today;
	time_t		start, now = time(NULL);

	buf[0] = '\0';
	if (util_proc_start_time(pid, &start) == -1)
		return;
	localtime_r(&start, &tm);
	localtime_r(&now, &today);
	strftime(buf, len, tm.tm_yday == today.tm_yday &&
	    tm.tm_year == today.tm_year ? " since %H:%M:%S" :
	    " since %Y-%m-%d %H:%M", &tm);
}

/*
 * Say what the waiter found busy, naming the holders where /proc/locks or
 * the files tell them: "semaphore gpu: 3/3 slots busy (pids 1, 2, 3)",
 * "lock /x: held by pid 4", "job backup is already running as pid 5 since
 * 02:00:03" (or, for the status line, "job backup to finish (pid 5 ...)").
 */
static void
job_describe_busy(struct job *j, char *buf, size_t len, int progress)
{
	const struct waiter_item	*it = &j->waiter.items[j->waiter.busy];
	struct lock_table		 table;
	struct lock_holder		 h[16];
	pid_t				 pids[16], pid;
	char				 who[160], since[48], path[4096];
	size_t				 n = 0, k;
	unsigned			 i;

	if (it->sem != NULL && it->sem == j->pidsem) {
		snprintf(buf, len, "%s%u instances of job %s %s",
		    progress ? "one of the " : "all ", it->sem->nslots,
		    j->conf->name, progress ? "to finish" : "are running");
		return;
	}
	if (it->lock != NULL && it->lock == j->pidlock) {
		pid = lock_read_pid(it->lock->path, NULL, 0);
		since[0] = '\0';
		if (pid > 0)
			job_format_since(pid, since, sizeof(since));
		if (progress && pid > 0)
			snprintf(buf, len, "job %s to finish (pid %ld%s)",
			    j->conf->name, (long)pid, since);
		else if (progress)
			snprintf(buf, len, "job %s to finish", j->conf->name);
		else if (pid > 0)
			snprintf(buf, len, "job %s is already running as pid "
			    "%ld%s", j->conf->name, (long)pid, since);
		else
			snprintf(buf, len, "job %s is already running",
			    j->conf->name);
		return;
	}

	if (lock_table_load(&table) == -1)
		table.n = 0;
	if (it->sem != NULL) {
		/* A slot's file names the job holding it; else /proc/locks does. */
		for (i = 0; i < it->sem->nslots && n < LOCKRUN_ARRAY_LEN(pids);
		    i++) {
			sem_slot_path(it->sem, i, path, sizeof(path));
			if (lock_table_find(&table, path, h, 1) == 0)
				continue;
			n += job_add_pid(pids, n, lock_read_pid(path, NULL, 0),
			    h[0].pid);
		}
		job_format_holders(pids, n, who, sizeof(who));
		snprintf(buf, len, "semaphore %s: %u/%u slots busy%s%s%s",
		    it->sem->name, it->sem->nslots, it->sem->nslots,
		    *who ? " (" : "", who, *who ? ")" : "");
	} else {
		n = lock_table_find(&table, it->lock->path, h,
		    LOCKRUN_ARRAY_LEN(h));
		for (k = 0; k < n && k < LOCKRUN_ARRAY_LEN(h); k++)
			pids[k] = h[k].pid;
		job_format_holders(pids, k, who, sizeof(who));
		snprintf(buf, len, "lock %s: %s%s", it->lock->path,
		    *who ? "held by " : "busy", who);
	}
	lock_table_free(&table);
}

/* How long the job has been waiting for its locks, or -1 if it is not. */
double
job_waited(struct job *j)
{
	if (j->state != JOB_WAITING && j->state != JOB_REPLACING)
		return (-1);
	return (ev_now(j->env->loop) - j->wait_started);
}

/*
 * Say what the waiting job waits for, and for how long: "semaphore heavy:
 * 2/2 slots busy (pids 311, 402), 12s of 10m".
 */
void
job_describe_wait(struct job *j, char *buf, size_t len)
{
	char	what[400], waited[32], limit[32];

	job_describe_busy(j, what, sizeof(what), 1);
	util_format_duration(job_waited(j), waited, sizeof(waited));
	if (j->conf->wait_timeout > 0) {
		util_format_duration(j->conf->wait_timeout, limit,
		    sizeof(limit));
		snprintf(buf, len, "%s, %s of %s", what, waited, limit);
	} else
		snprintf(buf, len, "%s, %s", what, waited);
}

/* The environment of the child: ours, the job's, and LOCKRUN_*. */
static char **
job_build_env(struct job *j)
{
	const struct conf_job	 *c = j->conf;
	char			**env, **e;
	size_t			  n, i, k;
	const char		 *eq;

	for (n = 0; environ[n] != NULL; n++)
		;
	env = util_xcalloc(n + c->nenvironment + 5, sizeof(*env));
	k = 0;
	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "LOCKRUN_", 8) == 0)
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
	if (c->nsems > 0)
		util_xasprintf(&env[k++], "LOCKRUN_SLOT=%d", j->sems[0].held);
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

/* Open a log file for the child, appending; -1 and a message on failure. */
static int
job_open_log(struct job *j, const char *path)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY,
	    0640);
	if (fd == -1)
		job_log(log_warn, j, "%s", path);
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

/* Send a signal to the job's whole process group. */
static void
job_signal(struct job *j, pid_t pg, int sig)
{
	if (kill(-pg, sig) == -1 && errno != ESRCH)
		job_log(log_warn, j, "kill %s to process group %ld",
		    util_signame(sig), (long)pg);
}

static void
job_event(struct job *, enum job_event);

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
 * Ad hoc on a terminal, Ctrl-Z stopped the command (its own process group
 * has the terminal): stop ourselves too, so the shell sees the job stop,
 * and on fg or bg hand the terminal back (if ours) and continue the command.
 */
static void
job_stopped(struct job *j)
{
	spawn_restore_tty(j->env->tty);
	(void)raise(SIGTSTP);
	/* Continued by fg or bg. */
	if (spawn_foreground_tty() != -1)
		spawn_give_tty(j->env->tty, j->pid);
	job_signal(j, j->pid, SIGCONT);
}

static void
job_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct job	*j = w->data;

	(void)revents;
	if (WIFSTOPPED(w->rstatus)) {
		job_stopped(j);
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
job_waiter_cb(struct waiter *w, int result, void *arg)
{
	struct job	*j = arg;

	(void)w;
	if (result == 0)
		job_event(j, JOB_EV_LOCKED);
	else if (errno == ETIMEDOUT)
		job_event(j, JOB_EV_EXPIRED);
	else {
		j->error = errno;
		job_log(log_warnx, j, "cannot lock %s: %s", waiter_busy_path(w),
		    lock_strerror(errno));
		job_finish(j, JOB_RESULT_ERROR);
	}
}

/* Fork and exec the command, holding every lock; the child inherits them. */
static void
job_spawn(struct job *j)
{
	const struct conf_job	 *c = j->conf;
	struct spawn		  sp;
	struct lock		 *pl, *held;
	char			**env = NULL, **shargv_noexec = NULL;
	char			 *shargv[4];
	int			  keep[2 + c->nsems + c->nlocks];
	size_t			  nkeep = 0, i;
	int			  outfd = -1, errfd = -1;
	pid_t			  pid;

	/*
	 * A run with on_running = replace may have asked for our singleton
	 * while we waited for the other locks (the PID file had no PID to
	 * signal then): give way. Known weakness: a request appended between
	 * this check and lock_write_pid below is truncated away, and the job
	 * runs to its end before the replacing run starts.
	 */
	if (job_replaced_elsewhere(j)) {
		job_finish(j, JOB_RESULT_REPLACED);
		return;
	}
	spawn_init(&sp);
	if ((pl = job_pid_held(j)) != NULL)
		keep[nkeep++] = pl->fd;
	for (i = 0; i < c->nsems; i++) {
		if ((held = sem_held_lock(&j->sems[i])) != NULL)
			keep[nkeep++] = held->fd;
	}
	for (i = 0; i < c->nlocks; i++)
		keep[nkeep++] = j->locks[i].fd;
	sp.keep_fds = keep;
	sp.nkeep = nkeep;

	if (c->stdout_logfile != NULL &&
	    (outfd = job_open_log(j, c->stdout_logfile)) == -1)
		goto fail;
	if (c->redirect_stderr)
		errfd = outfd != -1 ? outfd : STDOUT_FILENO;
	else if (c->stderr_logfile != NULL &&
	    (errfd = job_open_log(j, c->stderr_logfile)) == -1)
		goto fail;
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
	sp.tty = j->env->forward ? j->env->tty : -1;
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
		job_log(log_warn, j, "fork");
		goto fail;
	}
	/* libev reaps every child: watch this one before the loop runs again. */
	j->pid = pid;
	/* On a terminal, also hear of the command being stopped (Ctrl-Z). */
	ev_child_init(&j->child, job_child_cb, pid, sp.tty != -1);
	j->child.data = j;
	ev_child_start(j->env->loop, &j->child);
	j->started = ev_now(j->env->loop);
	j->state = JOB_RUNNING;

	job_log(log_info, j, "started as pid %ld", (long)pid);
	if (pl != NULL && lock_write_pid(pl, pid, NULL) == -1)
		job_log(log_warn, j, "%s: cannot write pid", pl->path);
	for (i = 0; i < c->nsems; i++) {
		if ((held = sem_held_lock(&j->sems[i])) != NULL)
			(void)lock_write_pid(held, pid, c->name); /* optional */
	}
	if (c->timeout > 0)
		job_timer(j, c->timeout);

	free(shargv_noexec);
	job_spawn_cleanup(env, outfd, errfd);
	return;

fail:
	if (j->error == 0)
		j->error = errno;
	free(shargv_noexec);
	job_spawn_cleanup(env, outfd, errfd);
	job_finish(j, JOB_RESULT_ERROR);
}

/*
 * Take the semaphores and named locks (and the PID file, if we do not hold
 * it yet) all or nothing, then start; wait for them if they are busy.
 */
static void
job_wait(struct job *j)
{
	char	what[512];
	size_t	i;

	waiter_clear(&j->waiter);
	if (j->pidlock != NULL && !j->pidlock->held)
		waiter_add_lock(&j->waiter, j->pidlock);
	if (j->pidsem != NULL && j->pidsem->held == -1)
		waiter_add_sem(&j->waiter, j->pidsem);
	for (i = 0; i < j->conf->nsems; i++)
		waiter_add_sem(&j->waiter, &j->sems[i]);
	for (i = 0; i < j->conf->nlocks; i++)
		waiter_add_lock(&j->waiter, &j->locks[i]);

	/* Behind an instance of this process that waits for the same: queue. */
	if (waiter_queued(&j->waiter) && !j->env->no_wait) {
		snprintf(what, sizeof(what), "queued behind another instance");
		goto wait;
	}
	if (waiter_try(&j->waiter) == 0) {
		job_spawn(j);
		return;
	}
	if (errno != EWOULDBLOCK && errno != EAGAIN) {
		j->error = errno;
		job_log(log_warnx, j, "cannot lock %s: %s",
		    waiter_busy_path(&j->waiter), lock_strerror(errno));
		job_finish(j, JOB_RESULT_ERROR);
		return;
	}
	job_describe_busy(j, what, sizeof(what), 0);
	if (j->env->no_wait) {
		job_log(log_warnx, j, "%s, not waiting", what);
		job_finish(j, JOB_RESULT_BUSY);
		return;
	}
wait:
	job_log(log_info, j, "waiting: %s", what);
	j->state = JOB_WAITING;
	j->wait_started = ev_now(j->env->loop);
	waiter_start(&j->waiter, j->env->loop, j->conf->wait_timeout,
	    j->conf->retry_interval, job_waiter_cb, j);
}

/* Release everything, record the result, and tell the supervisor. */
static void
job_finish(struct job *j, enum job_result result)
{
	waiter_stop(&j->waiter);
	ev_timer_stop(j->env->loop, &j->timer);
	job_close_locks(j, 0);
	j->result = result;
	j->state = JOB_DONE;
	j->done(j, j->arg);
}

/*
 * Start (or restart after backoff): the singleton's PID file first. If it is
 * held elsewhere, on_running decides: skip, fail, wait, or replace.
 */
static void
job_do_begin(struct job *j, enum job_event ev)
{
	char	what[512];
	pid_t	pid;
	int	rc, saved;

	(void)ev;
	if (j->pidlock == NULL && j->pidsem == NULL) {
		job_wait(j);
		return;
	}
	if (job_pid_held(j) != NULL) {		/* a restart keeps it */
		if (job_replaced_elsewhere(j))
			job_finish(j, JOB_RESULT_EXITED);
		else
			job_wait(j);
		return;
	}
	if (j->pidlock != NULL)
		rc = lock_try(j->pidlock);
	else {
		rc = sem_try(j->pidsem);
		saved = errno;
		sem_close_spare(j->pidsem);	/* held or not, no more files */
		errno = saved;
	}
	if (rc == 0) {
		(void)lock_clear_pid(job_pid_held(j));
		job_wait(j);
		return;
	}
	if (errno != EWOULDBLOCK && errno != EAGAIN) {
		j->error = errno;
		job_log(log_warnx, j, "cannot lock %s: %s", j->pidlock != NULL ?
		    j->pidlock->path : j->pidsem->pattern,
		    lock_strerror(errno));
		job_finish(j, JOB_RESULT_ERROR);
		return;
	}

	/* Describe it through the waiter, as for any busy lock. */
	waiter_clear(&j->waiter);
	if (j->pidlock != NULL)
		waiter_add_lock(&j->waiter, j->pidlock);
	else
		waiter_add_sem(&j->waiter, j->pidsem);
	j->waiter.busy = 0;
	job_describe_busy(j, what, sizeof(what), 0);

	switch (j->env->no_wait ? CONF_ON_RUNNING_SKIP : j->conf->on_running) {
	case CONF_ON_RUNNING_SKIP:
		job_log(log_info, j, "skipped: %s", what);
		job_finish(j, JOB_RESULT_SKIPPED);
		break;
	case CONF_ON_RUNNING_FAIL:
		job_log(log_warnx, j, "failed: %s", what);
		job_finish(j, JOB_RESULT_BUSY);
		break;
	case CONF_ON_RUNNING_WAIT:
		job_wait(j);
		break;
	case CONF_ON_RUNNING_REPLACE:
		/*
		 * Ask the lockrun that holds the PID file not to restart its
		 * job (autorestart) nor start it again after a backoff, then
		 * stop the job itself.
		 */
		if (lock_append(j->pidlock, JOB_REPLACE_REQUEST) == -1)
			job_log(log_warn, j, "%s: cannot ask for a replacement",
			    j->pidlock->path);
		pid = lock_read_pid(j->pidlock->path, NULL, 0);
		j->replacing = pid;
		if (pid > 0 && !lock_opened_by(j->pidlock, pid)) {
			/* Not the holder: a stale or forged PID. */
			job_log(log_warnx, j, "%s names pid %ld, which does not "
			    "hold it: not signalling it", j->pidlock->path,
			    (long)pid);
			j->replacing = 0;
		} else if (pid > 0) {
			job_log(log_info, j, "replacing pid %ld: sending %s",
			    (long)pid, util_signame(j->conf->stopsignal));
			job_signal(j, pid, j->conf->stopsignal);
			job_timer(j, j->conf->stopwaitsecs);
		} else
			job_log(log_info, j, "replacing job %s, which is not "
			    "running now", j->conf->name);
		j->state = JOB_REPLACING;
		j->wait_started = ev_now(j->env->loop);
		waiter_start(&j->waiter, j->env->loop, j->conf->wait_timeout,
		    j->conf->retry_interval, job_waiter_cb, j);
		break;
	}
}

/* The instance we replace is gone: now the rest of the locks. */
static void
job_do_replaced(struct job *j, enum job_event ev)
{
	(void)ev;
	ev_timer_stop(j->env->loop, &j->timer);
	(void)lock_clear_pid(job_pid_held(j));
	job_wait(j);
}

/* The instance we replace outlived stopwaitsecs. */
static void
job_do_replace_kill(struct job *j, enum job_event ev)
{
	(void)ev;
	if (j->replacing <= 1 || !lock_opened_by(j->pidlock, j->replacing))
		return;		/* gone; its lockrun has yet to let go */
	job_log(log_info, j, "pid %ld still running: sending KILL",
	    (long)j->replacing);
	job_signal(j, j->replacing, SIGKILL);
}

/* Everything is ours after a wait: say how long it took, and start. */
static void
job_do_spawn(struct job *j, enum job_event ev)
{
	char	waited[32];

	(void)ev;
	util_format_duration(ev_now(j->env->loop) - j->wait_started, waited,
	    sizeof(waited));
	job_log(log_info, j, "done waiting after %s", waited);
	job_spawn(j);
}

static void
job_do_giveup(struct job *j, enum job_event ev)
{
	char	what[512], waited[32];

	(void)ev;
	job_describe_busy(j, what, sizeof(what), 0);
	util_format_duration(j->conf->wait_timeout, waited, sizeof(waited));
	job_log(log_warnx, j, "gave up after %s: %s", waited, what);
	job_finish(j, JOB_RESULT_BUSY);
}

/* The runtime limit: stop signal to the group, SIGKILL after stopwaitsecs. */
static void
job_do_timeout(struct job *j, enum job_event ev)
{
	char	limit[32];

	(void)ev;
	util_format_duration(j->conf->timeout, limit, sizeof(limit));
	job_log(log_info, j, "pid %ld timed out after %s: sending %s",
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
 * Has another run with on_running = replace asked for our singleton? It
 * appends a request line to the PID file we hold; the file is emptied when
 * we let go of it.
 */
static int
job_replaced_elsewhere(struct job *j)
{
	struct lock	*pl = job_pid_held(j);
	char		 buf[256];
	ssize_t		 n;

	if (pl == NULL || (n = pread(pl->fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return (0);
	buf[n] = '\0';
	if (strncmp(buf, JOB_REPLACE_REQUEST, strlen(JOB_REPLACE_REQUEST)) != 0 &&
	    strstr(buf, "\n" JOB_REPLACE_REQUEST) == NULL)
		return (0);
	job_log(log_info, j, "replaced by another run: not starting again");
	return (1);
}

/* Should an exit with this wait status lead to a restart? */
static int
job_should_restart(struct job *j, int status)
{
	if (j->timed_out || j->env->forward)
		return (0);
	switch (j->conf->autorestart) {
	case CONF_RESTART_FALSE:
		return (0);
	case CONF_RESTART_TRUE:
		break;
	case CONF_RESTART_UNEXPECTED:
		if (WIFEXITED(status) &&
		    conf_exitcode_expected(j->conf, WEXITSTATUS(status)))
			return (0);
		break;
	}
	return (j->restarts < j->conf->startretries);
}

/* The process and its group are gone: restart, or finish. */
static void
job_after_exit(struct job *j)
{
	char	delay[32];

	ev_timer_stop(j->env->loop, &j->timer);
	if (!j->stop_requested && job_should_restart(j, j->status) &&
	    !job_replaced_elsewhere(j)) {
		/* A run that outlived the longest backoff starts a new series. */
		if (ev_now(j->env->loop) - j->started >= JOB_BACKOFF_MAX) {
			j->restarts = 0;
			j->backoff = JOB_BACKOFF_FIRST;
		}
		j->restarts++;
		util_format_duration(j->backoff, delay, sizeof(delay));
		job_log(log_info, j, "restart %u of %u in %s", j->restarts,
		    j->conf->startretries, delay);
		job_close_locks(j, 1);
		(void)lock_clear_pid(job_pid_held(j));
		j->state = JOB_BACKOFF;
		job_timer(j, j->backoff);
		j->backoff *= 2;
		if (j->backoff > JOB_BACKOFF_MAX)
			j->backoff = JOB_BACKOFF_MAX;
		return;
	}
	job_finish(j, j->timed_out ? JOB_RESULT_TIMEOUT : JOB_RESULT_EXITED);
}

/* The main process exited: report it, then see to what is left of its group. */
static void
job_do_exited(struct job *j, enum job_event ev)
{
	int	st = j->status;

	(void)ev;
	ev_timer_stop(j->env->loop, &j->timer);
	if (j->env->forward)
		spawn_restore_tty(j->env->tty);
	if (WIFSIGNALED(st))
		job_log(log_info, j, "pid %ld killed by signal %s", (long)j->pid,
		    util_signame(WTERMSIG(st)));
	else
		job_log(log_info, j, "pid %ld exited with status %d",
		    (long)j->pid, WEXITSTATUS(st));

	/*
	 * Leftovers in the group would keep the locks by accident. A member
	 * killed with its leader may still be a zombie for a moment, waiting
	 * for init to reap it: give the group a moment before signalling.
	 */
	if (kill(-j->pid, 0) == 0) {
		j->reap_signalled = 0;
		j->stop_deadline = ev_now(j->env->loop) + JOB_REAP_GRACE;
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
	ev_tstamp	now = ev_now(j->env->loop);

	if (kill(-j->pid, 0) == -1 && errno == ESRCH) {
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
		job_signal(j, j->pid, SIGKILL);
		j->reap_signalled = 2;
		j->stop_deadline = now + 1 + j->conf->stopwaitsecs;
	} else if (!j->reap_signalled && now >= j->stop_deadline) {
		job_log(log_info, j, "process group %ld outlived its leader: "
		    "sending %s", (long)j->pid,
		    util_signame(j->conf->stopsignal));
		job_signal(j, j->pid, j->conf->stopsignal);
		j->reap_signalled = 1;
		j->stop_deadline = now + j->conf->stopwaitsecs;
	}
	job_timer(j, JOB_REAP_POLL);
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
	/*		     START	    LOCKED	     EXPIRED	     EXIT	    TIMER		 STOP		KILL */
	[JOB_IDLE]	= { job_do_begin, job_do_bug,	     job_do_bug,     job_do_bug,    job_do_bug,		 job_do_cancel, job_do_cancel },
	[JOB_REPLACING] = { job_do_bug,	  job_do_replaced,   job_do_giveup,  job_do_bug,    job_do_replace_kill, job_do_cancel, job_do_cancel },
	[JOB_WAITING]	= { job_do_bug,	  job_do_spawn,	     job_do_giveup,  job_do_bug,    job_do_bug,		 job_do_cancel, job_do_cancel },
	[JOB_RUNNING]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_exited, job_do_timeout,	 job_do_stop,	job_do_kill },
	[JOB_STOPPING]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_exited, job_do_kill,	 job_do_nop,	job_do_kill },
	[JOB_REAPING]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_reap,	 job_do_nop,	job_do_reap },
	[JOB_BACKOFF]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_begin,	 job_do_cancel, job_do_cancel },
	[JOB_DONE]	= { job_do_bug,	  job_do_bug,	     job_do_bug,     job_do_bug,    job_do_nop,		 job_do_nop,	job_do_nop },
};

static void
job_event(struct job *j, enum job_event ev)
{
	log_debug("job %s: %s in state %s", j->name, job_event_names[ev],
	    job_state_names[j->state]);
	job_fsm[j->state][ev](j, ev);
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
	char		*path;
	size_t		 i;

	j = util_xcalloc(1, sizeof(*j));
	j->conf = c;
	j->env = env;
	j->instance = instance;
	if (c->numprocs > 1)
		util_xasprintf(&j->name, "%s:%02u", c->name, instance);
	else
		j->name = util_xstrdup(c->name);
	j->state = JOB_IDLE;
	j->backoff = JOB_BACKOFF_FIRST;
	j->done = done;
	j->arg = arg;

	if (c->singleton && c->numprocs == 1) {
		j->pidlock = util_xcalloc(1, sizeof(*j->pidlock));
		util_xasprintf(&path, "%s/%s.pid", env->lock_dir, c->name);
		lock_init(j->pidlock, path, LOCK_EXCLUSIVE);
		free(path);
	} else if (c->singleton) {
		j->pidsem = util_xcalloc(1, sizeof(*j->pidsem));
		sem_init(j->pidsem, env->lock_dir, c->name, c->numprocs, ".pid");
		j->pidsem->start = instance;	/* instance k: slot k, if free */
	}
	j->sems = util_xcalloc(c->nsems, sizeof(*j->sems));
	for (i = 0; i < c->nsems; i++) {
		const struct conf_sem *cs = &env->conf->sems[c->sems[i]];

		sem_init(&j->sems[i], env->lock_dir, cs->name, cs->slots,
		    ".lock");
		j->sems[i].start = (j->sems[i].start + instance) % cs->slots;
	}
	j->locks = util_xcalloc(c->nlocks, sizeof(*j->locks));
	for (i = 0; i < c->nlocks; i++) {
		if (c->locks[i].is_path)
			path = util_xstrdup(c->locks[i].name);
		else
			util_xasprintf(&path, "%s/%s.lock", env->lock_dir,
			    c->locks[i].name);
		lock_init(&j->locks[i], path, c->locks[i].shared ?
		    LOCK_SHARED : LOCK_EXCLUSIVE);
		free(path);
	}
	waiter_init(&j->waiter);
	ev_timer_init(&j->timer, job_timer_cb, 0., 0.);
	j->timer.data = j;
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
	if (j->report_fd != -1)
		close(j->report_fd);
	if (j->pidlock != NULL) {
		lock_free(j->pidlock);
		free(j->pidlock);
	}
	if (j->pidsem != NULL) {
		sem_free(j->pidsem);
		free(j->pidsem);
	}
	for (i = 0; i < j->conf->nsems; i++)
		sem_free(&j->sems[i]);
	free(j->sems);
	for (i = 0; i < j->conf->nlocks; i++)
		lock_free(&j->locks[i]);
	free(j->locks);
	free(j->name);
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
