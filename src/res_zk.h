/* res_zk.h: fleet locks, semaphores and singletons in ZooKeeper. */
#ifndef LOCKRUN_RES_ZK_H
#define LOCKRUN_RES_ZK_H

#include "resource.h"

struct ev_loop;

struct resource	*res_zk_new(struct ev_loop *, const char *, const char *,
		    unsigned, int, const char *);

#endif
