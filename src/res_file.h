/*
 * res_file.h: flock files as resources: a lock file, a semaphore's slots,
 * a descriptor we inherited.
 */
#ifndef LOCKRUN_RES_FILE_H
#define LOCKRUN_RES_FILE_H

#include "lock.h"
#include "lockdir.h"
#include "resource.h"
#include "sem.h"

struct resource	*res_lock_new(const char *, enum lock_mode, int);
struct resource	*res_sem_new(const char *, const char *, unsigned,
		    enum lockdir_slot_kind, int, unsigned);
struct resource	*res_fd_new(int, enum lock_mode);
struct lock	*res_lock(struct resource *);
struct sem	*res_sem(struct resource *);
int		 res_is_sem(const struct resource *);

#endif
