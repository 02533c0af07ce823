/*
 * lockrun.c: options, usage, and the exit-code policy.
 *
 * Only this file turns a failure into an exit code (design.md §6).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "holders.h"
#include "lock.h"
#include "lockdir.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "spawn.h"
#include "status.h"
#include "sem.h"
#include "supervisor.h"
#include "trust.h"
#include "util.h"
#ifdef HAVE_ZOOKEEPER
#include "zk.h"
#include "zk_status.h"
#endif

#define EXIT_TIMEOUT	124	/* as timeout(1) */

/* What lockrun changes in itself at start, for the children to get back. */
static struct spawn_undo	lockrun_undo;

static void
lockrun_usage(FILE *f)
{
	fprintf(f,
"usage: lockrun [options] --lock PATH [--lock PATH ...] -- COMMAND [ARG...]\n"
"       lockrun [options] --semaphore NAME --slots N -- COMMAND [ARG...]\n"
"       lockrun [-s] [-n | -w DURATION] [-E N] --fd N\n"
"       lockrun [options] --zookeeper HOSTS --semaphore NAME --slots N -- CMD...\n"
"       lockrun [options] --config FILE [--check] [JOB...]\n"
"       lockrun [--lock-dir DIR] --config FILE --status [--json]\n"
"       lockrun [--lock PATH ...] [--semaphore NAME --slots N] --status [--json]\n"
"       lockrun --help | --version\n"
"\n"
"Run a command under flock(2) locks or a host-wide counting semaphore, or\n"
"supervise the jobs of an INI file.\n"
"\n"
"  -l, --lock PATH             take an exclusive lock on PATH (repeatable)\n"
"  -s, --shared                take the --lock (--fd) locks shared instead\n"
"  -o, --close                 the command does not inherit the locks: only\n"
"                              lockrun holds them (not past a SIGKILL of it)\n"
"      --fd N                  lock the open file of descriptor N and exit,\n"
"                              leaving the lock to whoever keeps N open\n"
"      --semaphore NAME        take one slot of semaphore NAME ...\n"
"      --slots N               ... which has N slots (1..%d)\n"
"      --lock-dir DIR          where semaphores and job files live\n"
"      --zookeeper HOSTS       --semaphore is fleet wide, in ZooKeeper at\n"
"                              HOSTS (host:port,...[/path]); --slots 1: a\n"
"                              fleet mutex\n"
"      --session-timeout DUR   its ZooKeeper session timeout (%gs)\n"
"  -n, --no-wait               fail at once if a lock or slot is busy\n"
"  -w, --wait DURATION         give up after DURATION (default: wait forever)\n"
"  -E, --conflict-exit-code N  exit status when busy or given up (default %d)\n"
"      --timeout DURATION      stop the command after DURATION: exit 124\n"
"      --kill-after DURATION   SIGKILL this long after the stop signal (%gs)\n"
"      --replace               stop the command that holds the --lock (run by\n"
"                              lockrun), then run (run-this-one)\n"
"      --restart WHEN          run again when the command exits: always,\n"
"                              on-failure or on-success (keep-one-running,\n"
"                              run-one-until-success, -until-failure)\n"
"  -c, --config FILE           run the jobs of FILE (all, or those named)\n"
"      --check                 with --config: validate FILE, start nothing\n"
"      --status                show jobs, slots, locks, who holds and who\n"
"                              waits for them (alone: all of the lock dir)\n"
"      --json                  with --status: as one JSON document\n"
"  -v, --verbose               say more (twice: debug)\n"
"  -q, --quiet                 say nothing but errors\n"
"      --syslog                log to syslog instead of stderr\n"
"  -h, --help                  show this help\n"
"  -V, --version               show the version\n"
"\n"
"Durations as systemd writes them: 500ms, 90s, 5min, 1h30m, \"1h 30min\",\n"
"2.5h, 1d; a bare number is seconds.\n"
"Exit status: the command's; 128+N if killed by signal N; 75 busy; 124\n"
"timeout; 126/127 not executable/not found; 64 usage; 78 bad config;\n"
"69 ZooKeeper unavailable, or the command stopped as its claim ran out.\n",
	    LOCKRUN_MAX_SLOTS, LOCKRUN_DEFAULT_SESSION,
	    LOCKRUN_DEFAULT_BUSY_EXIT, LOCKRUN_DEFAULT_STOPWAIT);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
lockrun_usage_error(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "lockrun: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'lockrun --help' for more information.\n");
	exit(EX_USAGE);
}

/*
 * Parse the command line (options.c); exits 64 on a bad one, 0 after
 * --help and --version. Returns the first operand.
 */
static int
lockrun_parse(int argc, char **argv, struct options *o)
{
	char	*err;
	int	 first;

	if (options_parse(argc, argv, o, &first, &err) == -1)
		lockrun_usage_error("%s", err);
	switch (o->action) {
	case OPTIONS_HELP:
		lockrun_usage(stdout);
		exit(0);
	case OPTIONS_VERSION:
		printf("lockrun %s\n", PACKAGE_VERSION);
		exit(0);
	case OPTIONS_RUN:
		break;
	}
	if (o->fd != -1 && fcntl(o->fd, F_GETFD) == -1)
		lockrun_usage_error("--fd %d: not an open descriptor (open it "
		    "first, e.g. 'exec %d>FILE')", o->fd, o->fd);
	return (first);
}

/*
 * Which lock dir (design §3): --lock-dir, lock_dir, $LOCKRUN_LOCK_DIR, ...
 * Made absolute, so that a job with a directory of its own gets a
 * LOCKRUN_LOCK_DIR that still works.
 */
static char *
lockrun_choose_lock_dir(const struct options *o, const struct conf *c)
{
	char	*dir, *abs, cwd[4096];

	if (o->lock_dir != NULL)
		dir = util_xstrdup(o->lock_dir);
	else if (c != NULL && c->lock_dir != NULL)
		dir = util_xstrdup(c->lock_dir);	/* absolute already */
	else
		dir = lockdir_default();
	if (*dir == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return (dir);
	util_xasprintf(&abs, "%s/%s", cwd, dir);
	free(dir);
	return (abs);
}

/*
 * Does err say that a lock dir or lock file cannot be made or used (exit
 * 73, design §6), rather than another OS error (71)? A full file system
 * is one of these: the files cannot be created, or their contents not
 * written. One list for the lock dir, the semaphore size claims and the
 * jobs' locks.
 */
static int
lockrun_cantcreat(int err)
{
	switch (err) {
	case EACCES: case EPERM: case ENOENT: case ENOTDIR: case EISDIR:
	case EROFS: case ELOOP: case ENOSPC: case EDQUOT: case LOCK_ENOTREG:
	case LOCK_EFOREIGN:
		return (1);
	}
	return (0);
}

/*
 * Pick the lock dir, make it if missing, and vet it: a directory another
 * user can change would let them remove our PID files, and a job would run
 * twice. Exits on failure.
 */
static char *
lockrun_lock_dir(const struct options *o, const struct conf *c)
{
	char	*dir, why[512];
	int	 code;

	dir = lockrun_choose_lock_dir(o, c);
	if (lockdir_prepare(dir, 1, why, sizeof(why)) == -1) {
		code = lockrun_cantcreat(errno) ? EX_CANTCREAT : EX_OSERR;
		if (*why != '\0')
			log_error("lock dir %s: %s, so another user could "
			    "remove its lock files and let a second copy of a "
			    "job run: use a directory only you or root can "
			    "write (--lock-dir, lock_dir, $LOCKRUN_LOCK_DIR), "
			    "or have root make a shared one with "
			    "'install -d -m 1777'", dir, why);
		else
			log_error("lock dir %s: %s", dir, strerror(errno));
		free(dir);
		exit(code);
	}
	return (dir);
}

/*
 * Which instance of job c does name name: "JOB.NN" (lockdir_instance_name,
 * the spelling of logs and --status), or -1.
 */
static long
lockrun_instance_of(const struct conf_job *c, const char *name)
{
	const char	*dot = strrchr(name, '.');
	unsigned long	 n;
	char		*canon;
	long		 rc = -1;

	if (c->numprocs < 2 || dot == NULL ||
	    (size_t)(dot - name) != strlen(c->name) ||
	    strncmp(name, c->name, dot - name) != 0 ||
	    util_parse_uint(dot + 1, 0, c->numprocs - 1, &n) == -1)
		return (-1);
	canon = lockdir_instance_name(c->name, (unsigned)n);
	if (strcmp(canon, name) == 0)
		rc = (long)n;
	free(canon);
	return (rc);
}

/*
 * Is instance i of job c (-1: any of it) to run: named, or none are and
 * it starts with the whole file (autostart)?
 */
static int
lockrun_instance_named(char **names, const struct conf_job *c, long i)
{
	size_t	k;
	long	n;

	if (names[0] == NULL)
		return (c->autostart);
	for (k = 0; names[k] != NULL; k++) {
		if (strcmp(names[k], c->name) == 0)
			return (1);
		if ((n = lockrun_instance_of(c, names[k])) != -1 &&
		    (i == -1 || n == i))
			return (1);
	}
	return (0);
}

/* Is the job (or an instance of it) to run? */
static int
lockrun_named(char **names, const struct conf_job *c)
{
	return (lockrun_instance_named(names, c, -1));
}

/*
 * Is name a job or an instance ("worker.03") of c? If not, say so, with
 * the spelling that was meant when it can be guessed ("worker:3"); -1.
 */
static int
lockrun_check_name(const struct conf *c, const char *path, const char *name)
{
	const struct conf_job	*job;
	const char		*rest;
	unsigned long		 n;
	size_t			 i, len;
	char			*canon;

	if (conf_find_job(c, name) != NULL)
		return (0);
	for (i = 0; i < c->njobs; i++) {
		if (lockrun_instance_of(&c->jobs[i], name) != -1)
			return (0);
	}
	for (i = 0; i < c->njobs; i++) {
		job = &c->jobs[i];
		len = strlen(job->name);
		rest = name + len + 1;
		if (job->numprocs < 2 || strncmp(name, job->name, len) != 0 ||
		    name[len] == '\0' || strchr(":_.-", name[len]) == NULL ||
		    util_parse_uint(rest, 0, 999999, &n) == -1)
			continue;
		if (n < job->numprocs) {
			canon = lockdir_instance_name(job->name, (unsigned)n);
			log_error("%s: no job named '%s' (instance %lu of job "
			    "%s is %s)", path, name, n, job->name, canon);
			free(canon);
		} else
			log_error("%s: no job named '%s' (job %s has %u "
			    "instances, %s.00 to %s.%02u)", path, name,
			    job->name, job->numprocs, job->name, job->name,
			    job->numprocs - 1);
		return (-1);
	}
	log_error("%s: no job named '%s'", path, name);
	return (-1);
}

/* Which semaphores of c the jobs named (or all) use: one byte each. */
static unsigned char *
lockrun_sems_used(const struct conf *c, char **names)
{
	unsigned char	*used;
	size_t		 i, k;

	used = util_xcalloc(c->nsems, 1);
	for (i = 0; i < c->njobs; i++) {
		if (!lockrun_named(names, &c->jobs[i]))
			continue;
		for (k = 0; k < c->jobs[i].nsems; k++)
			used[c->jobs[i].sems[k]] = 1;
	}
	return (used);
}

/* The size claims of a run's semaphores (lockrun_claim_sizes). */
struct lockrun_claims {
	struct lock	*locks;		/* one per conf semaphore */
	int		*fds;		/* ... its descriptor, or -1 */
	size_t		 n;
};

/* Close the claims. */
static void
lockrun_free_claims(struct lockrun_claims *cl)
{
	size_t	i;

	for (i = 0; i < cl->n; i++) {
		if (cl->locks[i].path != NULL)
			lock_free(&cl->locks[i]);
	}
	free(cl->locks);
	free(cl->fds);
	memset(cl, 0, sizeof(*cl));
}

/* Say who disagrees on the size of cs: theirs, and a live holder. */
static void
lockrun_size_error(const struct conf *c, const struct conf_sem *cs,
    unsigned theirs, int fd)
{
	struct holders_key	k;
	struct holder		h[16];
	size_t			n;
	int			partial;
	pid_t			pid;
	char			who[32];

	/* Name a live holder: a lockrun, or a job that outlived it. */
	who[0] = '\0';
	if (holders_key_fd(fd, &k) == 0) {
		n = holders_live(&k, h, LOCKRUN_ARRAY_LEN(h), &partial,
		    HOLDERS_FEW_FDS);
		if (n > LOCKRUN_ARRAY_LEN(h))
			n = LOCKRUN_ARRAY_LEN(h);
		if ((pid = holders_principal(h, n)) > 0)
			snprintf(who, sizeof(who), " (pid %ld)", (long)pid);
	}
	if (c->path != NULL)
		log_error("%s:%d: [semaphore:%s]: slots: %u, but the lockruns "
		    "using it now count %u slots%s: one cap cannot have two "
		    "sizes (set slots = %u, or change it once they are done)",
		    c->path, cs->line, cs->name, cs->slots, theirs, who,
		    theirs);
	else
		log_error("--slots %u: semaphore %s has %u slots for the "
		    "lockruns using it now%s: one cap cannot have two sizes "
		    "(use --slots %u, or change it once they are done)",
		    cs->slots, cs->name, theirs, who, theirs);
}

/*
 * Claim the size of every semaphore the run uses (sem_claim_size): a
 * caller that disagrees with the ones using it now must not raise their
 * cap. The claims stay open for the whole run, and each job inherits those
 * of its semaphores. 0, or the exit code (bad_code on a disagreement)
 * with the error said and nothing left open.
 */
static int
lockrun_claim_sizes(const struct conf *c, char **names, const char *dir,
    int bad_code, struct lockrun_claims *cl)
{
	const struct conf_sem	*cs;
	unsigned char		*used;
	size_t			 i;
	unsigned		 theirs;
	int			 code = 0;

	cl->n = c->nsems;
	cl->fds = util_xcalloc(c->nsems, sizeof(*cl->fds));
	cl->locks = util_xcalloc(c->nsems, sizeof(*cl->locks));
	used = lockrun_sems_used(c, names);
	for (i = 0; i < c->nsems; i++) {
		cl->fds[i] = -1;
		cl->locks[i].fd = -1;
	}
	for (i = 0; i < c->nsems && code == 0; i++) {
		if (!used[i] || c->sems[i].fleet)
			continue;	/* a fleet semaphore's size is its own */
		cs = &c->sems[i];
		if (sem_claim_size(&cl->locks[i], dir, cs->name, cs->slots,
		    &theirs) == 0) {
			cl->fds[i] = cl->locks[i].fd;
			continue;
		}
		if (errno == EBUSY) {
			lockrun_size_error(c, cs, theirs, cl->locks[i].fd);
			code = bad_code;
			continue;
		}
		log_error("semaphore %s: %s: %s", cs->name, cl->locks[i].path,
		    errno == EWOULDBLOCK ? "held exclusively by another "
		    "process for too long (a lockrun changing the size, or "
		    "someone keeping it from being used)" :
		    lock_strerror(errno));
		code = lockrun_cantcreat(errno) ? EX_CANTCREAT : EX_OSERR;
	}
	free(used);
	if (code != 0)
		lockrun_free_claims(cl);
	return (code);
}

/* One instance's exit code (design §6). */
static int
lockrun_job_code(const struct job *j, int busy_code, int sig)
{
	switch (j->result) {
	case JOB_RESULT_EXITED:
		if (WIFSIGNALED(j->status))
			return (128 + WTERMSIG(j->status));
		return (WEXITSTATUS(j->status));
	case JOB_RESULT_TIMEOUT:
		return (EXIT_TIMEOUT);
	case JOB_RESULT_SKIPPED:
	case JOB_RESULT_REPLACED:
	case JOB_RESULT_BUSY:
		return (busy_code);
	case JOB_RESULT_CANCELLED:
		return (128 + sig);
	case JOB_RESULT_LOST:
	case JOB_RESULT_UNAVAILABLE:
		return (EX_UNAVAILABLE);
	case JOB_RESULT_ERROR:
		return (lockrun_cantcreat(j->error) ? EX_CANTCREAT : EX_OSERR);
	case JOB_RESULT_NONE:
		break;
	}
	return (EX_SOFTWARE);
}

/* Did the instance give way to another run (and so count as a success)? */
static int
lockrun_skipped(const struct job *j)
{
	return (j->result == JOB_RESULT_SKIPPED ||
	    j->result == JOB_RESULT_REPLACED);
}

/*
 * The exit code of a whole run: the one instance's own, or 0 when all of
 * several succeeded or were skipped (but not all skipped: that is busy),
 * or the first non-zero in config order.
 * A signal to lockrun makes it 128+N whatever the jobs did.
 */
static int
lockrun_exit_code(const struct supervisor *s, int busy_code)
{
	size_t	i;
	int	code;

	if (s->signal != 0 && !s->env.forward)
		return (128 + s->signal);
	if (s->njobs == 1)
		return (lockrun_job_code(s->jobs[0], busy_code, s->signal));
	/* Nothing ran at all: cron must be able to tell. */
	for (i = 0; i < s->njobs; i++) {
		if (!lockrun_skipped(s->jobs[i]))
			break;
	}
	if (i == s->njobs)
		return (busy_code);
	for (i = 0; i < s->njobs; i++) {
		if (lockrun_skipped(s->jobs[i]))
			continue;
		if ((code = lockrun_job_code(s->jobs[i], busy_code,
		    s->signal)) != 0)
			return (code);
	}
	return (0);
}

/*
 * Set up the ZooKeeper session of c (made on first use): 0, or -1 with
 * the error said, naming what (the option, or the key).
 */
static int
lockrun_zookeeper(const struct conf *c, const char *what)
{
#ifdef HAVE_ZOOKEEPER
	char	why[256];

	if (zk_configure(c->zookeeper, c->session_timeout, why,
	    sizeof(why)) == 0)
		return (0);
	if (c->path != NULL)
		log_error("%s:%d: %s: %s", c->path, c->zookeeper_line, what,
		    why);
	else
		log_error("%s: %s", what, why);
#else
	log_error("%s: lockrun was built without ZooKeeper support", what);
	(void)c;
#endif
	return (-1);
}

/* Close the ZooKeeper session: our nodes go at once, for all to see. */
static void
lockrun_zk_shutdown(void)
{
#ifdef HAVE_ZOOKEEPER
	zk_shutdown();
#endif
}

/* --status: the host's, then the fleet's; 0 or the exit code. */
static int
lockrun_status(const struct conf *c, const char *dir, int json, int flags)
{
	status_more_fn	*more = NULL;

#ifdef HAVE_ZOOKEEPER
	if (c->zookeeper != NULL && conf_uses_fleet(c))
		more = zk_status_print;
#endif
	return (status_print_more(stdout, c, dir, json, flags, more,
	    (void *)c) == 0 ? 0 : EX_IOERR);
}

/* Ad hoc mode: one job, built from the command line. */
static int
lockrun_adhoc(struct options *o, char **cmd)
{
	struct conf		 conf;
	struct conf_job		*job;
	struct supervisor	 s;
	struct lockrun_claims	 claims;
	char			*dir, *slash, *all[] = { NULL }, why[512];
	size_t			 i, n;
	int			 code, busy_code, queues;

	conf_init(&conf);
	if (o->semaphore != NULL) {
		conf.sems = util_xcalloc(1, sizeof(*conf.sems));
		conf.sems[0].name = util_xstrdup(o->semaphore);
		conf.sems[0].slots = (unsigned)o->slots;
		conf.sems[0].fleet = o->zookeeper != NULL;
		conf.nsems = 1;
	}
	if (o->zookeeper != NULL) {
		conf.zookeeper = util_xstrdup(o->zookeeper);
		conf.session_timeout = o->session_timeout;
		if (lockrun_zookeeper(&conf, "--zookeeper") == -1)
			exit(EX_USAGE);
	}
	/*
	 * Looking creates nothing; a semaphore's lock dir is made to run, as
	 * is a --replace run's (it asks there).
	 * With --lock alone, the lock dir only holds queues: use it if it
	 * is (or can be made) fit, else run without them.
	 */
	queues = 0;
	if ((o->semaphore != NULL || o->replace) && !o->status) {
		dir = lockrun_lock_dir(o, NULL);
		queues = 1;
	} else if (o->fd != -1)
		dir = lockrun_choose_lock_dir(o, NULL);	/* no queue: no file */
	else {
		dir = lockrun_choose_lock_dir(o, NULL);
		queues = !o->status && lockdir_prepare(dir, 1, why,
		    sizeof(why)) == 0;
	}

	conf.jobs = util_xcalloc(1, sizeof(*conf.jobs));
	conf.njobs = 1;
	job = &conf.jobs[0];
	if (o->status)
		conf_job_init(job, "status");
	else if (o->fd != -1)
		conf_job_init(job, "fd");
	else {
		slash = strrchr(cmd[0], '/');
		conf_job_init(job, slash != NULL && slash[1] != '\0' ?
		    slash + 1 : cmd[0]);
		for (n = 0; cmd[n] != NULL; n++)
			;
		job->argv = util_xcalloc(n + 1, sizeof(*job->argv));
		for (i = 0; i < n; i++)
			job->argv[i] = util_xstrdup(cmd[i]);
	}
	job->singleton = 0;
	if (conf.nsems > 0) {
		job->sems = util_xcalloc(1, sizeof(*job->sems));
		job->sems[0] = 0;
		job->nsems = 1;
	}
	job->locks = util_xcalloc(o->nlocks + 1, sizeof(*job->locks));
	for (i = 0; i < o->nlocks; i++) {
		job->locks[i].name = util_xstrdup(o->locks[i]);
		job->locks[i].is_path = 1;
		job->locks[i].shared = o->shared;
	}
	job->nlocks = o->nlocks;
	/*
	 * The first --lock, exclusive, is the run's identity: a --replace
	 * run stops the command that holds it (that lock is then the job's
	 * PID file, as for a singleton), and any run of it looks for such
	 * a request before it starts and restarts.
	 */
	if (o->nlocks > 0 && !o->shared && !o->status) {
		job->adhoc_path = util_xstrdup(o->locks[0]);
		job->adhoc_key = options_canonical(o->locks[0]);
	}
	if (o->replace) {
		job->singleton = 1;
		job->on_running = CONF_ON_RUNNING_REPLACE;
		free(job->locks[0].name);
		job->nlocks = 0;
	}
	job->autorestart = o->restart;
	/* A start that failed is tried again only when asked to, forever. */
	job->startretries = o->restart != CONF_RESTART_FALSE ? UINT_MAX : 0;
	if (o->fd != -1) {
		util_xasprintf(&job->locks[0].name, "fd %d", o->fd);
		job->locks[0].is_fd = 1;
		job->locks[0].fd = o->fd;
		job->locks[0].shared = o->shared;
		job->nlocks = 1;
	}
	job->wait_timeout = o->wait;
	job->timeout = o->timeout;
	job->stopwaitsecs = o->kill_after;

	if (o->status) {
		/*
		 * Who holds these locks and slots (flock(1) cannot say); with
		 * none named, everything in the lock dir.
		 */
		code = lockrun_status(&conf, dir, o->json, o->nlocks == 0 &&
		    o->semaphore == NULL ? STATUS_ALL : STATUS_ADHOC);
		conf_free(&conf);
		free(dir);
		return (code);
	}
	if (supervisor_init(&s, &conf, dir, &lockrun_undo) == -1) {
		log_warn("event loop");
		exit(EX_OSERR);
	}
	s.env.no_wait = o->no_wait;
	s.env.forward = 1;
	s.env.close_locks = o->close;
	s.env.queues = queues;
	s.env.fleet_wait = conf.session_timeout;
	/*
	 * The command gets the terminal at once when it could read stdin
	 * from it (Ctrl-C and Ctrl-Z then reach it first); else when it asks
	 * for it (job_stopped).
	 */
	s.env.tty = spawn_open_tty();
	s.env.tty_eager = isatty(STDIN_FILENO) && spawn_tty_ours(s.env.tty);
	supervisor_add(&s, job);
	if ((code = lockrun_claim_sizes(&conf, all, dir, EX_USAGE,
	    &claims)) == 0) {
		s.env.size_fds = claims.fds;
		supervisor_run(&s);
		busy_code = o->busy_code >= 0 ? (int)o->busy_code :
		    LOCKRUN_DEFAULT_BUSY_EXIT;
		code = lockrun_exit_code(&s, busy_code);
		lockrun_free_claims(&claims);
	}
	lockrun_zk_shutdown();
	supervisor_free(&s);
	if (s.env.tty != -1)
		close(s.env.tty);
	conf_free(&conf);
	free(dir);
	return (code);
}

/*
 * A job file's commands run as us (as root, often): refuse one that anyone
 * else could have changed, as cron and sudo do. The file must be a regular
 * file of root's or ours, writable by nobody else; every directory it is
 * reached through, following every link, must be one only root or we can
 * change, and every link root's or ours (trust.c). Then the file, opened
 * where the links lead, cannot be swapped before we read it: its
 * descriptor, or -1 and a message.
 */
static int
lockrun_trust_config(const char *path)
{
	struct stat	 st;
	char		 why[512], *real = NULL;
	int		 fd = -1;

	if (trust_file_path(path, &real, why, sizeof(why)) == -1)
		goto refuse;
	if ((fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) == -1 || fstat(fd, &st) == -1) {
		why[0] = '\0';
		goto refuse;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("%s: not a regular file", path);
		goto fail;
	}
	if (trust_file(&st, real, 1, why, sizeof(why)) == -1)
		goto refuse;
	free(real);
	return (fd);

refuse:
	if (*why == '\0')
		log_error("%s: %s", path, strerror(errno));
	else
		log_error("%s: refusing to run its jobs: %s, so someone else "
		    "could change the commands (make the file and its "
		    "directories %s's and writable by no one else: chown, "
		    "chmod go-w)", path, why, geteuid() == 0 ? "root" :
		    "yours or root");
fail:
	if (fd != -1)
		close(fd);
	free(real);
	return (-1);
}

/*
 * The most descriptors a run of these jobs may hold at once. Per instance
 * that can run at once: its PID file, a slot of each semaphore, its named
 * locks and the exec report's pipe. Instances of a job run at once no more
 * than its smallest semaphore allows, and those of all jobs that take a
 * semaphore no more than all semaphores' slots together. Per job, the
 * files its one active waiter has open while it tries; and lockrun's own
 * (stdio, inotify, libev, one claim per semaphore). Instances that queue
 * behind another hold none.
 */
static unsigned long
lockrun_fds_needed(const struct conf *c, char **names)
{
	const struct conf_job	*job;
	unsigned long		 free_run = 0, sem_run = 0, held = 0, tried = 0;
	unsigned long		 run, all_slots = 0, per, n = 32;
	unsigned char		*used;
	size_t			 i, k;

	used = lockrun_sems_used(c, names);
	for (i = 0; i < c->nsems; i++) {
		if (used[i]) {
			all_slots += c->sems[i].slots;
			n++;		/* its size claim */
		}
	}
	free(used);
	for (i = 0; i < c->njobs; i++) {
		job = &c->jobs[i];
		if (!lockrun_named(names, job))
			continue;
		run = job->numprocs;
		tried += 1 + job->nlocks;
		for (k = 0; k < job->nsems; k++) {
			if (c->sems[job->sems[k]].slots < run)
				run = c->sems[job->sems[k]].slots;
			tried += c->sems[job->sems[k]].slots;
		}
		per = (job->singleton ? 1 : 0) + job->nsems + job->nlocks + 1;
		if (job->nsems > 0)
			sem_run += run;
		else
			free_run += run;
		held += run * per;
	}
	n += tried;
	if (sem_run > all_slots && held > 0) {
		/* Scale down to what the semaphores let run at once. */
		held = held / (free_run + sem_run) * (free_run + all_slots);
	}
	return (n + held);
}

/*
 * Only root can run a job as another user (user =): say which job cannot
 * run, as a configuration error; 0 when all can.
 */
static int
lockrun_check_users(const struct conf *c, char **names)
{
	const struct conf_job	*job;
	size_t			 i;
	uid_t			 uid;

	if (geteuid() == 0)
		return (0);
	for (i = 0; i < c->njobs; i++) {
		job = &c->jobs[i];
		if (job->user == NULL || !lockrun_named(names, job) ||
		    (util_user(job->user, &uid, NULL) == 0 &&
		    uid == geteuid()))
			continue;
		log_error("%s:%d: user: only root can run a job as another "
		    "user (lockrun runs as uid %lu): run it as root, or remove "
		    "the key", c->path, job->user_line,
		    (unsigned long)geteuid());
		return (EX_CONFIG);
	}
	return (0);
}

/* log_level and log of the file, unless the command line says otherwise. */
static void
lockrun_log_settings(const struct options *o, const struct conf *c)
{
	enum log_level	level;

	if (c->log_level != NULL && !o->verbose && !o->quiet &&
	    log_parse_level(c->log_level, &level) == 0)
		log_set_level(level);
	if (c->log != NULL && strcmp(c->log, "syslog") == 0 &&
	    !o->use_syslog) {
		/* A log that is kept: the comings and goings too. */
		if (c->log_level == NULL && !o->verbose && !o->quiet)
			log_set_level(LOG_LEVEL_INFO);
		log_init("lockrun", log_get_level(), 1);
	}
}

/* What a reload needs of lockrun_config. */
struct lockrun_reload {
	const struct options	 *o;
	char				**names;
	const char			 *dir;
	struct lockrun_claims		 *claims;
};

/*
 * The size claims for the semaphores of nc, after a reload: those of the
 * current claims ocl (for old) that stay are moved over, new ones are
 * claimed. A semaphore keeps its size: the lockruns using it agreed on
 * it, our running jobs among them. 0, or -1 (said) with ocl untouched.
 */
static int
lockrun_reclaim(const struct conf *old, struct lockrun_claims *ocl,
    const struct conf *nc, char **names, const char *dir,
    struct lockrun_claims *cl)
{
	const struct conf_sem	*ns, *os;
	struct lockrun_claims	 fresh;
	size_t			 i, oi;

	for (i = 0; i < nc->nsems; i++) {
		ns = &nc->sems[i];
		if ((os = conf_find_sem(old, ns->name)) == NULL ||
		    ocl->locks[os - old->sems].path == NULL ||
		    os->slots == ns->slots)
			continue;
		log_error("%s:%d: [semaphore:%s]: slots: %u, but lockrun runs "
		    "it with %u: a reload cannot resize a semaphore in use "
		    "(restart lockrun, as every lockrun using it must agree "
		    "on its size)", nc->path, ns->line, ns->name, ns->slots,
		    os->slots);
		return (-1);
	}
	/* Claim them all afresh, then keep the old claims of those we had. */
	if (lockrun_claim_sizes(nc, names, dir, EX_CONFIG, &fresh) != 0)
		return (-1);
	for (i = 0; i < nc->nsems; i++) {
		if ((os = conf_find_sem(old, nc->sems[i].name)) == NULL)
			continue;
		oi = os - old->sems;
		if (ocl->locks[oi].path == NULL)
			continue;
		if (fresh.locks[i].path != NULL)
			lock_free(&fresh.locks[i]);
		fresh.locks[i] = ocl->locks[oi];
		fresh.fds[i] = ocl->fds[oi];
		memset(&ocl->locks[oi], 0, sizeof(ocl->locks[oi]));
		ocl->locks[oi].fd = -1;
		ocl->fds[oi] = -1;
	}
	*cl = fresh;
	return (0);
}

/*
 * SIGHUP: read the file again, as at the start (trusted, parsed, checked),
 * and hand it to the supervisor; a file with an error changes nothing.
 */
static void
lockrun_reload(struct supervisor *s, void *arg)
{
	struct lockrun_reload	*r = arg;
	struct lockrun_claims	 cl;
	struct conf		*nc;
	struct rlimit		 rl;
	unsigned long		 need;
	char			 err[1024], *dir = NULL;
	int			 fd;

	nc = util_xcalloc(1, sizeof(*nc));
	conf_init(nc);
	if ((fd = lockrun_trust_config(r->o->config)) == -1)
		goto fail;
	if (conf_load_fd(nc, fd, r->o->config, err, sizeof(err)) == -1) {
		log_error("%s", err);
		goto fail;
	}
	if (nc->njobs == 0) {
		log_error("%s: no jobs defined (expected a [job:NAME] section)",
		    r->o->config);
		goto fail;
	}
	if (lockrun_check_users(nc, r->names) != 0)
		goto fail;
	dir = lockrun_choose_lock_dir(r->o, nc);
	if (strcmp(dir, r->dir) != 0) {
		log_error("%s: lock_dir: %s, but lockrun runs with %s: the lock "
		    "dir cannot change on reload (restart lockrun)",
		    r->o->config, dir, r->dir);
		goto fail;
	}
	need = lockrun_fds_needed(nc, r->names);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_max != RLIM_INFINITY && need > rl.rlim_max) {
		log_error("%s: these jobs may hold up to %lu descriptors at "
		    "once, more than this host allows (ulimit -Hn: %lu)",
		    r->o->config, need, (unsigned long)rl.rlim_max);
		goto fail;
	}
	if (lockrun_reclaim(s->env.conf, r->claims, nc, r->names, r->dir,
	    &cl) == -1)
		goto fail;
	lockrun_free_claims(r->claims);
	*r->claims = cl;
	s->env.size_fds = cl.fds;
	free(dir);
	lockrun_log_settings(r->o, nc);
	(void)supervisor_reload(s, nc);
	return;

fail:
	log_error("%s: not reloaded: the jobs run on as they were",
	    r->o->config);
	free(dir);
	conf_free(nc);
	free(nc);
}

/* --config mode: the jobs of an INI file, all or those named. */
static int
lockrun_config(struct options *o, char **names)
{
	struct conf		 conf;
	struct supervisor	 s;
	struct lockrun_claims	 claims;
	struct lockrun_reload	 rl_arg;
	char			 err[1024], *dir;
	size_t			 i;
	unsigned		 k;
	int			 code, busy_code, fd;
	unsigned long		 need;
	struct rlimit		 rl;

	/* Running its commands, we must trust who can change the file. */
	if (o->status)
		fd = open(o->config, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
		    O_NOCTTY);
	else if ((fd = lockrun_trust_config(o->config)) == -1)
		return (EX_CONFIG);
	if ((fd == -1 ? conf_load(&conf, o->config, err, sizeof(err)) :
	    conf_load_fd(&conf, fd, o->config, err, sizeof(err))) == -1) {
		log_error("%s", err);
		return (EX_CONFIG);
	}
	for (i = 0; names[i] != NULL; i++) {
		if (lockrun_check_name(&conf, o->config, names[i]) == -1) {
			conf_free(&conf);
			return (EX_USAGE);
		}
	}
	if (conf.njobs == 0) {
		log_error("%s: no jobs defined (expected a [job:NAME] section)",
		    o->config);
		conf_free(&conf);
		return (EX_CONFIG);
	}
	need = lockrun_fds_needed(&conf, names);
	if (!o->status && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_max != RLIM_INFINITY && need > rl.rlim_max) {
		log_error("%s: these jobs may hold up to %lu descriptors at "
		    "once, more than this host allows (ulimit -Hn: %lu): lower "
		    "numprocs, or raise the hard limit (LimitNOFILE= in a "
		    "systemd unit)", o->config, need,
		    (unsigned long)rl.rlim_max);
		conf_free(&conf);
		return (EX_CONFIG);
	}
	if (o->check) {
		printf("%s: ok: %zu job%s, %zu semaphore%s\n", o->config,
		    conf.njobs, conf.njobs == 1 ? "" : "s", conf.nsems,
		    conf.nsems == 1 ? "" : "s");
		conf_free(&conf);
		return (0);
	}
	if (o->status) {
		/* Looking creates nothing and locks nothing. */
		dir = lockrun_choose_lock_dir(o, &conf);
		if (conf.zookeeper != NULL && lockrun_zookeeper(&conf,
		    "zookeeper") == -1)
			code = EX_CONFIG;
		else
			code = lockrun_status(&conf, dir, o->json, 0);
		free(dir);
		conf_free(&conf);
		return (code);
	}
	if ((code = lockrun_check_users(&conf, names)) != 0) {
		conf_free(&conf);
		return (code);
	}
	lockrun_log_settings(o, &conf);

	if (conf.zookeeper != NULL && lockrun_zookeeper(&conf,
	    "zookeeper") == -1) {
		conf_free(&conf);
		return (EX_CONFIG);
	}
	dir = lockrun_lock_dir(o, &conf);
	if (supervisor_init(&s, &conf, dir, &lockrun_undo) == -1) {
		log_warn("event loop");
		exit(EX_OSERR);
	}
	s.env.no_wait = o->no_wait;
	s.env.queues = 1;
	s.env.fleet_wait = conf.session_timeout;
	for (i = 0; i < conf.njobs; i++) {
		for (k = 0; k < conf.jobs[i].numprocs; k++) {
			if (lockrun_instance_named(names, &conf.jobs[i], k))
				supervisor_add_one(&s, &conf.jobs[i], k);
		}
	}
	/*
	 * SIGHUP reloads the file when lockrun runs all of its jobs, as a
	 * daemon does; with jobs named, lockrun is a command (cron, a
	 * terminal), and a hang-up stops it as it stops flock(1).
	 */
	rl_arg.o = o;
	rl_arg.names = names;
	rl_arg.dir = dir;
	rl_arg.claims = &claims;
	if (names[0] == NULL) {
		s.reload = lockrun_reload;
		s.reload_arg = &rl_arg;
	}
	if (s.njobs == 0) {
		/* Every job has autostart = no: nothing fails, nothing runs. */
		log_info("%s: no job starts with the file (autostart = no): "
		    "name the jobs to run", o->config);
		code = 0;
	} else if ((code = lockrun_claim_sizes(&conf, names, dir, EX_CONFIG,
	    &claims)) == 0) {
		s.env.size_fds = claims.fds;
		supervisor_run(&s);
		/* The file's as it is now, after any reload. */
		busy_code = o->busy_code >= 0 ? (int)o->busy_code :
		    s.env.conf->busy_exit_code;
		code = lockrun_exit_code(&s, busy_code);
		lockrun_free_claims(&claims);
	}
	lockrun_zk_shutdown();
	supervisor_free(&s);
	conf_free(&conf);
	free(dir);
	return (code);
}

/*
 * Started with stdin, stdout or stderr closed, the first files we open
 * would take their numbers: a PID lock on fd 1 gets the job's output. Put
 * /dev/null on each that is closed.
 */
static void
lockrun_std_fds(void)
{
	int	fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR | O_NOCTTY) != fd)
			_exit(EX_OSERR);	/* the lowest number is fd */
	}
}

int
main(int argc, char **argv)
{
	struct options	o;
	enum log_level		level;
	int			first, code;

	lockrun_std_fds();
	/* Before anything changes them: what the commands must get back. */
	spawn_undo_record(&lockrun_undo);
	first = lockrun_parse(argc, argv, &o);
	/*
	 * Ad hoc, a lock our ancestor holds for us is ours (reentry, see
	 * res_file.c): note what we inherited before we open anything.
	 */
	if (o.config == NULL)
		holders_note_inherited();
	/*
	 * cron mails every byte: a run that succeeds or is skipped says
	 * nothing (as flock(1)), failures and errors always do. A log that
	 * is kept, not mailed (the journal, syslog), gets the comings and
	 * goings too.
	 */
	level = o.use_syslog || log_to_journal() ? LOG_LEVEL_INFO :
	    LOG_LEVEL_WARN;
	if (o.quiet)
		level = LOG_LEVEL_ERROR;
	else if (o.verbose > 1)
		level = LOG_LEVEL_DEBUG;
	else if (o.verbose == 1)
		level = LOG_LEVEL_INFO;
	log_init("lockrun", level, o.use_syslog);
	notify_init();
	spawn_undo_nofile(&lockrun_undo);

	if (o.config != NULL)
		code = lockrun_config(&o, argv + first);
	else
		code = lockrun_adhoc(&o, argv + first);
	options_free(&o);
	return (code);
}
