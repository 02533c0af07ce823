/* group.h: what is left of a job's process group, among our descendants. */
#ifndef LOCKRUN_GROUP_H
#define LOCKRUN_GROUP_H

#include <sys/types.h>

int	group_signal(pid_t, int);

#endif
