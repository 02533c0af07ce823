/*
 * spawn.c: start one child, vfork-style, and exec it.
 *
 * Everything is prepared before the child exists. The child is made with
 * vfork(2): it shares our memory and runs on our stack, below this
 * function's frame, while we are suspended until it has exec'd or exited.
 * That costs no copy of the page tables and no copy-on-write faults after
 * it, which made fork() most of a busy supervisor's CPU. So the child may
 * touch only its own stack frames and what struct spawn gives it to read
 * (and slot 1 of sh_argv, made for it); it calls only system call
 * wrappers that are async-signal-safe: no malloc, no stdio, no logging, no
 * return from the function that called vfork. errno is shared too: the
 * parent saves its own. It reports a failure to exec through a
 * close-on-exec pipe as an errno value, and exits 127 (not found) or 126
 * (not executable) as a shell would.
 */
#include "config.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#ifdef HAVE_SYS_SYSCALL_H
#include <sys/syscall.h>
#endif

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

/* The signals lockrun catches (libev) or ignores (SIGPIPE). */
static const int spawn_handled[] = {
	SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD,
};

/*
 * Note, before lockrun touches anything, which of the signals it will
 * handle are ignored now, and the descriptor limit.
 */
void
spawn_undo_record(struct spawn_undo *u)
{
	struct sigaction	sa;
	size_t			i;

	memset(u, 0, sizeof(*u));
	sigemptyset(&u->handled);
	sigemptyset(&u->ignored);
	for (i = 0; i < sizeof(spawn_handled) / sizeof(spawn_handled[0]);
	    i++) {
		sigaddset(&u->handled, spawn_handled[i]);
		/* SIGCHLD ignored would make the command's waits fail. */
		if (spawn_handled[i] != SIGCHLD &&
		    sigaction(spawn_handled[i], NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			sigaddset(&u->ignored, spawn_handled[i]);
	}
}

/* Was sig ignored when lockrun started? Then lockrun must not catch it. */
int
spawn_undo_ignored(const struct spawn_undo *u, int sig)
{
	return (u != NULL && sigismember(&u->ignored, sig) == 1);
}

/*
 * Raise our soft descriptor limit to the hard one (a supervisor of many
 * jobs needs descriptors; 1024 is the usual soft limit), and note the old
 * one for the children: programs that use select(2) break above 1024.
 */
void
spawn_undo_nofile(struct spawn_undo *u)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	u->nofile = rl;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		u->has_nofile = 1;
}

void
spawn_init(struct spawn *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->tty = -1;
	sp->ioprio = -1;
	sp->stdout_fd = -1;
	sp->stderr_fd = -1;
	sp->umask = -1;
}

/*
 * Report the failed step and errno to the parent and exit as a shell would:
 * 127 when the command is not found, 126 for any other failure. Child only.
 */
static void __attribute__((noreturn))
spawn_child_fail(int fd, enum spawn_step step, int err)
{
	int	msg[2] = { (int)step, err };
	ssize_t	n;

	do
		n = write(fd, msg, sizeof(msg));
	while (n == -1 && errno == EINTR);
	_exit(step == SPAWN_STEP_EXEC && (err == ENOENT || err == ENOTDIR) ?
	    127 : 126);
}

/*
 * execve path; a file without #! (ENOEXEC) is given to /bin/sh, as
 * execvp(3) and shells do. sp->sh_argv was made for that before the vfork;
 * its slot 1 takes the path.
 */
static int
spawn_child_execve(const struct spawn *sp, const char *path)
{
	execve(path, sp->argv, sp->envp);
	if (errno == ENOEXEC && sp->sh_argv != NULL) {
		sp->sh_argv[1] = (char *)path;
		execve("/bin/sh", sp->sh_argv, sp->envp);
		errno = ENOEXEC;
	}
	return (errno);
}

/*
 * execvp(3) is not async-signal-safe; search $PATH by hand with execve and a
 * buffer on the stack. Returns the errno that best describes the failure.
 */
static int
spawn_child_exec(const struct spawn *sp)
{
	char		 buf[PATH_MAX];
	const char	*p, *end;
	size_t		 dlen, flen;
	int		 err = ENOENT, e;

	if (strchr(sp->path, '/') != NULL || sp->search_path == NULL)
		return (spawn_child_execve(sp, sp->path));
	flen = strlen(sp->path);
	for (p = sp->search_path; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		dlen = end - p;
		if (dlen == 0) {		/* empty entry: the current directory */
			buf[0] = '.';
			dlen = 1;
		} else if (dlen < sizeof(buf))
			memcpy(buf, p, dlen);
		if (dlen + 1 + flen < sizeof(buf)) {
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, sp->path, flen + 1);
			e = spawn_child_execve(sp, buf);
			if (e == EACCES)
				err = EACCES;	/* remember, keep looking */
			else if (e != ENOENT && e != ENOTDIR && e != ELOOP &&
			    e != ENAMETOOLONG)
				return (e);
		}
		if (*end == '\0')
			break;
	}
	return (err);
}

/* The child's half: runs between vfork and exec, on our stack. */
static void __attribute__((noreturn))
spawn_child(const struct spawn *sp, int errfd)
{
	struct sigaction	sa;
	sigset_t		set;
	size_t			i;
	int			fl;

	if (sp->group == SPAWN_SETSID) {
		if (setsid() == -1)
			spawn_child_fail(errfd, SPAWN_STEP_GROUP, errno);
	} else {
		if (setpgid(0, 0) == -1)
			spawn_child_fail(errfd, SPAWN_STEP_GROUP, errno);
		/* Signals are still blocked, so SIGTTOU cannot stop us here. */
		if (sp->tty != -1 && tcsetpgrp(sp->tty, getpid()) == -1)
			spawn_child_fail(errfd, SPAWN_STEP_GROUP, errno);
	}

#ifdef __linux__
	/*
	 * Die with lockrun (a fleet job must not outlive its claim). If
	 * lockrun died before the prctl, our parent is someone else now.
	 */
	if (sp->pdeathsig != 0) {
		if (prctl(PR_SET_PDEATHSIG, sp->pdeathsig) == -1)
			spawn_child_fail(errfd, SPAWN_STEP_GROUP, errno);
		if (getppid() != sp->parent)
			spawn_child_fail(errfd, SPAWN_STEP_GROUP, ESRCH);
	}
#endif

	/*
	 * exec resets caught signals to the default; only the ones lockrun
	 * caught (before exec, still blocked) or ignored need a word, and
	 * one ignored when lockrun started stays ignored (nohup).
	 */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(spawn_handled) / sizeof(spawn_handled[0]);
	    i++) {
		sa.sa_handler = spawn_undo_ignored(sp->undo, spawn_handled[i]) ?
		    SIG_IGN : SIG_DFL;
		(void)sigaction(spawn_handled[i], &sa, NULL);
	}
	if (sp->undo != NULL && sp->undo->has_nofile &&
	    setrlimit(RLIMIT_NOFILE, &sp->undo->nofile) == -1)
		spawn_child_fail(errfd, SPAWN_STEP_LIMITS, errno);

	if (sp->has_nice && setpriority(PRIO_PROCESS, 0, sp->nice) == -1)
		spawn_child_fail(errfd, SPAWN_STEP_NICE, errno);
#ifdef SYS_ioprio_set
	if (sp->ioprio != -1 && syscall(SYS_ioprio_set, 1 /* WHO_PROCESS */,
	    0, sp->ioprio) == -1)
		spawn_child_fail(errfd, SPAWN_STEP_IOPRIO, errno);
#endif
	if (sp->umask != -1)
		(void)umask((mode_t)sp->umask);
	/* The job's user, last of what needs root (nice, I/O class). */
	if (sp->has_user && (setgroups(sp->ngroups, sp->groups) == -1 ||
	    setgid(sp->gid) == -1 || setuid(sp->uid) == -1))
		spawn_child_fail(errfd, SPAWN_STEP_USER, errno);
	if (sp->directory != NULL && chdir(sp->directory) == -1)
		spawn_child_fail(errfd, SPAWN_STEP_CHDIR, errno);
	if ((sp->stdout_fd != -1 && dup2(sp->stdout_fd, STDOUT_FILENO) == -1) ||
	    (sp->stderr_fd != -1 && dup2(sp->stderr_fd, STDERR_FILENO) == -1))
		spawn_child_fail(errfd, SPAWN_STEP_STDIO, errno);

	/* Exactly this job's lock descriptors survive the exec. */
	for (i = 0; i < sp->nkeep; i++) {
		if ((fl = fcntl(sp->keep_fds[i], F_GETFD)) == -1 ||
		    fcntl(sp->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC) == -1)
			spawn_child_fail(errfd, SPAWN_STEP_FDS, errno);
	}

	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	spawn_child_fail(errfd, SPAWN_STEP_EXEC, spawn_child_exec(sp));
}

/*
 * Fork and exec. Returns the child's PID, or -1 with errno set if it could
 * not be started. *report gets the read end of a pipe (non-blocking) that
 * says how the exec went: see spawn_report. Waiting for it here would stall
 * the caller until the child is scheduled, milliseconds on a busy host;
 * once the child has exited, the report is complete.
 */
pid_t
spawn_start(const struct spawn *sp, int *report)
{
	sigset_t	all, old;
	pid_t		pid;
	int		pfd[2], saved;

	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		return (-1);

	/*
	 * No signal handler may run in the child before exec (tmux does
	 * this): it would run on our memory with our libev's state.
	 */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) == -1)
		goto fail;
	pid = vfork();
	if (pid == 0) {
		close(pfd[0]);
		spawn_child(sp, pfd[1]);	/* does not return */
	}
	saved = errno;
	if (pid > 0 && sp->group == SPAWN_SETPGID)
		(void)setpgid(pid, pid);	/* no race with the child's */
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	if (pid == -1)
		goto fail;

	close(pfd[1]);
	*report = pfd[0];
	return (pid);

fail:
	saved = errno;
	close(pfd[0]);
	close(pfd[1]);
	errno = saved;
	return (-1);
}

/*
 * Read the report of spawn_start once the child has exited: 0 if it got as
 * far as exec, else -1 with *step and *err saying what failed.
 */
int
spawn_report(int fd, enum spawn_step *step, int *err)
{
	int	msg[2];
	ssize_t	n;

	do
		n = read(fd, msg, sizeof(msg));
	while (n == -1 && errno == EINTR);
	if (n != sizeof(msg))
		return (0);
	*step = (enum spawn_step)msg[0];
	*err = msg[1];
	return (-1);
}

/* What a failed step was, for a message: "cannot chdir to". */
const char *
spawn_step_name(enum spawn_step step)
{
	static const char *const names[] = {
		[SPAWN_STEP_EXEC] = "cannot run",
		[SPAWN_STEP_GROUP] = "cannot make a process group for",
		[SPAWN_STEP_CHDIR] = "cannot chdir to",
		[SPAWN_STEP_NICE] = "cannot set nice for",
		[SPAWN_STEP_IOPRIO] = "cannot set the I/O class for",
		[SPAWN_STEP_STDIO] = "cannot redirect the output of",
		[SPAWN_STEP_FDS] = "cannot pass the locks to",
		[SPAWN_STEP_LIMITS] = "cannot restore the descriptor limit for",
		[SPAWN_STEP_USER] = "cannot become the user of",
	};

	return ((unsigned)step < sizeof(names) / sizeof(names[0]) ?
	    names[step] : "cannot start");
}

/*
 * Our controlling terminal, whatever stdin is (it may be /dev/null while
 * the command still prompts on /dev/tty, as ssh and sudo do); -1 if none.
 */
int
spawn_open_tty(void)
{
	return (open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
}

/* Is our process group the terminal's foreground group? */
int
spawn_tty_ours(int tty)
{
	pid_t	pg;

	return (tty != -1 && (pg = tcgetpgrp(tty)) != -1 && pg == getpgrp());
}

/*
 * Is our process group orphaned: no process of our session outside the
 * group is the parent of one in it? Then no shell can continue us, and the
 * kernel does not stop us for SIGTSTP. Looked at through our ancestors
 * only, which is where the shell that could continue us would be.
 */
int
spawn_group_orphaned(void)
{
	struct util_proc	self, parent;
	pid_t			pid = getpid();
	int			depth;

	for (depth = 0; depth < 64; depth++) {
		if (util_proc_stat(pid, &self) == -1)
			return (0);	/* cannot tell: assume a shell */
		if (self.ppid <= 1 || util_proc_stat(self.ppid, &parent) == -1 ||
		    parent.sid != getsid(0))
			return (1);
		if (parent.pgrp != getpgrp())
			return (0);	/* a parent in another group, ours */
		pid = self.ppid;
	}
	return (0);
}

/* Make process group pg the terminal's foreground group. */
void
spawn_give_tty(int tty, pid_t pg)
{
	sigset_t	set, old;

	if (tty == -1)
		return;
	/* Not from the foreground, tcsetpgrp would stop us with SIGTTOU. */
	sigemptyset(&set);
	sigaddset(&set, SIGTTOU);
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1)
		return;
	(void)tcsetpgrp(tty, pg);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Take the terminal back for our own process group after the command. */
void
spawn_restore_tty(int tty)
{
	spawn_give_tty(tty, getpgrp());
}
