/* notify.h: tell the service manager how lockrun is (sd_notify(3)). */
#ifndef LOCKRUN_NOTIFY_H
#define LOCKRUN_NOTIFY_H

void	notify_init(void);
void	notify_send(const char *);
void	notify_reloading(void);

#endif
