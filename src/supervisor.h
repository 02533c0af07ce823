/* supervisor.h: the event loop, signals, the set of jobs, shutdown. */
#ifndef LOCKRUN_SUPERVISOR_H
#define LOCKRUN_SUPERVISOR_H

#include <ev.h>

#include "conf.h"
#include "job.h"

struct metrics;
struct supervisor;

/* SIGHUP: load the file again and call supervisor_reload, or say why not. */
typedef void supervisor_reload_cb(struct supervisor *, void *);

struct supervisor {
	struct ev_loop	 *loop;
	struct job_env	  env;
	struct job	**jobs;		/* those of the file, in its order */
	size_t		  njobs;
	size_t		  nactive;	/* jobs not yet done, retiring too */
	ev_signal	  sigs[3];
	ev_signal	  usr2;		/* reopen the jobs' log files */
	ev_timer	  progress;	/* the status line on a terminal */
	int		  signal;	/* the first signal received, or 0 */
	unsigned	  nsignals;
	int		  in_stop;	/* in supervisor_stop_next */
	size_t		  nseq;		/* jobs added so far (job->seq) */

	supervisor_reload_cb *reload;	/* NULL: SIGHUP stops, as TERM */
	void		 *reload_arg;
	struct conf	**confs;	/* loaded by reloads: ours to free */
	size_t		  nconfs;
	struct job	**retiring;	/* left the file or changed: stopping */
	size_t		  nretiring;
	struct job	**held;		/* new, until the old ones have stopped */
	size_t		  nheld;
	ev_timer	  sweep;	/* frees and starts what is due */
	struct metrics	 *metrics;	/* metrics_file, or NULL */
};

int	supervisor_init(struct supervisor *, const struct conf *, const char *,
	    const struct spawn_undo *);
void	supervisor_add(struct supervisor *, const struct conf_job *);
void	supervisor_add_one(struct supervisor *, const struct conf_job *,
	    unsigned);
void	supervisor_run(struct supervisor *);
int	supervisor_reload(struct supervisor *, struct conf *);
void	supervisor_free(struct supervisor *);

#endif
