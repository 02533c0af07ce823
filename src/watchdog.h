/* watchdog.h: a process that kills fleet jobs whose lease ran out. */
#ifndef LOCKRUN_WATCHDOG_H
#define LOCKRUN_WATCHDOG_H

#include <sys/types.h>

int	watchdog_set(pid_t, double);
void	watchdog_forget(pid_t);

#endif
