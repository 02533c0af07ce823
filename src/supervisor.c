/* supervisor.c: the event loop, signals, the set of jobs, shutdown. */
#include "config.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logfile.h"
#include "metrics.h"
#include "notify.h"
#include "spawn.h"
#include "supervisor.h"
#include "util.h"

static const int supervisor_signals[] = { SIGTERM, SIGINT, SIGHUP };

/*
 * Once a second, on a terminal: one updating line about the first job that
 * has waited over a second (and how many more wait).
 */
static void
supervisor_progress_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct supervisor	*s = w->data;
	struct job		*first = NULL;
	char			 what[460];
	size_t			 i, nwaiting = 0;

	(void)loop;
	(void)revents;
	for (i = 0; i < s->njobs; i++) {
		if (job_waited(s->jobs[i]) < 1)
			continue;
		if (nwaiting++ == 0)
			first = s->jobs[i];
	}
	if (first == NULL) {
		log_status(NULL);
		return;
	}
	job_describe_wait(first, what, sizeof(what));
	if (s->env.forward)
		log_status("waiting for %s", what);
	else if (nwaiting == 1)
		log_status("job %s waiting for %s", first->name, what);
	else
		log_status("waiting for %s (+%zu more jobs waiting)", what,
		    nwaiting - 1);
}

/* Append j to the array *v of *n jobs. */
static void
supervisor_push(struct job ***v, size_t *n, struct job *j)
{
	*v = util_xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = j;
}

/* Take j out of the array v of *n jobs, if it is there. */
static void
supervisor_pull(struct job **v, size_t *n, struct job *j)
{
	size_t	i;

	for (i = 0; i < *n; i++) {
		if (v[i] == j) {
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			return;
		}
	}
}

/* Free what is done and start what is due, once the events at hand are. */
static void
supervisor_sweep_soon(struct supervisor *s)
{
	if (!ev_is_active(&s->sweep))
		ev_timer_start(s->loop, &s->sweep);
}

/*
 * Shutting down, in supervisord's order: the running jobs of the highest
 * priority first; once they are all done, those of the next; and so on.
 */
static void
supervisor_stop_next(struct supervisor *s)
{
	struct job	*j;
	size_t		 i;
	int		 prio = 0, any;

	if (s->in_stop)
		return;		/* a job_stop below finished a job at once */
	s->in_stop = 1;
	for (;;) {
		any = 0;
		for (i = 0; i < s->njobs; i++) {
			j = s->jobs[i];
			if (j->state == JOB_DONE)
				continue;
			if (j->stop_requested)
				goto out;	/* that group is still going */
			if (!any || j->conf->priority > prio)
				prio = j->conf->priority;
			any = 1;
		}
		if (!any)
			break;
		for (i = 0; i < s->njobs; i++) {
			j = s->jobs[i];
			if (j->state != JOB_DONE && !j->stop_requested &&
			    j->conf->priority == prio)
				job_stop(j, s->signal, 0);
		}
	}
out:
	s->in_stop = 0;
}

/* A job reached JOB_DONE; the last one ends the loop. */
static void
supervisor_done_cb(struct job *j, void *arg)
{
	struct supervisor	*s = arg;
	size_t			 i;

	(void)j;
	if (s->nretiring > 0)
		supervisor_sweep_soon(s);	/* it may be one of them */
	if (--s->nactive > 0) {
		if (s->nsignals == 1)
			supervisor_stop_next(s);
		return;
	}
	for (i = 0; i < LOCKRUN_ARRAY_LEN(supervisor_signals); i++)
		ev_signal_stop(s->loop, &s->sigs[i]);
	ev_signal_stop(s->loop, &s->usr2);
	ev_timer_stop(s->loop, &s->progress);
	ev_timer_stop(s->loop, &s->sweep);
	log_status(NULL);
	ev_break(s->loop, EVBREAK_ALL);
}

/* A job changed state: the metrics count it. */
static void
supervisor_changed_cb(struct job *j, enum job_state was, void *arg)
{
	struct supervisor	*s = arg;

	if (s->metrics != NULL)
		metrics_job_changed(s->metrics, j, was);
}

/* Is an instance of job name still stopping after a reload? */
static int
supervisor_retiring_named(struct supervisor *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->nretiring; i++) {
		if (s->retiring[i]->state != JOB_DONE &&
		    strcmp(s->retiring[i]->conf->name, name) == 0)
			return (1);
	}
	return (0);
}

/* Does a job point into conf c (or is it the current one)? */
static int
supervisor_conf_used(struct supervisor *s, const struct conf *c)
{
	uintptr_t	lo = (uintptr_t)c->jobs, p;
	uintptr_t	hi = lo + c->njobs * sizeof(*c->jobs);
	size_t		i;

	if (c == s->env.conf)
		return (1);
	for (i = 0; i < s->njobs + s->nretiring; i++) {
		p = (uintptr_t)(i < s->njobs ? s->jobs[i] :
		    s->retiring[i - s->njobs])->conf;
		if (p >= lo && p < hi)
			return (1);
	}
	return (0);
}

/*
 * After a reload: free the jobs that have stopped, start the new instances
 * of a changed job once all of its old ones have stopped (so that its PID
 * file is free, and it never runs twice), free the files nobody uses.
 */
static void
supervisor_sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct supervisor	*s = w->data;
	struct job		*j;
	size_t			 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < s->nretiring; ) {
		j = s->retiring[i];
		if (j->state != JOB_DONE) {
			i++;
			continue;
		}
		supervisor_pull(s->retiring, &s->nretiring, j);
		job_free(j);
	}
	for (i = 0; i < s->nheld; ) {
		j = s->held[i];
		if (supervisor_retiring_named(s, j->conf->name)) {
			i++;
			continue;
		}
		supervisor_pull(s->held, &s->nheld, j);
		if (j->state == JOB_IDLE && s->signal == 0)
			job_start(j);
	}
	for (i = 0; i < s->nconfs; ) {
		if (supervisor_conf_used(s, s->confs[i])) {
			i++;
			continue;
		}
		conf_free(s->confs[i]);
		free(s->confs[i]);
		memmove(&s->confs[i], &s->confs[i + 1],
		    (s->nconfs - i - 1) * sizeof(*s->confs));
		s->nconfs--;
	}
}

/*
 * SIGTERM, SIGINT or SIGHUP: stop every job gracefully, highest priority
 * first (jobs that have not started yet at once: they must not start
 * now); a second signal skips the grace period. SIGHUP reloads the file
 * instead when lockrun runs all of its jobs (s->reload).
 */
static void
supervisor_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct supervisor	*s = w->data;
	size_t			 i;

	(void)loop;
	(void)revents;
	if (w->signum == SIGHUP && s->reload != NULL) {
		if (s->signal != 0) {
			log_info("received SIGHUP while stopping: not "
			    "reloading");
			return;
		}
		log_info("received SIGHUP: reloading %s", s->env.conf->path);
		notify_reloading();
		s->reload(s, s->reload_arg);
		notify_send("READY=1");
		return;
	}
	if (s->signal == 0)
		s->signal = w->signum;
	s->nsignals++;
	log_info("received SIG%s%s", util_signame(w->signum),
	    s->nsignals > 1 ? ": stopping now" : ": stopping");
	notify_send("STOPPING=1");
	s->env.stopping = 1;
	s->nheld = 0;			/* cancelled below, never started */
	for (i = 0; i < s->nretiring; i++)
		job_stop(s->retiring[i], w->signum, s->nsignals > 1);
	if (s->nsignals > 1) {
		for (i = 0; i < s->njobs; i++)
			job_stop(s->jobs[i], w->signum, 1);
		return;
	}
	s->in_stop = 1;
	for (i = 0; i < s->njobs; i++) {
		switch (s->jobs[i]->state) {
		case JOB_IDLE: case JOB_REPLACING: case JOB_WAITING:
		case JOB_BACKOFF:
			job_stop(s->jobs[i], w->signum, 0);
			break;
		default:
			break;
		}
	}
	s->in_stop = 0;
	supervisor_stop_next(s);
}

/* SIGUSR2: reopen the jobs' log files (logrotate has renamed them). */
static void
supervisor_usr2_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	unsigned	n;

	(void)loop;
	(void)w;
	(void)revents;
	n = logfile_reopen();
	log_info("received SIGUSR2: reopened %u log file%s", n,
	    n == 1 ? "" : "s");
}

/*
 * Set up the default loop (libev reaps children only there) and signals.
 * undo says which signals were ignored when lockrun started: those stay
 * ignored (nohup lockrun ... must survive the hang-up, as nohup flock does).
 */
int
supervisor_init(struct supervisor *s, const struct conf *conf,
    const char *lock_dir, const struct spawn_undo *undo)
{
	struct sigaction	sa;
	size_t			i;

	memset(s, 0, sizeof(*s));
	if ((s->loop = ev_default_loop(EVBACKEND_POLL)) == NULL)
		return (-1);
	/* A job writing to a closed pipe is its business, not ours. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return (-1);
#ifdef PR_SET_CHILD_SUBREAPER
	/*
	 * Orphans of our jobs become our children, and libev reaps them: a
	 * job's group then vanishes as soon as its processes exit, even where
	 * PID 1 does not reap (a container without an init).
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_debug("cannot become a subreaper: %s", strerror(errno));
#endif
	s->env.loop = s->loop;
	s->env.lock_dir = lock_dir;
	s->env.conf = conf;
	s->env.tty = -1;
	s->env.undo = undo;
	s->env.changed = supervisor_changed_cb;
	s->env.changed_arg = s;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(supervisor_signals); i++) {
		ev_signal_init(&s->sigs[i], supervisor_signal_cb,
		    supervisor_signals[i]);
		s->sigs[i].data = s;
	}
	ev_signal_init(&s->usr2, supervisor_usr2_cb, SIGUSR2);
	s->usr2.data = s;
	ev_timer_init(&s->sweep, supervisor_sweep_cb, 0., 0.);
	s->sweep.data = s;
	if (conf->metrics_file != NULL) {
		s->metrics = metrics_new(s->loop, lock_dir);
		metrics_set_conf(s->metrics, conf);
	}
	return (0);
}

/* Add the numprocs instances of a job. */
void
supervisor_add(struct supervisor *s, const struct conf_job *c)
{
	unsigned	i;

	for (i = 0; i < c->numprocs; i++)
		supervisor_add_one(s, c, i);
}

/* Add instance i of a job. */
void
supervisor_add_one(struct supervisor *s, const struct conf_job *c,
    unsigned i)
{
	struct job	*j;

	j = job_new(c, i, &s->env, supervisor_done_cb, s);
	j->seq = s->nseq++;
	supervisor_push(&s->jobs, &s->njobs, j);
}

/* By priority, then by order of adding (the file's). */
static int
supervisor_priority_cmp(const void *a, const void *b)
{
	const struct job	*x = *(struct job *const *)a;
	const struct job	*y = *(struct job *const *)b;

	if (x->conf->priority != y->conf->priority)
		return (x->conf->priority < y->conf->priority ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Start the n jobs of v: the lower priority first, as supervisord. */
static void
supervisor_start_all(struct job **v, size_t n)
{
	struct job	**order;
	size_t		  i;

	order = util_xcalloc(n + 1, sizeof(*order));
	memcpy(order, v, n * sizeof(*order));
	qsort(order, n, sizeof(*order), supervisor_priority_cmp);
	for (i = 0; i < n; i++)
		job_start(order[i]);
	free(order);
}

/* Start every job and run until all are done. */
void
supervisor_run(struct supervisor *s)
{
	size_t	i;

	s->nactive = s->njobs;
	if (s->nactive == 0)
		return;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(supervisor_signals); i++) {
		if (!spawn_undo_ignored(s->env.undo, supervisor_signals[i]))
			ev_signal_start(s->loop, &s->sigs[i]);
	}
	/* Ad hoc there are no log files, and flock(1) takes no SIGUSR2. */
	if (!s->env.forward && !spawn_undo_ignored(s->env.undo, SIGUSR2))
		ev_signal_start(s->loop, &s->usr2);
	supervisor_start_all(s->jobs, s->njobs);
	/* Every job has started, is waiting, or is done already. */
	notify_send("READY=1");
	if (s->nactive > 0) {
		if (log_status_possible()) {
			ev_timer_init(&s->progress, supervisor_progress_cb,
			    1., 1.);
			s->progress.data = s;
			ev_timer_start(s->loop, &s->progress);
		}
		ev_run(s->loop, 0);
	}
	logfile_drain();
	metrics_flush(s->metrics);
}

/*
 * Run the jobs of conf (ours from now on) instead of the current ones, as
 * supervisord's update does: a job whose definition is the same, field by
 * field, keeps running untouched (same process, same locks); a new one
 * starts; one that left the file stops (stopsignal, stopwaitsecs); one that
 * changed stops, and its new instances start once all of its old ones have
 * stopped and let go of its PID file. A job that is done and unchanged
 * stays done.
 */
int
supervisor_reload(struct supervisor *s, struct conf *nc)
{
	const struct conf	 *old = s->env.conf;
	const struct conf_job	 *c, *oc;
	struct job		**jobs = NULL, **fresh = NULL, *j;
	unsigned char		 *kept;
	size_t			  njobs = 0, nfresh = 0, first, i, k;
	size_t			  nsame = 0, nnew = 0, nchanged = 0, ngone = 0;
	unsigned		  n;

	s->confs = util_xreallocarray(s->confs, s->nconfs + 1,
	    sizeof(*s->confs));
	s->confs[s->nconfs++] = nc;
	s->env.conf = nc;		/* job_new takes semaphores from it */
	if (s->metrics == NULL && nc->metrics_file != NULL)
		s->metrics = metrics_new(s->loop, s->env.lock_dir);
	if (s->metrics != NULL)
		metrics_set_conf(s->metrics, nc);

	kept = util_xcalloc(s->njobs + 1, 1);
	for (i = 0; i < nc->njobs; i++) {
		c = &nc->jobs[i];
		oc = conf_find_job(old, c->name);
		if (oc != NULL && conf_job_equal(old, oc, nc, c)) {
			nsame++;
			for (k = 0; k < s->njobs; k++) {
				if (s->jobs[k]->conf != oc)
					continue;
				kept[k] = 1;
				s->jobs[k]->conf = c;
				supervisor_push(&jobs, &njobs, s->jobs[k]);
			}
			continue;
		}
		if (oc != NULL)
			nchanged++;
		else
			nnew++;
		/* autostart = no: it runs when named, and none is here. */
		for (n = 0; c->autostart && n < c->numprocs; n++) {
			j = job_new(c, n, &s->env, supervisor_done_cb, s);
			j->seq = s->nseq++;
			j->takes_over = oc != NULL;
			supervisor_push(&jobs, &njobs, j);
			supervisor_push(&fresh, &nfresh, j);
		}
	}
	for (i = 0; i < old->njobs; i++) {
		if (conf_find_job(nc, old->jobs[i].name) == NULL)
			ngone++;
	}

	/* The old jobs that do not stay: done ones go, others stop. */
	first = s->nretiring;
	for (k = 0; k < s->njobs; k++) {
		j = s->jobs[k];
		if (kept[k])
			continue;
		supervisor_pull(s->held, &s->nheld, j);
		if (j->state == JOB_DONE)
			job_free(j);
		else
			supervisor_push(&s->retiring, &s->nretiring, j);
	}
	free(kept);
	free(s->jobs);
	s->jobs = jobs;
	s->njobs = njobs;
	s->nactive += nfresh;

	log_info("reloaded %s: %zu job%s unchanged, %zu new, %zu changed, "
	    "%zu removed", nc->path, nsame, nsame == 1 ? "" : "s", nnew,
	    nchanged, ngone);
	/* A stop may end a job at once (done_cb): the arrays are ready. */
	for (i = first; i < s->nretiring; i++)
		job_stop(s->retiring[i], SIGTERM, 0);
	if (nfresh > 1)
		qsort(fresh, nfresh, sizeof(*fresh), supervisor_priority_cmp);
	for (i = 0; i < nfresh; i++) {
		if (supervisor_retiring_named(s, fresh[i]->conf->name))
			supervisor_push(&s->held, &s->nheld, fresh[i]);
		else
			job_start(fresh[i]);
	}
	free(fresh);
	supervisor_sweep_soon(s);
	return (0);
}

void
supervisor_free(struct supervisor *s)
{
	size_t	i;

	ev_timer_stop(s->loop, &s->sweep);
	for (i = 0; i < s->njobs; i++)
		job_free(s->jobs[i]);
	free(s->jobs);
	s->jobs = NULL;
	s->njobs = 0;
	for (i = 0; i < s->nretiring; i++)
		job_free(s->retiring[i]);
	free(s->retiring);
	s->retiring = NULL;
	s->nretiring = 0;
	free(s->held);
	s->held = NULL;
	s->nheld = 0;
	metrics_free(s->metrics);
	s->metrics = NULL;
	/* After the jobs: they point into these. */
	for (i = 0; i < s->nconfs; i++) {
		conf_free(s->confs[i]);
		free(s->confs[i]);
	}
	free(s->confs);
	s->confs = NULL;
	s->nconfs = 0;
}
