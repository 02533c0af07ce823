/* zk_status.h: the fleet's holders and waiters, read from ZooKeeper. */
#ifndef LOCKRUN_ZK_STATUS_H
#define LOCKRUN_ZK_STATUS_H

#include <stdio.h>

#include "conf.h"

void	zk_status_print(FILE *, int, void *);

#endif
