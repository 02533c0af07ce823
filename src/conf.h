/* conf.h: the job file (INI) as a struct conf. No side effects, no libev. */
#ifndef LOCKRUN_CONF_H
#define LOCKRUN_CONF_H

#include <stddef.h>

#define LOCKRUN_DEFAULT_BUSY_EXIT	75
#define LOCKRUN_DEFAULT_RETRY		1.0	/* retry_interval, seconds */
#define LOCKRUN_DEFAULT_STOPWAIT	10.0	/* stopwaitsecs, seconds */
#define LOCKRUN_DEFAULT_STARTRETRIES	3
#define LOCKRUN_DEFAULT_PRIORITY	999	/* supervisord's */
#define LOCKRUN_DEFAULT_LOG_BACKUPS	10	/* supervisord's */
#define LOCKRUN_DEFAULT_SESSION		10.0	/* session_timeout, seconds */
#define LOCKRUN_MAX_SLOTS		1024
#define LOCKRUN_MAX_NUMPROCS		100000

enum conf_on_running {
	CONF_ON_RUNNING_SKIP,
	CONF_ON_RUNNING_WAIT,
	CONF_ON_RUNNING_FAIL,
	CONF_ON_RUNNING_REPLACE,
};

enum conf_autorestart {
	CONF_RESTART_FALSE,
	CONF_RESTART_UNEXPECTED,
	CONF_RESTART_TRUE,
	CONF_RESTART_EXPECTED,		/* ad hoc --restart on-success */
};

enum conf_ioclass {
	CONF_IOCLASS_NONE,		/* leave the I/O priority alone */
	CONF_IOCLASS_REALTIME,
	CONF_IOCLASS_BEST_EFFORT,
	CONF_IOCLASS_IDLE,
};

struct conf_hash;

/* A named lock a job takes: <lock_dir>/<name>.lock, or path as given. */
struct conf_lock {
	char	*name;			/* name, or a path when is_path */
	int	 is_path;		/* ad hoc --lock PATH */
	int	 is_fd;			/* ad hoc --fd N: descriptor fd */
	int	 fd;
	int	 shared;		/* ":shared" */
	int	 fleet;			/* its [lock:NAME] says scope = fleet */
};

/* A [lock:NAME] section: what every job's "locks = NAME" means. */
struct conf_lockdef {
	char	*name;
	int	 fleet;
	int	 line;
};

struct conf_sem {
	char		*name;
	unsigned	 slots;		/* 1..LOCKRUN_MAX_SLOTS */
	int		 fleet;		/* scope = fleet: in ZooKeeper */
	int		 line;		/* of the section header */
};

struct conf_job {
	char			*name;
	int			 line;		/* of the section header */

	char			*command;	/* run by /bin/sh -c, or NULL */
	char			**argv;		/* ad hoc: exec'd directly */
	char			*adhoc_path;	/* ad hoc: its first exclusive
						   --lock, the run's identity
						   (with singleton: its PID
						   file) */
	char			*adhoc_key;	/* ... canonical, naming the
						   file of replace requests */

	int			 singleton;	/* default 1 */
	int			 fleet;		/* scope = fleet: one run in the
						   whole fleet, not per host */
	int			 fleet_line;	/* ... where it was said */
	int			 stopwait_line;	/* where stopwaitsecs was set */
	enum conf_on_running	 on_running;	/* default skip */
	size_t			*sems;		/* indexes into conf->sems */
	size_t			 nsems;
	struct conf_lock	*locks;
	size_t			 nlocks;

	double			 wait_timeout;	/* seconds, 0 = forever */
	double			 retry_interval;
	double			 timeout;	/* runtime limit, 0 = none */
	int			 stopsignal;	/* default SIGTERM */
	double			 stopwaitsecs;

	enum conf_autorestart	 autorestart;	/* default false */
	unsigned char		 exitcodes[32];	/* bitmap of 0..255, default {0} */
	unsigned		 startretries;	/* failed starts in a row */
	double			 startsecs;	/* a start succeeds after this */
	unsigned		 numprocs;	/* default 1 */

	char			*directory;
	char			**environment;	/* "NAME=value", NULL-terminated */
	size_t			 nenvironment;
	int			 has_nice;
	int			 nice;		/* -20..19 */
	enum conf_ioclass	 ioclass;
	int			 iolevel;	/* 0..7 */
	char			*stdout_logfile;	/* NULL: inherit */
	char			*stderr_logfile;
	int			 redirect_stderr;
	unsigned long		 stdout_maxbytes;	/* rotate at; 0: never */
	unsigned		 stdout_backups;
	unsigned long		 stderr_maxbytes;
	unsigned		 stderr_backups;

	char			*user;		/* run as this user (root only) */
	int			 user_line;
	int			 umask;		/* or -1: lockrun's */
	int			 autostart;	/* run with the whole file */
	int			 priority;	/* start order; stop in reverse */

	char			*process_name;	/* supervisord's, or NULL */
	int			 process_name_line;
	int			 supervisord;	/* a [program:NAME] */
	int			 templated;	/* CONF_TMPL_*: these values name
						   %(process_num)d: templates
						   (conf_job_instance) */
};

#define CONF_TMPL_COMMAND	0x01
#define CONF_TMPL_PROCESS_NAME	0x02
#define CONF_TMPL_DIRECTORY	0x04
#define CONF_TMPL_STDOUT	0x08
#define CONF_TMPL_STDERR	0x10
#define CONF_TMPL_ENVIRONMENT	0x20

struct conf {
	char			*path;
	char			*lock_dir;	/* NULL: not set in the file */
	int			 busy_exit_code; /* default 75 */
	int			 has_busy_exit_code;
	char			*log;		/* "stderr" | "syslog", or NULL */
	char			*log_level;	/* or NULL */
	char			*metrics_file;	/* Prometheus textfile, or NULL */
	char			*zookeeper;	/* connect string, or NULL */
	double			 session_timeout;
	int			 zookeeper_line;

	struct conf_lockdef	*lockdefs;
	size_t			 nlockdefs;

	struct conf_sem		*sems;
	size_t			 nsems;
	struct conf_job		*jobs;
	size_t			 njobs;

	/* Names to indexes, made by conf_load; NULL in a conf built by hand. */
	struct conf_hash	*semnames;
	struct conf_hash	*jobnames;
};

int	 conf_load(struct conf *, const char *, char *, size_t);
int	 conf_load_fd(struct conf *, int, const char *, char *, size_t);
void	 conf_init(struct conf *);
void	 conf_job_init(struct conf_job *, const char *);
const struct conf_job *conf_job_instance(const struct conf_job *, unsigned,
	    struct conf_job *);
void	 conf_job_instance_free(const struct conf_job *, struct conf_job *);
void	 conf_free(struct conf *);
int	 conf_job_equal(const struct conf *, const struct conf_job *,
	    const struct conf *, const struct conf_job *);
int	 conf_exitcode_expected(const struct conf_job *, int);
void	 conf_exitcode_set(struct conf_job *, int);
const char	*conf_key_name(size_t);
struct conf_job	*conf_find_job(const struct conf *, const char *);
struct conf_sem	*conf_find_sem(const struct conf *, const char *);
struct conf_lockdef *conf_find_lockdef(const struct conf *, const char *);
int		 conf_uses_fleet(const struct conf *);

#endif
