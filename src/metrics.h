/* metrics.h: what the jobs did, as a Prometheus textfile (metrics_file). */
#ifndef LOCKRUN_METRICS_H
#define LOCKRUN_METRICS_H

#include <ev.h>

#include "conf.h"
#include "job.h"

struct metrics;

struct metrics	*metrics_new(struct ev_loop *, const char *);
void		 metrics_set_conf(struct metrics *, const struct conf *);
void		 metrics_job_changed(struct metrics *, struct job *,
		    enum job_state);
void		 metrics_flush(struct metrics *);
void		 metrics_free(struct metrics *);

#endif
