/* spawn.h: fork and exec one child (no libev, no logging in the child). */
#ifndef LOCKRUN_SPAWN_H
#define LOCKRUN_SPAWN_H

#include <sys/types.h>
#include <sys/resource.h>

#include <signal.h>

/* What the child was doing when it failed, as reported to the parent. */
enum spawn_step {
	SPAWN_STEP_EXEC,
	SPAWN_STEP_GROUP,
	SPAWN_STEP_CHDIR,
	SPAWN_STEP_NICE,
	SPAWN_STEP_IOPRIO,
	SPAWN_STEP_STDIO,
	SPAWN_STEP_FDS,
	SPAWN_STEP_LIMITS,
	SPAWN_STEP_USER,
};

enum spawn_group {
	SPAWN_SETSID,		/* new session: a supervised job */
	SPAWN_SETPGID,		/* new process group, same terminal (ad hoc) */
};

/*
 * What lockrun changes in itself at its start, to be undone in every child:
 * the signals it handles or ignores, and the descriptor limit it raises.
 * A signal that was ignored when lockrun started (nohup, a shell's '&')
 * stays ignored, in lockrun and in the command.
 */
struct spawn_undo {
	sigset_t	handled;	/* lockrun catches or ignores these */
	sigset_t	ignored;	/* ... and these were ignored at start */
	struct rlimit	nofile;		/* the limit lockrun started with */
	int		has_nofile;
};

/* Everything the child needs, prepared before fork. */
struct spawn {
	const char		*path;		/* execve path, or a PATH name */
	char *const		*argv;
	char			**sh_argv;	/* "sh", NULL, argv[1...]: for a
						   file without #!, or NULL */
	char *const		*envp;
	const char		*search_path;	/* $PATH when path has no '/' */
	const char		*directory;	/* or NULL */
	enum spawn_group	 group;
	int			 tty;		/* hand this tty to the child, or -1 */
	int			 has_nice;
	int			 nice;
	int			 ioprio;	/* ioprio_set value, or -1 */
	int			 stdout_fd;	/* -1: inherit */
	int			 stderr_fd;
	const int		*keep_fds;	/* lock fds the child inherits */
	size_t			 nkeep;
	int			 has_user;	/* become uid, gid and groups */
	uid_t			 uid;
	gid_t			 gid;
	const gid_t		*groups;	/* looked up before fork */
	size_t			 ngroups;
	int			 umask;		/* or -1 */
	const struct spawn_undo	*undo;		/* or NULL */
	int			 pdeathsig;	/* sent to the child when we die,
						   or 0 */
	pid_t			 parent;	/* ... we, as getppid() sees us */
};

void	spawn_undo_record(struct spawn_undo *);
int	spawn_undo_ignored(const struct spawn_undo *, int);
void	spawn_undo_nofile(struct spawn_undo *);
void	spawn_init(struct spawn *);
pid_t	spawn_start(const struct spawn *, int *);
int	spawn_report(int, enum spawn_step *, int *);
const char *spawn_step_name(enum spawn_step);
int	spawn_open_tty(void);
int	spawn_tty_ours(int);
int	spawn_group_orphaned(void);
void	spawn_give_tty(int, pid_t);
void	spawn_restore_tty(int);

#endif
