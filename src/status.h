/* status.h: who runs, who holds which slot, read without taking any lock. */
#ifndef LOCKRUN_STATUS_H
#define LOCKRUN_STATUS_H

#include <stdio.h>

#include "conf.h"

#define STATUS_ADHOC	0x1	/* --lock/--semaphore: no jobs, free locks too */
#define STATUS_ALL	0x2	/* no names: everything in the lock dir */

int	status_print(FILE *, const struct conf *, const char *, int, int);

#endif
