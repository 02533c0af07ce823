/* status.h: who runs, who holds which slot, read without taking any lock. */
#ifndef LOCKRUN_STATUS_H
#define LOCKRUN_STATUS_H

#include <stdio.h>
#include <time.h>

#include "conf.h"

#define STATUS_ADHOC	0x1	/* --lock/--semaphore: no jobs, free locks too */
#define STATUS_ALL	0x2	/* no names: everything in the lock dir */

/* More to show after the host's (the fleet, zk_status.c); with json, one
   more key of the top object, without a newline after it. */
typedef void status_more_fn(FILE *, int, void *);

int	status_print(FILE *, const struct conf *, const char *, int, int);
const char *status_time(time_t, int, char *, size_t);
void	status_text(FILE *, const char *, size_t, int);
void	status_json_str(FILE *, const char *);
int	status_print_more(FILE *, const struct conf *, const char *, int, int,
	    status_more_fn *, void *);

#endif
