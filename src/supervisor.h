/* supervisor.h: the event loop, signals, the set of jobs, shutdown. */
#ifndef LOCKRUN_SUPERVISOR_H
#define LOCKRUN_SUPERVISOR_H

#include <ev.h>

#include "conf.h"
#include "job.h"

struct supervisor {
	struct ev_loop	 *loop;
	struct job_env	  env;
	struct job	**jobs;
	size_t		  njobs;
	size_t		  nactive;	/* jobs not yet done */
	ev_signal	  sigs[3];
	ev_timer	  progress;	/* the status line on a terminal */
	int		  signal;	/* the first signal received, or 0 */
	unsigned	  nsignals;
	int		  in_stop;	/* in supervisor_stop_next */
};

int	supervisor_init(struct supervisor *, const struct conf *, const char *,
	    const struct spawn_undo *);
void	supervisor_add(struct supervisor *, const struct conf_job *);
void	supervisor_add_one(struct supervisor *, const struct conf_job *,
	    unsigned);
void	supervisor_run(struct supervisor *);
void	supervisor_free(struct supervisor *);

#endif
