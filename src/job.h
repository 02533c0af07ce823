/* job.h: one job instance: its locks, its process, its state table. */
#ifndef LOCKRUN_JOB_H
#define LOCKRUN_JOB_H

#include <sys/types.h>

#include <ev.h>

#include "conf.h"
#include "lock.h"
#include "resource.h"
#include "sem.h"
#include "waiter.h"

struct spawn_undo;

enum job_state {
	JOB_IDLE,		/* not started yet */
	JOB_REPLACING,		/* stopping the instance that holds our PID file */
	JOB_WAITING,		/* for its locks and slots */
	JOB_STARTING,		/* running, not yet for startsecs */
	JOB_RUNNING,
	JOB_STOPPING,		/* stop signal sent, SIGKILL on the timer */
	JOB_REAPING,		/* main process gone, leftovers of its group not */
	JOB_BACKOFF,		/* between restarts */
	JOB_DONE,
	JOB_NSTATES,
};

enum job_event {
	JOB_EV_START,
	JOB_EV_LOCKED,		/* the waiter holds everything */
	JOB_EV_EXPIRED,		/* the waiter's deadline passed */
	JOB_EV_ERROR,		/* could not lock or start: j->error says why */
	JOB_EV_EXIT,		/* the main process exited */
	JOB_EV_TIMER,		/* runtime limit, stop escalation, backoff */
	JOB_EV_STOP,		/* lockrun was asked to stop */
	JOB_EV_KILL,		/* ... and asked again: no grace period */
	JOB_EV_STARTED,		/* it has run startsecs: a successful start */
	JOB_EV_LOST,		/* a fleet claim's lease is running out */
	JOB_NEVENTS,
};

struct job;

/* Told of each new state of a job, with the one it was last told of. */
typedef void job_changed_cb(struct job *, enum job_state, void *);

/* How a job instance ended: facts for lockrun.c's exit-code policy. */
enum job_result {
	JOB_RESULT_NONE,
	JOB_RESULT_EXITED,	/* status holds the wait status */
	JOB_RESULT_TIMEOUT,	/* runtime limit hit */
	JOB_RESULT_SKIPPED,	/* busy, on_running = skip */
	JOB_RESULT_REPLACED,	/* another run took over before we started */
	JOB_RESULT_BUSY,	/* busy and not allowed to wait, or wait timed out */
	JOB_RESULT_CANCELLED,	/* lockrun was stopped by a signal */
	JOB_RESULT_ERROR,	/* could not lock or start: an OS error */
	JOB_RESULT_LOST,	/* stopped: its fleet claim could be lost */
	JOB_RESULT_UNAVAILABLE,	/* ZooKeeper did not answer in time */
};

/* Settings shared by every job of one lockrun process. */
struct job_env {
	struct ev_loop	*loop;
	const char	*lock_dir;
	int		 no_wait;	/* busy means give up, whatever on_running */
	int		 forward;	/* ad hoc: pass signals on, no escalation */
	int		 tty;		/* ad hoc: our terminal, or -1 */
	int		 tty_eager;	/* ... handed to the command at its start */
	int		 stopping;	/* lockrun is shutting down: no restart */
	int		 close_locks;	/* ad hoc --close: the command inherits
					   no lock, only lockrun holds them */
	const struct conf *conf;
	int		 queues;	/* the lock dir was vetted: queue there */
	const int	*size_fds;	/* per conf semaphore: its .slots claim */
	const struct spawn_undo *undo;	/* what the child gets back */
	job_changed_cb	*changed;	/* or NULL */
	void		*changed_arg;
	double		 fleet_wait;	/* no wait: how long ZooKeeper may
					   take to say whether it is busy */
};

typedef void job_done_cb(struct job *, void *);

struct job {
	const struct conf_job	*conf;		/* this instance's (inst) */
	struct conf_job		 inst;		/* its %(process_num)d values */
	const struct job_env	*env;
	char			*name;		/* "backup", or "backup.02" */
	size_t			 seq;		/* the supervisor's order */
	int			 pid_deferred;	/* an instance waits for the
						   rest without its file */
	unsigned		 instance;
	enum job_state		 state;
	enum job_state		 told;		/* the last state changed() got */

	struct resource		*pidres;	/* singleton: its PID file */
	struct lock		*pidlock;	/* ... that file */
	struct lock		*replace;	/* ... its replace requests */
	struct resource		**sems;		/* a slot of each semaphore */
	struct resource		**locks;	/* its named locks */
	struct resource		*fleet;		/* its fleet singleton, or NULL */
	struct waiter		 waiter;

	pid_t			 pid;
	ev_tstamp		 started;
	ev_tstamp		 wait_started;
	ev_tstamp		 wait_deadline;	/* 0: none */
	ev_child		 child;
	int			 report_fd;	/* the exec report of spawn */
	ev_timer		 timer;
	ev_timer		 start_timer;	/* startsecs after the start */
	ev_timer		 lease;		/* stop before a fleet lease ends */
	int			 guarded;	/* its claims tell of their lease */
	int			 lost;		/* stopped for the lease */
	ev_tstamp		 stop_deadline;
	pid_t			 replacing;	/* the PID we are replacing */

	unsigned		 failed;	/* failed starts in a row */
	int			 spawn_failed;	/* this try could not fork */
	int			 start_ok;	/* this run has run startsecs */
	double			 backoff;
	int			 timed_out;
	int			 stop_requested;
	int			 stop_sig;	/* ad hoc: the signal received */
	int			 reap_signalled; /* 1: stop signal, 2: KILL */
	int			 gave_tty;	/* the command has our terminal */
	int			 waited;	/* the last lock took a wait */
	int			 ran;		/* it was started once */
	int			 takes_over;	/* a reload's new instance: waits
						   for the old one's PID file */
	char			 what[400];	/* what it waits for, for the */
	ev_tstamp		 what_at;	/* ... wait line, and since when */
	size_t			 what_busy;	/* ... for which waiter item */

	enum job_result		 result;
	int			 status;	/* wait status, when EXITED */
	int			 error;		/* errno, when ERROR */

	job_done_cb		*done;
	void			*arg;
};

struct job	*job_new(const struct conf_job *, unsigned,
		    const struct job_env *, job_done_cb *, void *);
void		 job_free(struct job *);
void		 job_start(struct job *);
void		 job_stop(struct job *, int, int);
const char	*job_state_name(enum job_state);
double		 job_waited(struct job *);
void		 job_describe_wait(struct job *, char *, size_t);

#endif
