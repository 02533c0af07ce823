/*
 * spawn.c: fork and exec one child.
 *
 * Everything is prepared before fork. Between fork and exec the child makes
 * only async-signal-safe calls: no malloc, no stdio, no logging. It reports
 * a failure to exec through a close-on-exec pipe as an errno value, and exits
 * 127 (not found) or 126 (not executable) as a shell would.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#ifdef HAVE_SYS_SYSCALL_H
#include <sys/syscall.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "spawn.h"

void
spawn_init(struct spawn *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->tty = -1;
	sp->ioprio = -1;
	sp->stdout_fd = -1;
	sp->stderr_fd = -1;
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
 * execvp(3) and shells do. sp->sh_argv was made for that before the fork;
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

/* The child's half: runs between fork and exec. */
static void __attribute__((noreturn))
spawn_child(const struct spawn *sp, int errfd)
{
	struct sigaction	sa;
	sigset_t		set;
	size_t			i;
	int			sig, fl;

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

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	}

	if (sp->directory != NULL && chdir(sp->directory) == -1)
		spawn_child_fail(errfd, SPAWN_STEP_CHDIR, errno);
	if (sp->has_nice && setpriority(PRIO_PROCESS, 0, sp->nice) == -1)
		spawn_child_fail(errfd, SPAWN_STEP_NICE, errno);
#ifdef SYS_ioprio_set
	if (sp->ioprio != -1 && syscall(SYS_ioprio_set, 1 /* WHO_PROCESS */,
	    0, sp->ioprio) == -1)
		spawn_child_fail(errfd, SPAWN_STEP_IOPRIO, errno);
#endif
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

	/* No signal handler may run in the child before exec (tmux does this). */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) == -1)
		goto fail;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		spawn_child(sp, pfd[1]);
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
	};

	return ((unsigned)step < sizeof(names) / sizeof(names[0]) ?
	    names[step] : "cannot start");
}

/*
 * The terminal to hand to an ad hoc command: stdin's, if lockrun runs in its
 * foreground process group; else -1.
 */
int
spawn_foreground_tty(void)
{
	pid_t	pg;

	if (!isatty(STDIN_FILENO))
		return (-1);
	pg = tcgetpgrp(STDIN_FILENO);
	if (pg == -1 || pg != getpgrp())
		return (-1);
	return (STDIN_FILENO);
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
