/* supervisor.c: the event loop, signals, the set of jobs, shutdown. */
#include "config.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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
	if (--s->nactive > 0) {
		if (s->nsignals == 1)
			supervisor_stop_next(s);
		return;
	}
	for (i = 0; i < LOCKRUN_ARRAY_LEN(supervisor_signals); i++)
		ev_signal_stop(s->loop, &s->sigs[i]);
	ev_timer_stop(s->loop, &s->progress);
	log_status(NULL);
	ev_break(s->loop, EVBREAK_ALL);
}

/*
 * SIGTERM, SIGINT or SIGHUP: stop every job gracefully, highest priority
 * first (jobs that have not started yet at once: they must not start
 * now); a second signal skips the grace period.
 */
static void
supervisor_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct supervisor	*s = w->data;
	size_t			 i;

	(void)loop;
	(void)revents;
	if (s->signal == 0)
		s->signal = w->signum;
	s->nsignals++;
	log_info("received SIG%s%s", util_signame(w->signum),
	    s->nsignals > 1 ? ": stopping now" : ": stopping");
	s->env.stopping = 1;
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
	for (i = 0; i < LOCKRUN_ARRAY_LEN(supervisor_signals); i++) {
		ev_signal_init(&s->sigs[i], supervisor_signal_cb,
		    supervisor_signals[i]);
		s->sigs[i].data = s;
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
	s->jobs = util_xreallocarray(s->jobs, s->njobs + 1, sizeof(*s->jobs));
	s->jobs[s->njobs] = job_new(c, i, &s->env, supervisor_done_cb, s);
	s->jobs[s->njobs]->seq = s->njobs;
	s->njobs++;
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

/* Start every job and run until all are done. */
void
supervisor_run(struct supervisor *s)
{
	struct job	**order;
	size_t		  i;

	s->nactive = s->njobs;
	if (s->nactive == 0)
		return;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(supervisor_signals); i++) {
		if (!spawn_undo_ignored(s->env.undo, supervisor_signals[i]))
			ev_signal_start(s->loop, &s->sigs[i]);
	}
	/* The lower priority first, as supervisord; else in file order. */
	order = util_xcalloc(s->njobs, sizeof(*order));
	for (i = 0; i < s->njobs; i++)
		order[i] = s->jobs[i];
	qsort(order, s->njobs, sizeof(*order), supervisor_priority_cmp);
	for (i = 0; i < s->njobs; i++)
		job_start(order[i]);
	free(order);
	if (s->nactive == 0)
		return;
	if (log_status_possible()) {
		ev_timer_init(&s->progress, supervisor_progress_cb, 1., 1.);
		s->progress.data = s;
		ev_timer_start(s->loop, &s->progress);
	}
	ev_run(s->loop, 0);
}

void
supervisor_free(struct supervisor *s)
{
	size_t	i;

	for (i = 0; i < s->njobs; i++)
		job_free(s->jobs[i]);
	free(s->jobs);
	s->jobs = NULL;
	s->njobs = 0;
}
