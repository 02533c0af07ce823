/*
 * metrics.c: what the jobs did, as a Prometheus textfile (metrics_file),
 * for node_exporter's textfile collector: per job, when it last started,
 * succeeded and exited and how, and how often it ran, was skipped, failed
 * and was restarted; per semaphore, its size and the slots in use.
 *
 * The file is the record: each lockrun that runs jobs of one job file, the
 * supervisor as well as a cron line running one job, reads it, adds what it
 * saw since its last write, and replaces it (a temporary file renamed over
 * it), holding <file>.lock meanwhile. So the counters go on across
 * restarts of lockrun and across the processes that share the file, and
 * "the nightly backup last succeeded at" survives a reboot.
 *
 * Writes follow state changes after METRICS_DELAY, so that a burst of
 * changes makes one write. Nothing here waits: a busy lock is tried again
 * on a timer; only metrics_flush, at exit, waits for it a little.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "holders.h"
#include "lock.h"
#include "lockdir.h"
#include "log.h"
#include "metrics.h"
#include "trust.h"
#include "util.h"

#define METRICS_DELAY		0.05	/* after a change, before the write */
#define METRICS_RETRY		0.1	/* the lock was busy */
#define METRICS_FLUSH_WAIT	10.0	/* at exit, for a busy lock */
#define METRICS_MAX_READ	(8 * 1024 * 1024)
#define METRICS_MODE		0644	/* node_exporter reads it as itself */
#define METRICS_USED_EVERY	1.0	/* look at /proc/locks no more often */
#define METRICS_FEW_LOCKS	(4 * 1024 * 1024)	/* ... nor more of it */

/* The job metrics, in the order they are written. */
enum metrics_key {
	METRICS_LAST_START,
	METRICS_LAST_EXIT,
	METRICS_LAST_SUCCESS,
	METRICS_LAST_DURATION,
	METRICS_RUNS,
	METRICS_SKIPS,
	METRICS_FAILURES,
	METRICS_RESTARTS,
	METRICS_WAIT,
	METRICS_NKEYS,
};

static const struct {
	const char	*name;
	int		 counter;	/* else a gauge */
	int		 whole;		/* a whole number */
	const char	*help;
} metrics_keys[METRICS_NKEYS] = {
	{ "lockrun_job_last_start_time_seconds", 0, 0,
	  "When the job last started (Unix time)." },
	{ "lockrun_job_last_exit_status", 0, 1,
	  "How its last run ended: exit status, 128+N for signal N, "
	  "124 for its timeout." },
	{ "lockrun_job_last_success_time_seconds", 0, 0,
	  "When a run last ended with an expected exit status (Unix time)." },
	{ "lockrun_job_last_duration_seconds", 0, 0,
	  "How long its last run ran." },
	{ "lockrun_job_runs_total", 1, 1,
	  "Runs started." },
	{ "lockrun_job_skips_total", 1, 1,
	  "Runs that did not start because the job or a lock or slot was "
	  "busy (skip, fail, no-wait, wait_timeout)." },
	{ "lockrun_job_failures_total", 1, 1,
	  "Runs that ended with an unexpected status or by their timeout, "
	  "or could not be started." },
	{ "lockrun_job_restarts_total", 1, 1,
	  "Restarts by autorestart." },
	{ "lockrun_job_wait_seconds_total", 1, 0,
	  "Time spent waiting for the job's locks and slots." },
};

/* One job of the file: what we saw since the last write. */
struct metrics_job {
	char	*name;
	double	 value[METRICS_NKEYS];	/* gauges: the value; counters: */
	int	 set[METRICS_NKEYS];	/* ... what to add; set: pending */
};

/* A job as the file has it. */
struct metrics_old {
	char	*name;
	double	 value[METRICS_NKEYS];
	int	 set[METRICS_NKEYS];
};

struct metrics {
	struct ev_loop		*loop;
	char			*lock_dir;
	const struct conf	*conf;
	char			*path;		/* NULL: no metrics_file */
	char			*tmp;
	struct lock		 lock;		/* <path>.lock */
	struct metrics_job	*jobs;
	size_t			 njobs;
	ev_timer		 timer;
	int			 complained;	/* said why it cannot write */
	int			*used;		/* per semaphore, -1: unknown */
	ev_tstamp		 used_at;	/* when looked up, 0: never */
	int			 final;		/* metrics_flush: look now */
};

static void	metrics_timer_cb(struct ev_loop *, ev_timer *, int);

struct metrics *
metrics_new(struct ev_loop *loop, const char *lock_dir)
{
	struct metrics	*m;

	m = util_xcalloc(1, sizeof(*m));
	m->loop = loop;
	m->lock_dir = util_xstrdup(lock_dir);
	m->lock.fd = -1;
	ev_timer_init(&m->timer, metrics_timer_cb, 0., 0.);
	m->timer.data = m;
	return (m);
}

/* The record of job name, made on first use. */
static struct metrics_job *
metrics_job(struct metrics *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->njobs; i++) {
		if (strcmp(m->jobs[i].name, name) == 0)
			return (&m->jobs[i]);
	}
	m->jobs = util_xreallocarray(m->jobs, m->njobs + 1, sizeof(*m->jobs));
	memset(&m->jobs[m->njobs], 0, sizeof(*m->jobs));
	m->jobs[m->njobs].name = util_xstrdup(name);
	return (&m->jobs[m->njobs++]);
}

/* Write soon: changes that come meanwhile go into the same write. */
static void
metrics_schedule(struct metrics *m, double after)
{
	if (m->path == NULL || ev_is_active(&m->timer))
		return;
	ev_timer_set(&m->timer, after, 0.);
	ev_timer_start(m->loop, &m->timer);
}

/*
 * The jobs and semaphores of conf (at the start, and at each reload) and
 * where their metrics go. What was seen of jobs that stay is kept.
 */
void
metrics_set_conf(struct metrics *m, const struct conf *conf)
{
	size_t	i;

	m->conf = conf;
	if (m->path == NULL || conf->metrics_file == NULL ||
	    strcmp(m->path, conf->metrics_file) != 0) {
		free(m->path);
		free(m->tmp);
		if (m->lock.path != NULL)
			lock_free(&m->lock);
		m->lock.path = NULL;
		m->lock.fd = -1;
		m->path = m->tmp = NULL;
		m->complained = 0;
		if (conf->metrics_file != NULL) {
			char	*lockpath;

			m->path = util_xstrdup(conf->metrics_file);
			util_xasprintf(&m->tmp, "%s.tmp", m->path);
			util_xasprintf(&lockpath, "%s.lock", m->path);
			lock_init(&m->lock, lockpath, LOCK_EXCLUSIVE);
			free(lockpath);
		}
	}
	for (i = 0; i < conf->njobs; i++)
		(void)metrics_job(m, conf->jobs[i].name);
	free(m->used);
	m->used = util_xcalloc(conf->nsems + 1, sizeof(*m->used));
	m->used_at = 0;
	ev_timer_stop(m->loop, &m->timer);
	metrics_schedule(m, 0.);
}

/* A gauge of job mj takes value. */
static void
metrics_gauge(struct metrics_job *mj, enum metrics_key k, double value)
{
	mj->value[k] = value;
	mj->set[k] = 1;
}

/* A counter of job mj goes up by n. */
static void
metrics_count(struct metrics_job *mj, enum metrics_key k, double n)
{
	mj->value[k] += n;
	mj->set[k] = 1;
}

/*
 * Job j went from state was to its state now (several may have passed in
 * between: job_event tells of the last). Before a run: idle, backoff,
 * replacing, waiting. A run: running, stopping. Then reaping, backoff,
 * done.
 */
void
metrics_job_changed(struct metrics *m, struct job *j, enum job_state was)
{
	struct metrics_job	*mj;
	/*
	 * The job's times are on the monotonic clock (job.c); the gauges
	 * that are times of day are Unix time.
	 */
	double			 now = util_now(), wall = ev_now(m->loop);
	int			 before, ran, up, st, code, begun;

	if (m->path == NULL)
		return;
	mj = metrics_job(m, j->conf->name);
	before = was == JOB_IDLE || was == JOB_BACKOFF ||
	    was == JOB_REPLACING || was == JOB_WAITING;
	ran = was == JOB_STARTING || was == JOB_RUNNING || was == JOB_STOPPING;
	up = j->state == JOB_STARTING || j->state == JOB_RUNNING;

	if (before) {
		/*
		 * The wait of this start: from idle or backoff a wait began
		 * unless the job was only cancelled there.
		 */
		begun = was == JOB_REPLACING || was == JOB_WAITING ||
		    !(j->state == JOB_DONE && j->result == JOB_RESULT_CANCELLED);
		if (begun && j->wait_started > 0)
			metrics_count(mj, METRICS_WAIT, (up ? j->started :
			    now) - j->wait_started);
		switch (j->state) {
		case JOB_STARTING:
		case JOB_RUNNING:
			metrics_count(mj, METRICS_RUNS, 1);
			metrics_gauge(mj, METRICS_LAST_START,
			    wall - (now - j->started));
			break;
		case JOB_BACKOFF:	/* could not start; will try again */
			metrics_count(mj, METRICS_FAILURES, 1);
			metrics_count(mj, METRICS_RESTARTS, 1);
			break;
		case JOB_DONE:
			if (j->result == JOB_RESULT_ERROR)
				metrics_count(mj, METRICS_FAILURES, 1);
			else if (j->result != JOB_RESULT_CANCELLED)
				metrics_count(mj, METRICS_SKIPS, 1);
			break;
		default:
			break;
		}
	} else if (ran && !up && j->state != JOB_STOPPING) {
		st = j->status;
		if (j->timed_out)
			code = 124;
		else if (WIFSIGNALED(st))
			code = 128 + WTERMSIG(st);
		else
			code = WEXITSTATUS(st);
		metrics_gauge(mj, METRICS_LAST_EXIT, code);
		metrics_gauge(mj, METRICS_LAST_DURATION, now - j->started);
		/* Stopped by lockrun (shutdown, reload): neither. */
		if (!j->timed_out && WIFEXITED(st) &&
		    conf_exitcode_expected(j->conf, WEXITSTATUS(st)))
			metrics_gauge(mj, METRICS_LAST_SUCCESS, wall);
		else if (!j->stop_requested)
			metrics_count(mj, METRICS_FAILURES, 1);
		if (j->state == JOB_BACKOFF)
			metrics_count(mj, METRICS_RESTARTS, 1);
	} else if (was == JOB_REAPING && j->state == JOB_BACKOFF)
		metrics_count(mj, METRICS_RESTARTS, 1);
	metrics_schedule(m, METRICS_DELAY);
}

/* The record of job name in the old file, made on first use. */
static struct metrics_old *
metrics_old_job(struct metrics_old **old, size_t *nold, const char *name,
    size_t len)
{
	size_t	i;

	for (i = 0; i < *nold; i++) {
		if (strlen((*old)[i].name) == len &&
		    memcmp((*old)[i].name, name, len) == 0)
			return (&(*old)[i]);
	}
	*old = util_xreallocarray(*old, *nold + 1, sizeof(**old));
	memset(&(*old)[*nold], 0, sizeof(**old));
	(*old)[*nold].name = util_xstrndup(name, len);
	return (&(*old)[(*nold)++]);
}

/*
 * One line of the old file: name{name="job"} value. Lines of other
 * metrics, comments and lines we cannot read are left out.
 */
static void
metrics_parse_line(char *line, struct metrics_old **old, size_t *nold)
{
	struct metrics_old	*o;
	char			*brace, *name, *end, *num;
	size_t			 k, len;
	double			 v;

	if ((brace = strstr(line, "{name=\"")) == NULL)
		return;
	for (k = 0; k < METRICS_NKEYS; k++) {
		len = strlen(metrics_keys[k].name);
		if ((size_t)(brace - line) == len &&
		    strncmp(line, metrics_keys[k].name, len) == 0)
			break;
	}
	if (k == METRICS_NKEYS)
		return;
	name = brace + 7;
	if ((end = strstr(name, "\"}")) == NULL || end == name)
		return;
	num = end + 2;
	errno = 0;
	v = strtod(num, &end);
	if (end == num || errno != 0)
		return;
	o = metrics_old_job(old, nold, name, strstr(name, "\"}") - name);
	o->value[k] = v;
	o->set[k] = 1;
}

/*
 * What the file says now: its jobs' values. A file that is not a regular
 * file of root's or ours is not read (its directory is trusted, so it
 * should not happen).
 */
static void
metrics_read(struct metrics *m, struct metrics_old **old, size_t *nold)
{
	struct stat	 st;
	char		*buf, *line, *nl;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	*old = NULL;
	*nold = 0;
	if ((fd = open(m->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY)) == -1)
		return;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    !trust_owner(st.st_uid) || st.st_size > METRICS_MAX_READ) {
		close(fd);
		return;
	}
	buf = util_xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (line = buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL) {
			metrics_parse_line(line, old, nold);
			break;
		}
		*nl = '\0';
		metrics_parse_line(line, old, nold);
	}
	free(buf);
}

/* Slots of semaphore cs held now, in the snapshot t of /proc/locks. */
static int
metrics_sem_used(struct metrics *m, const struct holders_table *t,
    const struct conf_sem *cs)
{
	struct holders_key	 key;
	struct holders_lock	 l;
	char			*path;
	unsigned		 k;
	int			 used = 0;

	for (k = 0; k < cs->slots; k++) {
		path = lockdir_slot_file(m->lock_dir, cs->name, k,
		    LOCKDIR_SLOT);
		if (holders_key_path(path, &key) == 0 &&
		    holders_locks(t, &key, &l, 1) > 0)
			used++;
		free(path);
	}
	return (used);
}

/*
 * The slots in use of every semaphore, from the kernel (-1: it cannot
 * say). /proc/locks is read at most once a second, and only up to
 * METRICS_FEW_LOCKS (anyone can hold a million locks): a write between
 * two looks uses the last, and another write follows the next look.
 */
static void
metrics_sems_used(struct metrics *m)
{
	const struct conf	*c = m->conf;
	struct holders_table	 t;
	double			 now = util_now();
	size_t			 i;

	if (!m->final && m->used_at > 0 &&
	    now - m->used_at < METRICS_USED_EVERY) {
		if (!ev_is_active(&m->timer)) {
			ev_timer_set(&m->timer, METRICS_USED_EVERY -
			    (now - m->used_at), 0.);
			ev_timer_start(m->loop, &m->timer);
		}
		return;
	}
	m->used_at = now;
	if (holders_load(&t, METRICS_FEW_LOCKS) == -1) {
		for (i = 0; i < c->nsems; i++)
			m->used[i] = -1;
		return;
	}
	for (i = 0; i < c->nsems; i++)
		m->used[i] = metrics_sem_used(m, &t, &c->sems[i]);
	holders_free(&t);
}

/* The whole file, from what it said (old) and what we saw. */
static void
metrics_print(struct metrics *m, FILE *f, struct metrics_old *old,
    size_t nold)
{
	const struct conf	*c = m->conf;
	struct metrics_old	*o;
	struct metrics_job	*mj;
	size_t			 i, k, n;
	double			 v;
	int			 have, used, header;

	for (k = 0; k < METRICS_NKEYS; k++) {
		header = 0;
		for (i = 0; i < c->njobs; i++) {
			mj = metrics_job(m, c->jobs[i].name);
			for (n = 0; n < nold; n++) {
				if (strcmp(old[n].name, mj->name) == 0)
					break;
			}
			o = n < nold ? &old[n] : NULL;
			have = o != NULL && o->set[k];
			if (metrics_keys[k].counter) {
				v = (have ? o->value[k] : 0) + mj->value[k];
				have = 1;
			} else if (mj->set[k]) {
				v = mj->value[k];
				have = 1;
			} else
				v = have ? o->value[k] : 0;
			if (!have)
				continue;
			if (!header) {
				fprintf(f, "# HELP %s %s\n# TYPE %s %s\n",
				    metrics_keys[k].name, metrics_keys[k].help,
				    metrics_keys[k].name,
				    metrics_keys[k].counter ? "counter" :
				    "gauge");
				header = 1;
			}
			fprintf(f, "%s{name=\"%s\"} ", metrics_keys[k].name,
			    mj->name);
			fprintf(f, metrics_keys[k].whole ? "%.0f\n" :
			    "%.3f\n", v);
		}
	}
	if (c->nsems == 0)
		return;
	fprintf(f, "# HELP lockrun_semaphore_slots Slots of the semaphore.\n"
	    "# TYPE lockrun_semaphore_slots gauge\n");
	for (i = 0; i < c->nsems; i++)
		fprintf(f, "lockrun_semaphore_slots{name=\"%s\"} %u\n",
		    c->sems[i].name, c->sems[i].slots);
	metrics_sems_used(m);
	header = 0;
	for (i = 0; i < c->nsems; i++) {
		if ((used = m->used[i]) < 0)
			continue;
		if (!header)
			fprintf(f, "# HELP lockrun_semaphore_used Slots held "
			    "now, by any process.\n"
			    "# TYPE lockrun_semaphore_used gauge\n");
		header = 1;
		fprintf(f, "lockrun_semaphore_used{name=\"%s\"} %d\n",
		    c->sems[i].name, used);
	}
}

/* Say once why the metrics cannot be written, until they can again. */
static void
metrics_complain(struct metrics *m, const char *why)
{
	if (m->complained)
		return;
	m->complained = 1;
	if (why != NULL && *why != '\0')
		log_warnx("metrics_file %s: %s: not writing it, as another "
		    "user could choose what it says", m->path, why);
	else
		log_warn("metrics_file %s", m->path);
}

/*
 * Read the file, add what we saw, and replace it; 0, or -1 and errno
 * EWOULDBLOCK when another lockrun is writing it (try again), or another
 * errno (said once; what we saw is kept for the next write).
 */
static int
metrics_write(struct metrics *m)
{
	struct metrics_old	*old = NULL;
	struct stat		 st;
	FILE			*f = NULL;
	char			 why[512];
	size_t			 nold = 0, i;
	int			 fd = -1, saved;

	why[0] = '\0';
	if (trust_parent(m->path, why, sizeof(why)) == -1) {
		metrics_complain(m, why);
		return (-1);
	}
	if (lock_try(&m->lock) == -1) {
		if (errno == EWOULDBLOCK)
			return (-1);
		saved = errno;
		log_warnx("metrics_file %s: %s", m->lock.path,
		    lock_strerror(saved));
		m->complained = 1;
		errno = saved;
		return (-1);
	}
	metrics_read(m, &old, &nold);
	/* Our own, in a directory only we or root can change. */
	(void)unlink(m->tmp);
	if ((fd = open(m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, METRICS_MODE)) == -1 ||
	    fstat(fd, &st) == -1 || fchmod(fd, METRICS_MODE) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;
	metrics_print(m, f, old, nold);
	if (fflush(f) == EOF || ferror(f))
		goto fail;
	if (fclose(f) == EOF) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(m->tmp, m->path) == -1)
		goto fail;
	lock_release(&m->lock);
	for (i = 0; i < nold; i++)
		free(old[i].name);
	free(old);
	/* Written: what we saw is in the file now. */
	for (i = 0; i < m->njobs; i++) {
		memset(m->jobs[i].set, 0, sizeof(m->jobs[i].set));
		memset(m->jobs[i].value, 0, sizeof(m->jobs[i].value));
	}
	m->complained = 0;
	return (0);

fail:
	saved = errno;
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	(void)unlink(m->tmp);
	lock_release(&m->lock);
	for (i = 0; i < nold; i++)
		free(old[i].name);
	free(old);
	if (!m->complained)
		log_warn("metrics_file %s", m->path);
	m->complained = 1;
	errno = saved;
	return (-1);
}

static void
metrics_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct metrics	*m = w->data;

	(void)loop;
	(void)revents;
	if (metrics_write(m) == -1 && errno == EWOULDBLOCK)
		metrics_schedule(m, METRICS_RETRY);
}

/* Write what is pending now, waiting a little for a busy lock (at exit). */
void
metrics_flush(struct metrics *m)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int		tries;

	if (m == NULL || m->path == NULL)
		return;
	ev_timer_stop(m->loop, &m->timer);
	m->final = 1;
	for (tries = 0; tries < METRICS_FLUSH_WAIT * 100; tries++) {
		if (metrics_write(m) == 0 || errno != EWOULDBLOCK)
			return;
		nanosleep(&ts, NULL);
	}
	log_warnx("metrics_file %s: busy for %gs: the last changes are not "
	    "written", m->path, METRICS_FLUSH_WAIT);
}

void
metrics_free(struct metrics *m)
{
	size_t	i;

	if (m == NULL)
		return;
	ev_timer_stop(m->loop, &m->timer);
	if (m->lock.path != NULL)
		lock_free(&m->lock);
	for (i = 0; i < m->njobs; i++)
		free(m->jobs[i].name);
	free(m->jobs);
	free(m->used);
	free(m->path);
	free(m->tmp);
	free(m->lock_dir);
	free(m);
}
