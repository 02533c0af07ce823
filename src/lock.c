/* lock.c: flock(2) files: open safely, try, release, PID contents. */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

/* Describe a lock file to be opened later; nothing touches the disk yet. */
void
lock_init(struct lock *l, const char *path, enum lock_mode mode)
{
	l->path = util_xstrdup(path);
	l->mode = mode;
	l->own = 0;
	l->user = 0;
	l->fd = -1;
	l->held = 0;
	l->owner = 0;
}

/*
 * Open an existing lock file: read-write if we may, else read-only (a lock
 * dir shared between users may hold another user's file, and flock works
 * on a read-only descriptor too). Never through a symlink, never blocking
 * on a FIFO.
 */
static int
lock_open_existing(const char *path)
{
	int	fd, saved;

	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY);
	if (fd == -1 && (errno == EACCES || errno == EROFS)) {
		saved = errno;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		    O_NOCTTY);
		if (fd == -1 && errno != ENOENT)
			errno = saved;	/* the real cause, not the retry's */
	}
	return (fd);
}

/*
 * Open (creating if needed) the lock file: never through a symlink, never a
 * FIFO or device, close-on-exec. A file we create gets LOCK_FILE_MODE
 * whatever our umask, so that every user of a shared lock dir can open it.
 * A lock with own set must be root's or ours: another user could remove
 * it while we hold it, and a second copy of the job would then run.
 */
int
lock_open(struct lock *l)
{
	struct stat	st;
	mode_t		mode = l->own ? LOCK_OWN_MODE : LOCK_FILE_MODE;
	int		fd = -1, saved, tries;

	if (l->fd != -1)
		return (0);
	for (tries = 0; fd == -1 && tries < 3; tries++) {
		fd = open(l->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK | O_NOCTTY, mode);
		if (fd != -1) {
			if (fchmod(fd, mode) == -1)
				goto fail;
			break;
		}
		if (errno != EEXIST)
			return (-1);
		/* Someone else's, or ours from before; gone again: retry. */
		if ((fd = lock_open_existing(l->path)) == -1 && errno != ENOENT)
			return (-1);
	}
	if (fd == -1)
		return (-1);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = LOCK_ENOTREG;
		goto fail;
	}
	if (l->own && st.st_uid != 0 && st.st_uid != geteuid()) {
		errno = LOCK_EFOREIGN;
		goto fail;
	}
	/* A hard link to some other file is not a PID file of ours. */
	if (l->own && st.st_nlink > 1) {
		errno = LOCK_ENOTREG;
		goto fail;
	}
	/* Ours from before, when others could open it: not any more. */
	if (l->own && st.st_uid == geteuid() && (st.st_mode & 077) &&
	    fchmod(fd, LOCK_OWN_MODE) == -1)
		goto fail;
	l->owner = st.st_uid;
	l->fd = fd;
	return (0);

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/* strerror(3), knowing LOCK_ENOTREG. */
const char *
lock_strerror(int err)
{
	if (err == LOCK_ENOTREG)
		return ("not a regular file");
	if (err == LOCK_EFOREIGN)
		return ("owned by another user, who could remove it and let "
		    "a second copy run (remove it, or use a lock dir of your "
		    "own)");
	return (strerror(err));
}

/* Does the path still name the file behind fd? (someone may have unlinked it) */
static int
lock_same_file(struct lock *l)
{
	struct stat	a, b;

	if (fstat(l->fd, &a) == -1 || lstat(l->path, &b) == -1)
		return (0);
	return (a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/*
 * Try to take the lock without blocking: 0 when held, -1 with errno
 * EWOULDBLOCK when someone else holds it, other errno on failure. Like
 * pidfile(3), check after locking that the path still names the locked file:
 * if it was unlinked and recreated, lock the new one instead.
 */
int
lock_try(struct lock *l)
{
	int	tries, op;

	if (l->held)
		return (0);
	op = (l->mode == LOCK_SHARED ? LOCK_SH : LOCK_EX) | LOCK_NB;
	for (tries = 0; tries < 3; tries++) {
		if (lock_open(l) == -1)
			return (-1);
		if (flock(l->fd, op) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (lock_same_file(l)) {
			l->held = 1;
			return (0);
		}
		lock_close(l);
	}
	errno = EAGAIN;
	return (-1);
}

/* Drop the lock but keep the file open for the next try. */
void
lock_release(struct lock *l)
{
	int	saved = errno;

	if (l->held && l->fd != -1)
		(void)flock(l->fd, LOCK_UN);
	l->held = 0;
	errno = saved;
}

/* Close the descriptor (which releases the lock if this was its last copy). */
void
lock_close(struct lock *l)
{
	int	saved = errno;

	if (l->fd != -1)
		(void)close(l->fd);
	l->fd = -1;
	l->held = 0;
	errno = saved;
}

void
lock_free(struct lock *l)
{
	lock_close(l);
	free(l->path);
	l->path = NULL;
}

/* Was the file opened for writing (not another user's, read-only)? */
static int
lock_writable(const struct lock *l)
{
	int	fl;

	return ((fl = fcntl(l->fd, F_GETFL)) != -1 &&
	    (fl & O_ACCMODE) != O_RDONLY);
}

/*
 * Replace the file's contents with "PID\n", and "LABEL\n" after it when a
 * label is given (a semaphore slot names its job); only while it is ours.
 */
int
lock_write_pid(struct lock *l, pid_t pid, const char *label)
{
	char	buf[256];
	int	n;

	if (!l->held) {
		errno = ENOLCK;
		return (-1);
	}
	if (l->user)
		return (0);	/* flock(1) users keep data in theirs */
	if (!lock_writable(l)) {
		errno = EACCES;
		return (-1);
	}
	n = snprintf(buf, sizeof(buf), "%ld\n%s%s", (long)pid,
	    label != NULL ? label : "", label != NULL ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (ftruncate(l->fd, 0) == -1)
		return (-1);
	errno = 0;
	if (pwrite(l->fd, buf, n, 0) != n) {
		if (errno == 0)
			errno = EIO;
		return (-1);
	}
	return (0);
}

/* Empty the file: its holder has no PID to show (yet, or any more). */
int
lock_clear_pid(struct lock *l)
{
	if (l == NULL || !l->held) {
		errno = ENOLCK;
		return (-1);
	}
	if (l->user || !lock_writable(l))
		return (0);	/* the user's or another user's: not ours */
	return (ftruncate(l->fd, 0));
}

/*
 * The PID written in the lock file open on fd, or 0 if there is none we may
 * trust; the label on the next line goes to label (if not NULL). Only a
 * file of root's or ours is trusted: anyone else could write anything in
 * theirs. Even then the PID is a claim: only the kernel can confirm that
 * the process holds the lock (holders_pid_holds). Takes no lock.
 */
pid_t
lock_read_pid_fd(int fd, char *label, size_t len)
{
	struct stat	 st;
	char		 buf[256], *nl, *lab;
	ssize_t		 n;
	long		 pid;

	if (label != NULL && len > 0)
		label[0] = '\0';
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return (0);
	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return (0);
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')) == NULL)
		return (0);
	*nl = '\0';
	if (util_parse_int(buf, 1, 0x7fffffff, &pid) == -1)
		return (0);
	lab = nl + 1;
	if (label != NULL && (nl = strchr(lab, '\n')) != NULL) {
		*nl = '\0';
		snprintf(label, len, "%s", lab);
	}
	return ((pid_t)pid);
}

/* lock_read_pid_fd of the file at path. */
pid_t
lock_read_pid(const char *path, char *label, size_t len)
{
	pid_t	pid;
	int	fd;

	if (label != NULL && len > 0)
		label[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1)
		return (0);
	pid = lock_read_pid_fd(fd, label, len);
	close(fd);
	return (pid);
}
