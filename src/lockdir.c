/*
 * lockdir.c: the lock directory: which one, its safety, every file name in it.
 *
 * The names are design.md §3; nothing else in lockrun builds them. Names
 * of jobs, semaphores and locks cannot end in "." and digits
 * (util_valid_name), so no two kinds of file can ever share a name:
 *
 *	<job>.pid		a singleton job
 *	<job>.NN.pid		instance NN of a singleton with numprocs > 1
 *	<sem>.NN.lock		slot NN of a semaphore (portalocker's naming)
 *	<sem>.slots		the size its users agree on
 *	<name>.lock		a named lock
 *	<job>.replace		held by a run that waits to replace the job
 *	@<hash>.replace		... an ad hoc run, for a --lock path ('@'
 *				is in no name: it cannot meet a job's)
 *	queue/<k>-<name>/	the FIFO queue in front of one of the above
 *	    <ns>.<pid>.<r|w>	    a waiter's ticket (a FIFO it holds open)
 *	    .tail-<uid>		    the ticket that user queued last
 *				    (res_queue.c)
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockdir.h"
#include "trust.h"
#include "util.h"

/*
 * The default lock dir: $LOCKRUN_LOCK_DIR, else /run/lockrun for root and
 * /tmp/lockrun-UID for others. Not $XDG_RUNTIME_DIR: a login shell has it
 * and cron does not, and a job run from both would then run twice.
 */
char *
lockdir_default(void)
{
	const char	*env;
	char		*dir;

	if ((env = getenv("LOCKRUN_LOCK_DIR")) != NULL && *env != '\0')
		return (util_xstrdup(env));
	if (geteuid() == 0)
		return (util_xstrdup("/run/lockrun"));
	util_xasprintf(&dir, "/tmp/lockrun-%lu", (unsigned long)geteuid());
	return (dir);
}

/*
 * Vet (and with create, make, mode 0700) the lock directory: every directory on its
 * path must be one only root or we can change (trust_dir), or another user
 * could remove our PID files and let a second copy of a job run. 0 when it
 * is fit; -1 and errno otherwise, with the reason in why when it is one of
 * trust ("/tmp/lockrun-1000 is owned by user nobody").
 */
int
lockdir_prepare(const char *dir, int create, char *why, size_t len)
{
	struct stat	st;

	why[0] = '\0';
	if (create && lstat(dir, &st) == -1) {
		if (errno != ENOENT)
			return (-1);
		/* Not through a directory (or link) someone else controls. */
		if (trust_parent(dir, why, len) == -1)
			return (-1);
		/* Ours alone: a shared one is made by root (1777). */
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return (-1);
	}
	return (trust_dir(dir, why, len));
}

/* <dir>/<name><suffix> */
static char *
lockdir_file(const char *dir, const char *name, const char *suffix)
{
	char	*path;

	util_xasprintf(&path, "%s/%s%s", dir, name, suffix);
	return (path);
}

/* <dir>/<job>.pid */
char *
lockdir_pid_file(const char *dir, const char *job)
{
	return (lockdir_file(dir, job, ".pid"));
}

/* <dir>/<name>.lock */
char *
lockdir_lock_file(const char *dir, const char *name)
{
	return (lockdir_file(dir, name, ".lock"));
}

/* <dir>/<job>.replace */
char *
lockdir_replace_file(const char *dir, const char *job)
{
	return (lockdir_file(dir, job, ".replace"));
}

/*
 * <dir>/queue (LOCKDIR_QUEUE_ROOT): where the queues live, kept apart
 * from the other files (names there are free).
 */
char *
lockdir_queue_root(const char *dir)
{
	char	*path;

	util_xasprintf(&path, "%s/%s", dir, LOCKDIR_QUEUE_ROOT);
	return (path);
}

/*
 * "<k>-<name>": the queue in front of a resource of kind k, under the
 * queue root; for LOCKDIR_QUEUE_FILE, name is "<device>-<inode>" in hex.
 */
char *
lockdir_queue_name(enum lockdir_queue_kind kind, const char *name)
{
	char	*path;

	util_xasprintf(&path, "%c-%s", (char)kind, name);
	return (path);
}

/*
 * Open the directory name under dirfd, never through a symlink; with
 * mode, make it if missing, mode as given whatever the umask. Only one of
 * root's or ours that nobody else may rename entries in (not writable by
 * others, or sticky) is taken: whoever could would reorder the queue, or
 * put a waiter behind itself for ever. A descriptor, or -1 and errno.
 */
static int
lockdir_queue_subdir(int dirfd, const char *name, mode_t mode)
{
	struct stat	st;
	int		fd, saved;

	if (mode != 0 && mkdirat(dirfd, name, mode) == 0) {
		if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) != -1 && fchmod(fd, mode) == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return (-1);
		}
		return (fd);
	}
	if (mode != 0 && errno != EEXIST)
		return (-1);
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		close(fd);
		errno = EPERM;
		return (-1);
	}
	return (fd);
}

/*
 * <dir>/queue/<qname> (lockdir_queue_name), opened as
 * lockdir_queue_subdir opens each; with mode, both made if missing. A
 * descriptor, or -1 and errno.
 */
int
lockdir_queue_open(const char *dir, const char *qname, mode_t mode)
{
	int	ld, root, fd, saved;

	if ((ld = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	root = lockdir_queue_subdir(ld, LOCKDIR_QUEUE_ROOT, mode);
	saved = errno;
	close(ld);
	if (root == -1) {
		errno = saved;
		return (-1);
	}
	fd = lockdir_queue_subdir(root, qname, mode);
	saved = errno;
	close(root);
	errno = saved;
	return (fd);
}

/* A ticket's name: "<arrival, 16 hex>.<pid>.<r|w>"; sorts by arrival. */
void
lockdir_ticket_name(const struct lockdir_ticket *t, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx.%lu.%c", t->arrival, t->pid,
	    t->reader ? 'r' : 'w');
}

/*
 * ".tail-<uid>": in a queue's directory, the last ticket user uid's waiters
 * put in it. The dot keeps it apart from the tickets.
 */
void
lockdir_tail_name(uid_t uid, char *buf, size_t len)
{
	snprintf(buf, len, ".tail-%lu", (unsigned long)uid);
}

/*
 * Is name a ticket, spelled as lockdir_ticket_name spells it (one name for
 * one ticket: no leading zero, no overflow)? 0 and *t filled in if so,
 * else -1. Every waiter reads every name of its queue once: kept cheap.
 */
int
lockdir_ticket_parse(const char *name, struct lockdir_ticket *t)
{
	unsigned long long	 arrival = 0;
	unsigned long		 pid = 0;
	const char		*p = name;
	int			 i, d;

	for (i = 0; i < 16; i++, p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			return (-1);
		arrival = arrival << 4 | (unsigned)d;
	}
	if (*p++ != '.' || *p < '1' || *p > '9')
		return (-1);
	for (; *p >= '0' && *p <= '9'; p++) {
		pid = pid * 10 + (unsigned long)(*p - '0');
		if (pid > 0x7fffffffUL)		/* a pid_t */
			return (-1);
	}
	if (p[0] != '.' || (p[1] != 'r' && p[1] != 'w') || p[2] != '\0')
		return (-1);
	t->arrival = arrival;
	t->pid = pid;
	t->reader = p[1] == 'r';
	return (0);
}

/*
 * Open the ticket called name in the queue directory dfd the way a waiter
 * watches it: for writing (its waiter holds the read end), never blocking,
 * never through a symlink. ENXIO: nobody reads it, its waiter is gone.
 */
int
lockdir_ticket_open(int dfd, const char *name)
{
	return (openat(dfd, name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY));
}

/*
 * <dir>/@<hash>.replace: the replace file of an ad hoc run whose identity
 * is the --lock file at (canonical) path; FNV-1a of the path, since a path
 * can be longer than a file name.
 */
char *
lockdir_path_replace_file(const char *dir, const char *path)
{
	unsigned long long	h = 0xcbf29ce484222325ULL;
	const unsigned char	*p;
	char			*file;

	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	util_xasprintf(&file, "%s/@%016llx.replace", dir, h);
	return (file);
}

/* <dir>/<sem>.slots */
char *
lockdir_size_file(const char *dir, const char *sem)
{
	return (lockdir_file(dir, sem, ".slots"));
}

static const char *
lockdir_suffix(enum lockdir_slot_kind kind)
{
	return (kind == LOCKDIR_SLOT ? ".lock" : ".pid");
}

/* <dir>/<name>.NN.lock or <dir>/<name>.NN.pid: NN is "%02u". */
char *
lockdir_slot_file(const char *dir, const char *name, unsigned i,
    enum lockdir_slot_kind kind)
{
	char	*path;

	util_xasprintf(&path, "%s/%s.%02u%s", dir, name, i,
	    lockdir_suffix(kind));
	return (path);
}

/*
 * "<job>.NN": the one spelling of instance NN of a job with numprocs > 1,
 * in messages, --status and on the command line, as in its PID file
 * <job>.NN.pid.
 */
char *
lockdir_instance_name(const char *job, unsigned i)
{
	char	*name;

	util_xasprintf(&name, "%s.%02u", job, i);
	return (name);
}

/* "<dir>/<name>.NN.lock", for messages about all the slots at once. */
char *
lockdir_slot_pattern(const char *dir, const char *name,
    enum lockdir_slot_kind kind)
{
	char	*path;

	util_xasprintf(&path, "%s/%s.NN%s", dir, name, lockdir_suffix(kind));
	return (path);
}

/*
 * Which slot of name (of nslots) is the file called base (a name in the
 * lock dir, as inotify gives it)? -1 if none.
 */
int
lockdir_slot_of(const char *base, const char *name, unsigned nslots,
    enum lockdir_slot_kind kind)
{
	const char	*suffix = lockdir_suffix(kind), *p;
	size_t		 nlen = strlen(name), slen = strlen(suffix);
	size_t		 blen = strlen(base);
	unsigned long	 n = 0;

	if (blen < nlen + 3 + slen || strncmp(base, name, nlen) != 0 ||
	    base[nlen] != '.' || strcmp(base + blen - slen, suffix) != 0)
		return (-1);
	for (p = base + nlen + 1; p < base + blen - slen; p++) {
		if (!isdigit((unsigned char)*p))
			return (-1);
		n = n * 10 + (*p - '0');
		if (n >= nslots)
			return (-1);
	}
	return ((int)n);
}
