/*
 * conf.c: the job file (INI) as a struct conf. No side effects, no libev.
 * conf_load drives the parse (lines: conf_ini.c, keys: conf_keys.c,
 * expansions: conf_expand.c), checks the whole file, and keeps the first
 * error; lookups and freeing are here too.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_expand.h"
#include "conf_hash.h"
#include "conf_parse.h"
#include "util.h"
#include "zk_recipe.h"

/* Record an error at line (0: none) unless an earlier one is already kept. */
void
conf_error(struct conf_parse *p, int line, const char *what,
    const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (p->failed && (line == 0 || p->errline == 0 || line >= p->errline))
		return;
	p->failed = 1;
	p->errline = line;
	if (p->err == NULL || p->errlen == 0)
		return;

	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->path);
	if (what != NULL && n >= 0 && (size_t)n < p->errlen)
		n += snprintf(p->err + n, p->errlen - n, "%s: ", what);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

/* A value cut short for an error message, so the reason stays readable. */
const char *
conf_show(struct conf_parse *p, const char *v)
{
	size_t	max = 60;

	if (strlen(v) <= max)
		return (v);
	snprintf(p->show, sizeof(p->show), "%.*s...", (int)max, v);
	return (p->show);
}

/* Free a NULL-terminated string array. */
void
conf_strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* array, holding n elements of size bytes, with room for one more. */
void *
conf_grow(void *array, size_t n, size_t *capp, size_t size)
{
	if (n < *capp)
		return (array);
	*capp = *capp != 0 ? *capp * 2 : 8;
	return (util_xreallocarray(array, *capp, size));
}

/* Map name to index i in *hp, made on first use. */
static void
conf_add_name(struct conf_hash **hp, const char *name, size_t i)
{
	if (*hp == NULL)
		*hp = util_xcalloc(1, sizeof(**hp));
	(void)conf_hash_add(*hp, name, i);	/* callers refuse duplicates */
}

/* A new job with every default, named name (not taken yet). */
struct conf_job *
conf_add_job(struct conf_parse *p, const char *name)
{
	struct conf	*c = p->c;
	struct conf_job	*job;

	c->jobs = conf_grow(c->jobs, c->njobs, &p->jobcap, sizeof(*c->jobs));
	job = &c->jobs[c->njobs];
	conf_job_init(job, name);
	conf_add_name(&c->jobnames, job->name, c->njobs++);
	return (job);
}

/* A new semaphore named name (not taken yet), without slots. */
struct conf_sem *
conf_add_sem(struct conf_parse *p, const char *name)
{
	struct conf	*c = p->c;
	struct conf_sem	*sem;

	c->sems = conf_grow(c->sems, c->nsems, &p->semcap, sizeof(*c->sems));
	sem = &c->sems[c->nsems];
	memset(sem, 0, sizeof(*sem));
	sem->name = util_xstrdup(name);
	conf_add_name(&c->semnames, sem->name, c->nsems++);
	return (sem);
}

/* Absolute directory of the config file, for %(here)s. */
static char *
conf_here(const char *path)
{
	char	*dir, *slash, *real, *abs, cwd[PATH_MAX];

	dir = util_xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = util_xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	if ((real = realpath(dir, NULL)) != NULL) {
		free(dir);
		return (real);
	}
	if (*dir == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return (dir);
	util_xasprintf(&abs, "%s/%s", cwd, dir);
	free(dir);
	return (abs);
}

/* After the whole file: missing keys and semaphores named but not defined. */
/* Does the job take anything in ZooKeeper? */
static int
conf_job_fleet(const struct conf *c, const struct conf_job *job)
{
	size_t	i;

	if (job->fleet)
		return (1);
	for (i = 0; i < job->nsems; i++) {
		if (c->sems[job->sems[i]].fleet)
			return (1);
	}
	for (i = 0; i < job->nlocks; i++) {
		if (job->locks[i].fleet)
			return (1);
	}
	return (0);
}

/* Does any job, semaphore or lock of c live in ZooKeeper? */
int
conf_uses_fleet(const struct conf *c)
{
	size_t	i;

	for (i = 0; i < c->njobs; i++) {
		if (conf_job_fleet(c, &c->jobs[i]))
			return (1);
	}
	return (0);
}

/*
 * Fleet scope: named locks take theirs from [lock:NAME]; it needs a
 * zookeeper; a fleet job's stop must fit in its session timeout
 * (zk_recipe_budget): a stopwaitsecs set too long is refused, the
 * default is cut down to what fits.
 */
static void
conf_check_fleet(struct conf_parse *p)
{
	struct conf		*c = p->c;
	struct conf_job		*job;
	struct conf_lockdef	*def;
	struct zk_budget	 b;
	size_t			 i, k;
	int			 line;

	for (i = 0; i < c->njobs; i++) {
		job = &c->jobs[i];
		for (k = 0; k < job->nlocks; k++) {
			if (!job->locks[k].is_path && (def = conf_find_lockdef(
			    c, job->locks[k].name)) != NULL)
				job->locks[k].fleet = def->fleet;
		}
	}
	for (i = 0; i < c->nsems; i++) {
		if (c->sems[i].fleet && c->zookeeper == NULL)
			conf_error(p, c->sems[i].line, NULL, "[semaphore:%s]: "
			    "scope = fleet needs zookeeper = host:port,... in "
			    "[lockrun]", c->sems[i].name);
	}
	for (i = 0; i < c->nlockdefs; i++) {
		if (c->lockdefs[i].fleet && c->zookeeper == NULL)
			conf_error(p, c->lockdefs[i].line, NULL, "[lock:%s]: "
			    "scope = fleet needs zookeeper = host:port,... in "
			    "[lockrun]", c->lockdefs[i].name);
	}
	zk_recipe_budget(c->session_timeout, &b);
	for (i = 0; i < c->njobs; i++) {
		job = &c->jobs[i];
		line = job->fleet_line != 0 ? job->fleet_line : job->line;
		if (job->fleet && c->zookeeper == NULL)
			conf_error(p, line, NULL, "[job:%s]: scope = fleet "
			    "needs zookeeper = host:port,... in [lockrun]",
			    job->name);
		if (job->fleet && !job->singleton)
			conf_error(p, line, NULL, "[job:%s]: scope = fleet "
			    "is the singleton's scope: it needs singleton = "
			    "yes", job->name);
		if (job->fleet && job->on_running == CONF_ON_RUNNING_REPLACE)
			conf_error(p, line, NULL, "[job:%s]: on_running = "
			    "replace cannot stop a run on another host: use "
			    "skip, wait or fail with scope = fleet", job->name);
		if (!conf_job_fleet(c, job) || job->stopwaitsecs <= b.stopwait)
			continue;
		if (job->stopwait_line == 0) {
			job->stopwaitsecs = b.stopwait;
			continue;
		}
		conf_error(p, job->stopwait_line, "stopwaitsecs", "%gs does "
		    "not fit session_timeout = %gs: a fleet job must be gone "
		    "before its ZooKeeper session may expire, so at most %gs "
		    "(raise session_timeout or lower stopwaitsecs; see "
		    "lockrun.ini(5), FLEET)", job->stopwaitsecs,
		    c->session_timeout, b.stopwait);
	}
#ifndef HAVE_ZOOKEEPER
	if (c->zookeeper != NULL || conf_uses_fleet(c))
		conf_error(p, c->zookeeper_line, NULL, "lockrun was built "
		    "without ZooKeeper support: zookeeper and scope = fleet "
		    "cannot be used (rebuild with libzookeeper-st-dev)");
#endif
}

static void
conf_check(struct conf_parse *p)
{
	struct conf		*c = p->c;
	struct conf_job		*job;
	struct conf_semref	*ref;
	struct conf_sem		*sem;
	size_t			 i;

	for (i = 0; i < c->njobs; i++) {
		job = &c->jobs[i];
		if (job->command == NULL)
			conf_error(p, job->line, NULL, "[job:%s]: command: "
			    "missing (expected command = a shell command)",
			    job->name);
		/* supervisord's rule: instances must not share a name. */
		if (job->numprocs > 1 && job->process_name != NULL &&
		    strstr(job->process_name, "%(process_num)") == NULL)
			conf_error(p, job->process_name_line, "process_name",
			    "with numprocs = %u it must name %%(process_num)d, "
			    "or every instance has the same name (as "
			    "supervisord requires)", job->numprocs);
		/* Which of several instances would "replace" stop? */
		if (job->on_running == CONF_ON_RUNNING_REPLACE &&
		    (!job->singleton || job->numprocs > 1))
			conf_error(p, job->line, NULL, "[job:%s]: on_running: "
			    "replace needs singleton = yes and numprocs = 1",
			    job->name);
	}
	for (i = 0; i < c->nsems; i++) {
		if (c->sems[i].slots == 0)
			conf_error(p, c->sems[i].line, NULL, "[semaphore:%s]: "
			    "slots: missing (expected slots = 1..%d)",
			    c->sems[i].name, LOCKRUN_MAX_SLOTS);
	}
	for (i = 0; i < p->nrefs; i++) {
		ref = &p->refs[i];
		if ((sem = conf_find_sem(c, ref->name)) == NULL) {
			conf_error(p, ref->line, "semaphore", "undefined "
			    "semaphore \"%s\" (expected a [semaphore:%s] "
			    "section)", ref->name, ref->name);
			continue;
		}
		job = &c->jobs[ref->job];
		job->sems = util_xreallocarray(job->sems, job->nsems + 1,
		    sizeof(*job->sems));
		job->sems[job->nsems++] = sem - c->sems;
	}
	conf_check_fleet(p);
}

/* errno for "not a regular file" (no POSIX code says it). */
#define EFTYPE_CONF	EMEDIUMTYPE

/*
 * Read the job file at path into c; on error, -1 and err says where. A
 * FIFO or device is refused without blocking on it.
 */
int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) ==
	    -1) {
		conf_init(c);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot open: %s", path,
			    strerror(errno));
		return (-1);
	}
	return (conf_load_fd(c, fd, path, err, errlen));
}

/*
 * Read the job file open on fd (named path in messages) into c, and close
 * fd; on error, -1 and err says where.
 */
int
conf_load_fd(struct conf *c, int fd, const char *path, char *err,
    size_t errlen)
{
	struct conf_parse	 p;
	struct stat		 st;
	size_t			 i;
	int			 saved, fl;

	conf_init(c);
	if (err != NULL && errlen > 0)
		*err = '\0';
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.path = path;
	p.err = err;
	p.errlen = errlen;

	if (fstat(fd, &st) == -1)
		goto open_fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto open_fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EFTYPE_CONF;
		goto open_fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto open_fail;
	if ((p.f = fdopen(fd, "re")) == NULL)
		goto open_fail;
	fd = -1;

	c->path = util_xstrdup(path);
	p.here = conf_here(path);
	if (gethostname(p.host, sizeof(p.host)) == -1)
		snprintf(p.host, sizeof(p.host), "localhost");
	p.host[sizeof(p.host) - 1] = '\0';
	p.seen = util_xcalloc(conf_keys_count(), sizeof(*p.seen));

	if (conf_ini_parse(&p) == 0)
		conf_check(&p);

	fclose(p.f);
	free(p.here);
	free(p.sechdr);
	free(p.seen);
	free(p.pname);
	free(p.pvalue);
	for (i = 0; i < p.nrefs; i++)
		free(p.refs[i].name);
	free(p.refs);

	if (p.failed) {
		conf_free(c);
		errno = EINVAL;
		return (-1);
	}
	return (0);

open_fail:
	saved = errno;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    saved == EFTYPE_CONF ? "not a regular file" :
		    strerror(saved));
	if (fd != -1)
		close(fd);
	errno = saved;
	return (-1);
}

/* An empty configuration. */
void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->busy_exit_code = LOCKRUN_DEFAULT_BUSY_EXIT;
	c->session_timeout = LOCKRUN_DEFAULT_SESSION;
}

/* A job with every default, named name (may be NULL). */
void
conf_job_init(struct conf_job *job, const char *name)
{
	memset(job, 0, sizeof(*job));
	job->name = name != NULL ? util_xstrdup(name) : NULL;
	job->singleton = 1;
	job->on_running = CONF_ON_RUNNING_SKIP;
	job->wait_timeout = 0;
	job->retry_interval = LOCKRUN_DEFAULT_RETRY;
	job->timeout = 0;
	job->stopsignal = SIGTERM;
	job->stopwaitsecs = LOCKRUN_DEFAULT_STOPWAIT;
	job->autorestart = CONF_RESTART_FALSE;
	conf_exitcode_set(job, 0);
	job->startretries = LOCKRUN_DEFAULT_STARTRETRIES;
	job->numprocs = 1;
	job->umask = -1;
	job->stdout_backups = LOCKRUN_DEFAULT_LOG_BACKUPS;
	job->stderr_backups = LOCKRUN_DEFAULT_LOG_BACKUPS;
	job->autostart = 1;
	job->priority = LOCKRUN_DEFAULT_PRIORITY;
	job->ioclass = CONF_IOCLASS_NONE;
	job->iolevel = 4;
}

/* Free what a job owns. */
static void
conf_job_free(struct conf_job *job)
{
	size_t	i;

	free(job->name);
	free(job->command);
	conf_strv_free(job->argv);
	free(job->adhoc_path);
	free(job->adhoc_key);
	free(job->sems);
	for (i = 0; i < job->nlocks; i++)
		free(job->locks[i].name);
	free(job->locks);
	free(job->directory);
	conf_strv_free(job->environment);
	free(job->stdout_logfile);
	free(job->stderr_logfile);
	free(job->process_name);
	free(job->user);
}

/* A template's value for instance i of c, or NULL for NULL. */
static char *
conf_instance_value(const struct conf_job *c, int bit, const char *v,
    unsigned i)
{
	if (v == NULL)
		return (NULL);
	if (!(c->templated & bit))
		return (util_xstrdup(v));
	return (conf_expand_instance(v, i, c->numprocs));
}

/*
 * Instance i of job c: c itself, or when some of its values name
 * %(process_num)d or %(numprocs)d, *out, a copy of c with those values
 * made for that instance (conf_job_instance_free frees them).
 */
const struct conf_job *
conf_job_instance(const struct conf_job *c, unsigned i, struct conf_job *out)
{
	size_t	k;

	if (c->templated == 0)
		return (c);
	*out = *c;
	out->command = conf_instance_value(c, CONF_TMPL_COMMAND, c->command,
	    i);
	out->process_name = conf_instance_value(c, CONF_TMPL_PROCESS_NAME,
	    c->process_name, i);
	out->directory = conf_instance_value(c, CONF_TMPL_DIRECTORY,
	    c->directory, i);
	out->stdout_logfile = conf_instance_value(c, CONF_TMPL_STDOUT,
	    c->stdout_logfile, i);
	out->stderr_logfile = conf_instance_value(c, CONF_TMPL_STDERR,
	    c->stderr_logfile, i);
	if (c->environment != NULL) {
		out->environment = util_xcalloc(c->nenvironment + 1,
		    sizeof(*out->environment));
		for (k = 0; k < c->nenvironment; k++)
			out->environment[k] = conf_instance_value(c,
			    CONF_TMPL_ENVIRONMENT, c->environment[k], i);
	}
	out->templated = 0;
	return (out);
}

/* Free what conf_job_instance made for inst, if it made anything. */
void
conf_job_instance_free(const struct conf_job *inst, struct conf_job *out)
{
	if (inst != out)
		return;
	free(out->command);
	free(out->process_name);
	free(out->directory);
	free(out->stdout_logfile);
	free(out->stderr_logfile);
	conf_strv_free(out->environment);
}

/* Free everything c owns and leave it as conf_init does. */
void
conf_free(struct conf *c)
{
	size_t	i;

	for (i = 0; i < c->njobs; i++)
		conf_job_free(&c->jobs[i]);
	free(c->jobs);
	for (i = 0; i < c->nsems; i++)
		free(c->sems[i].name);
	free(c->sems);
	if (c->jobnames != NULL)
		conf_hash_free(c->jobnames);
	free(c->jobnames);
	if (c->semnames != NULL)
		conf_hash_free(c->semnames);
	free(c->semnames);
	free(c->path);
	free(c->lock_dir);
	free(c->log);
	free(c->log_level);
	free(c->metrics_file);
	free(c->zookeeper);
	for (i = 0; i < c->nlockdefs; i++)
		free(c->lockdefs[i].name);
	free(c->lockdefs);
	conf_init(c);
}

/* Whether exit status code counts as expected for job. */
int
conf_exitcode_expected(const struct conf_job *job, int code)
{
	if (code < 0 || code > 255)
		return (0);
	return ((job->exitcodes[code / 8] >> (code % 8)) & 1);
}

/* Add code (0..255) to the job's expected exit statuses. */
void
conf_exitcode_set(struct conf_job *job, int code)
{
	if (code < 0 || code > 255)
		return;
	job->exitcodes[code / 8] |= 1U << (code % 8);
}

/* The job named name, or NULL. A conf built by hand is searched in full. */
struct conf_job *
conf_find_job(const struct conf *c, const char *name)
{
	size_t	i;

	if (c->jobnames != NULL)
		return (conf_hash_find(c->jobnames, name, &i) == 0 ?
		    &c->jobs[i] : NULL);
	for (i = 0; i < c->njobs; i++) {
		if (c->jobs[i].name != NULL &&
		    strcmp(c->jobs[i].name, name) == 0)
			return (&c->jobs[i]);
	}
	return (NULL);
}

/* The semaphore named name, or NULL. */
struct conf_lockdef *
conf_find_lockdef(const struct conf *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->nlockdefs; i++) {
		if (strcmp(c->lockdefs[i].name, name) == 0)
			return (&c->lockdefs[i]);
	}
	return (NULL);
}

struct conf_sem *
conf_find_sem(const struct conf *c, const char *name)
{
	size_t	i;

	if (c->semnames != NULL)
		return (conf_hash_find(c->semnames, name, &i) == 0 ?
		    &c->sems[i] : NULL);
	for (i = 0; i < c->nsems; i++) {
		if (strcmp(c->sems[i].name, name) == 0)
			return (&c->sems[i]);
	}
	return (NULL);
}

/* Two strings, either NULL, equal? */
static int
conf_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* Two NULL-terminated string arrays, either NULL, equal? */
static int
conf_strv_equal(char *const *a, char *const *b)
{
	size_t	i;

	if (a == NULL || b == NULL)
		return (a == b);
	for (i = 0; a[i] != NULL && b[i] != NULL; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return (0);
	}
	return (a[i] == b[i]);
}

/*
 * A new field of struct conf_job must be compared below, or a reload would
 * take a changed job for an unchanged one and leave it running as it was.
 * The size is checked where it is known (LP64 x86-64, where CI builds):
 * a new field breaks the build there until conf_job_equal knows it.
 */
#if defined(__x86_64__) && defined(__LP64__)
_Static_assert(sizeof(struct conf_job) == 344,
    "struct conf_job changed: compare the new field in conf_job_equal");
#endif

/*
 * Is job a of conf ca the same job as b of cb, field by field, so that a
 * reload may leave it running? Semaphores are compared by name and size
 * (their indexes may differ); the lines of the header and keys are not
 * compared.
 */
int
conf_job_equal(const struct conf *ca, const struct conf_job *a,
    const struct conf *cb, const struct conf_job *b)
{
	const struct conf_sem	*sa, *sb;
	size_t			 i;

	if (!conf_str_equal(a->name, b->name) ||
	    !conf_str_equal(a->command, b->command) ||
	    !conf_strv_equal(a->argv, b->argv) ||
	    a->singleton != b->singleton || a->on_running != b->on_running ||
	    a->fleet != b->fleet ||
	    a->nsems != b->nsems || a->nlocks != b->nlocks)
		return (0);
	for (i = 0; i < a->nsems; i++) {
		sa = &ca->sems[a->sems[i]];
		sb = &cb->sems[b->sems[i]];
		if (strcmp(sa->name, sb->name) != 0 || sa->slots != sb->slots ||
		    sa->fleet != sb->fleet)
			return (0);
	}
	for (i = 0; i < a->nlocks; i++) {
		if (strcmp(a->locks[i].name, b->locks[i].name) != 0 ||
		    a->locks[i].is_path != b->locks[i].is_path ||
		    a->locks[i].is_fd != b->locks[i].is_fd ||
		    a->locks[i].fd != b->locks[i].fd ||
		    a->locks[i].shared != b->locks[i].shared ||
		    a->locks[i].fleet != b->locks[i].fleet)
			return (0);
	}
	/* Where its fleet claims live (fleet_line, stopwait_line: where
	   they were said, not what). */
	if (conf_job_fleet(ca, a) && (!conf_str_equal(ca->zookeeper,
	    cb->zookeeper) || ca->session_timeout != cb->session_timeout))
		return (0);
	if (a->wait_timeout != b->wait_timeout ||
	    a->retry_interval != b->retry_interval ||
	    a->timeout != b->timeout || a->stopsignal != b->stopsignal ||
	    a->stopwaitsecs != b->stopwaitsecs ||
	    a->autorestart != b->autorestart ||
	    memcmp(a->exitcodes, b->exitcodes, sizeof(a->exitcodes)) != 0 ||
	    a->startretries != b->startretries || a->numprocs != b->numprocs)
		return (0);
	if (!conf_str_equal(a->directory, b->directory) ||
	    a->nenvironment != b->nenvironment ||
	    !conf_strv_equal(a->environment, b->environment) ||
	    a->has_nice != b->has_nice || a->nice != b->nice ||
	    a->ioclass != b->ioclass || a->iolevel != b->iolevel ||
	    !conf_str_equal(a->stdout_logfile, b->stdout_logfile) ||
	    !conf_str_equal(a->stderr_logfile, b->stderr_logfile) ||
	    a->redirect_stderr != b->redirect_stderr ||
	    a->stdout_maxbytes != b->stdout_maxbytes ||
	    a->stdout_backups != b->stdout_backups ||
	    a->stderr_maxbytes != b->stderr_maxbytes ||
	    a->stderr_backups != b->stderr_backups)
		return (0);
	if (!conf_str_equal(a->adhoc_path, b->adhoc_path) ||
	    !conf_str_equal(a->adhoc_key, b->adhoc_key) ||
	    a->startsecs != b->startsecs ||
	    !conf_str_equal(a->user, b->user) || a->umask != b->umask ||
	    a->autostart != b->autostart || a->priority != b->priority ||
	    !conf_str_equal(a->process_name, b->process_name) ||
	    a->supervisord != b->supervisord || a->templated != b->templated)
		return (0);
	return (1);
}
