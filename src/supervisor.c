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

/* A job reached JOB_DONE; the last one ends the loop. */
static void
supervisor_done_cb(struct job *j, void *arg)
{
	struct supervisor	*s = arg;
	size_t			 i;

	(void)j;
	if (--s->nactive > 0)
		return;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(supervisor_signals); i++)
		ev_signal_stop(s->loop, &s->sigs[i]);
	ev_timer_stop(s->loop, &s->progress);
	log_status(NULL);
	ev_break(s->loop, EVBREAK_ALL);
}

/*
 * SIGTERM, SIGINT or SIGHUP: stop every job gracefully; a second signal
 * skips the grace period.
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
	for (i = 0; i < s->njobs; i++)
		job_stop(s->jobs[i], w->signum, s->nsignals > 1);
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
	s->jobs[s->njobs++] = job_new(c, i, &s->env, supervisor_done_cb, s);
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
	for (i = 0; i < s->njobs; i++)
		job_start(s->jobs[i]);
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
