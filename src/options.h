/* options.h: lockrun's command line, parsed without side effects. */
#ifndef LOCKRUN_OPTIONS_H
#define LOCKRUN_OPTIONS_H

#include <stddef.h>

/* What the command line asks for, once it is known to be good. */
enum options_action {
	OPTIONS_RUN,		/* run (or check, or look at) something */
	OPTIONS_HELP,		/* --help: the usage on stdout, exit 0 */
	OPTIONS_VERSION,	/* --version */
};

struct options {
	enum options_action	  action;
	const char		 *config;
	int			  check;
	int			  status;
	int			  json;
	char			**locks;
	size_t			  nlocks;
	int			  fd;		/* --fd, or -1 */
	int			  shared;
	int			  close;	/* --close */
	const char		 *semaphore;
	unsigned long		  slots;
	const char		 *lock_dir;
	const char		 *zookeeper;	/* --semaphore is fleet wide */
	double			  session_timeout;
	int			  no_wait;
	double			  wait;		/* 0: forever */
	long			  busy_code;	/* -1: not given */
	double			  timeout;
	double			  kill_after;
	int			  kill_after_set;
	int			  replace;	/* --replace */
	int			  restart;	/* --restart: conf_autorestart */
	int			  verbose;
	int			  quiet;
	int			  use_syslog;
};

int	options_parse(int, char **, struct options *, int *, char **);
void	options_free(struct options *);
char	*options_canonical(const char *);

#endif
