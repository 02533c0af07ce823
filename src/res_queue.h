/* res_queue.h: a first-come, first-served queue in front of a resource. */
#ifndef LOCKRUN_RES_QUEUE_H
#define LOCKRUN_RES_QUEUE_H

#include "lockdir.h"
#include "resource.h"

struct resource	*res_queue_new(struct resource *, const char *,
		    enum lockdir_queue_kind, const char *);
struct resource	*res_queue_inner(struct resource *);

#endif
