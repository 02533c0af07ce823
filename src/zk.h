/* zk.h: the one ZooKeeper session of a lockrun process, on the libev loop. */
#ifndef LOCKRUN_ZK_H
#define LOCKRUN_ZK_H

#include <sys/queue.h>

struct ev_loop;

/* What a listener hears of the session. */
enum zk_event {
	ZK_EV_CONNECTED,	/* (again): requests can be made */
	ZK_EV_LEASE,		/* the lease moved: see zk_lease */
	ZK_EV_LOST,		/* the session is gone, and every node of it */
};

struct zk_listener;
typedef void zk_listener_cb(struct zk_listener *, enum zk_event);

struct zk_listener {
	zk_listener_cb			*cb;
	TAILQ_ENTRY(zk_listener)	 entry;
};

int	 zk_configure(const char *, double, char *, size_t);
int	 zk_configured(void);
const char *zk_hosts(void);
const char *zk_prefix(void);
double	 zk_timeout(void);
void	*zk_handle(struct ev_loop *);
int	 zk_connected(void);
double	 zk_unreachable_since(void);
double	 zk_lease(void);
void	 zk_listen(struct zk_listener *);
void	 zk_unlisten(struct zk_listener *);
void	 zk_shutdown(void);
const char *zk_hostname(void);

#endif
