/*
 * group.c: what is left of a job's process group, among our descendants.
 *
 * Once a job's main process has exited and been reaped, its PID is free,
 * and so is the number of its process group as soon as the last member
 * exits: a process that calls setsid() may then get it. kill(-pgid) on a
 * bare number could hit that stranger. But lockrun is a subreaper, so every
 * real leftover of a job is its descendant: walk our own tree
 * (/proc/PID/task/TID/children), take the members of the group that are
 * alive, and signal each through a pidfd, which cannot be reused under us.
 */
#include "config.h"

#ifdef HAVE_SYS_SYSCALL_H
#include <sys/syscall.h>
#endif
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"
#include "util.h"

struct group_list {
	pid_t	*pids;
	size_t	 n;
	size_t	 cap;
};

static void
group_add(struct group_list *l, pid_t pid)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 32 : l->cap * 2;
		l->pids = util_xreallocarray(l->pids, l->cap, sizeof(*l->pids));
	}
	l->pids[l->n++] = pid;
}

/* Add the children of every thread of pid. -1 if the kernel cannot say. */
static int
group_children(pid_t pid, struct group_list *l)
{
	struct dirent	*de;
	DIR		*d;
	FILE		*f;
	char		 path[64 + 256];
	long		 child;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return (errno == ENOENT ? 0 : -1);	/* gone: no children */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/children",
		    (long)pid, de->d_name);
		if ((f = fopen(path, "re")) == NULL) {
			if (errno == ENOENT && pid == getpid()) {
				closedir(d);
				return (-1);	/* no CONFIG_PROC_CHILDREN */
			}
			continue;
		}
		while (fscanf(f, "%ld", &child) == 1)
			group_add(l, (pid_t)child);
		fclose(f);
	}
	closedir(d);
	return (0);
}

/* Send sig to pid through a pidfd if the kernel has them, checking it first. */
static void
group_kill(pid_t pid, pid_t pg, int sig)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
	struct util_proc	p;
	int			pfd;

	if ((pfd = (int)syscall(SYS_pidfd_open, pid, 0)) != -1) {
		/* The pidfd pins the process: is it still the member we saw? */
		if (util_proc_stat(pid, &p) == 0 && p.pgrp == pg)
			(void)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
		close(pfd);
		return;
	}
	if (errno != ENOSYS)
		return;			/* gone */
#else
	(void)pg;
#endif
	(void)kill(pid, sig);
}

/*
 * The live members of process group pg among our descendants, other than
 * pg itself (the job's main process, which is gone): how many there are, 0
 * when the group is empty. With sig, each is sent sig (and SIGCONT after
 * it, so that a stopped process can act on it). -1 and ENOSYS when /proc
 * cannot list children: the caller then falls back to kill(-pg).
 */
int
group_signal(pid_t pg, int sig)
{
	struct group_list	l = { NULL, 0, 0 };
	struct util_proc	p;
	size_t			i;
	int			n = 0;

	/*
	 * No process at all in a group of that number: nothing is left, and
	 * no stranger took the number (one syscall, the common case). Else
	 * it may be a stranger: look among our descendants.
	 */
	if (kill(-pg, 0) == -1 && errno == ESRCH)
		return (0);
	if (group_children(getpid(), &l) == -1) {
		free(l.pids);
		errno = ENOSYS;
		return (-1);
	}
	/* Breadth first: l grows as we go. */
	for (i = 0; i < l.n; i++) {
		(void)group_children(l.pids[i], &l);
		if (l.pids[i] == pg || util_proc_stat(l.pids[i], &p) == -1 ||
		    p.pgrp != pg || p.state == 'Z' || p.state == 'X')
			continue;
		n++;
		if (sig != 0) {
			group_kill(l.pids[i], pg, sig);
			if (sig != SIGKILL && sig != SIGCONT)
				group_kill(l.pids[i], pg, SIGCONT);
		}
	}
	free(l.pids);
	return (n);
}
