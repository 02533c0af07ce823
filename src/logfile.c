/*
 * logfile.c: a job's stdout_logfile or stderr_logfile, written by lockrun.
 *
 * The job writes into a pipe, and lockrun copies what comes out of it into
 * the file, as supervisord does, so that SIGUSR2 can make it reopen the
 * file: logrotate renames it, sends SIGUSR2, and the output goes on in a
 * new file (no copytruncate, which loses what is written meanwhile).
 *
 * The price, and why it is paid: a job whose lockrun is killed with
 * SIGKILL gets EPIPE (SIGPIPE) at its next write to the log, where with the
 * file itself it would have written on. Its locks go with it, so nothing
 * runs twice; a job that must outlive its supervisor writes its own log.
 *
 * A log lives as long as its pipe: past the job's exit, while leftovers of
 * its group still write, until every writer has closed it. logfile_drain
 * copies what is left when lockrun exits.
 *
 * With a size limit (*_logfile_maxbytes) the file is rotated as supervisord
 * rotates it: FILE.(N-1) becomes FILE.N ... FILE becomes FILE.1, for N
 * backups, and a new FILE is opened as the first was; with no backups,
 * FILE starts again, empty. A line goes whole into the next file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "runas.h"
#include "trust.h"
#include "util.h"

#define LOGFILE_CHUNK	65536

struct logfile {
	char		*path;
	char		*who;		/* "job NAME", for messages */
	mode_t		 mode;
	unsigned long	 maxbytes;	/* rotate at; 0: never */
	unsigned	 backups;
	struct runas	 as;		/* opened as this user ... */
	int		 has_as;	/* ... when set */
	int		 fd;		/* the file, or -1 after a failure */
	unsigned long	 size;		/* of the file, with maxbytes */
	ev_io		 io;		/* the pipe's read end */
	struct ev_loop	*loop;
	int		 complained;	/* said the last write failed */
	int		 rot_complained; /* said the last rotation failed */
	struct logfile	*next;
};

static struct logfile	*logfile_all;

/*
 * Open path for appending, as trust_open_append does (nobody else may
 * choose where the output goes), as user as if not NULL; its size into
 * *size.
 */
static int
logfile_open_file(const char *path, mode_t mode, struct runas *as,
    unsigned long *size, char *why, size_t len)
{
	struct stat	st;
	int		fd, saved;

	if (as != NULL && runas_on(as) == -1) {
		if (len > 0)
			*why = '\0';
		return (-1);
	}
	fd = trust_open_append(path, mode, why, len);
	if (as != NULL)
		runas_off(as);
	if (fd == -1)
		return (-1);
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		if (len > 0)
			*why = '\0';
		errno = saved;
		return (-1);
	}
	*size = (unsigned long)st.st_size;
	return (fd);
}

/* Open lf's file again by its path; say why not, and keep the old one. */
static int
logfile_reopen_one(struct logfile *lf, const char *when)
{
	char	why[512];
	int	fd;

	why[0] = '\0';
	if ((fd = logfile_open_file(lf->path, lf->mode, lf->has_as ? &lf->as :
	    NULL, &lf->size, why, sizeof(why))) == -1) {
		if (*why != '\0')
			log_warnx("%s: log file %s: %s: writing on to the "
			    "old one %s", lf->who, lf->path, why, when);
		else
			log_warn("%s: log file %s: writing on to the old one "
			    "%s", lf->who, lf->path, when);
		return (-1);
	}
	if (lf->fd != -1)
		close(lf->fd);
	lf->fd = fd;
	lf->complained = 0;
	return (0);
}

/*
 * Move a backup along, from to to: only a regular file of the log's user
 * (or root's) is moved, and only over one, so that another user's entry in
 * a sticky directory is neither moved nor replaced. 0, or -1 and errno
 * when from is there and was not moved.
 */
static int
logfile_shift(const struct logfile *lf, const char *from, const char *to)
{
	struct stat	st;
	uid_t		me = lf->has_as ? lf->as.uid : geteuid();

	if (lstat(from, &st) == -1)
		return (errno == ENOENT ? 0 : -1);
	if (!S_ISREG(st.st_mode) || (st.st_uid != me && st.st_uid != 0)) {
		errno = EPERM;
		return (-1);
	}
	if (lstat(to, &st) == 0 && (!S_ISREG(st.st_mode) ||
	    (st.st_uid != me && st.st_uid != 0))) {
		errno = EEXIST;
		return (-1);
	}
	return (rename(from, to));
}

/*
 * The file is full: move the backups along and start a new file, as the
 * job's user (whose directory it may be) when it has one. When the file
 * cannot be moved, say so once and write on in it, past the limit: output
 * is never dropped, and the loop never spins on a rotation that fails.
 */
static void
logfile_rotate(struct logfile *lf)
{
	char		*from, *to;
	unsigned	 i;
	int		 moved;

	if (lf->backups == 0) {
		/* supervisord: no backups, the file starts again. */
		if (ftruncate(lf->fd, 0) == -1)
			log_warn("%s: log file %s: cannot empty it", lf->who,
			    lf->path);
		lf->size = 0;
		return;
	}
	if (lf->has_as && runas_on(&lf->as) == -1) {
		log_warn("%s: log file %s: cannot act as its user to rotate "
		    "it", lf->who, lf->path);
		lf->size = 0;
		return;
	}
	for (i = lf->backups; i > 1; i--) {
		util_xasprintf(&from, "%s.%u", lf->path, i - 1);
		util_xasprintf(&to, "%s.%u", lf->path, i);
		if (logfile_shift(lf, from, to) == -1 && !lf->rot_complained)
			log_warn("%s: log file %s: cannot rename it to %s",
			    lf->who, from, to);
		free(from);
		free(to);
	}
	util_xasprintf(&to, "%s.1", lf->path);
	moved = logfile_shift(lf, lf->path, to) == 0;
	if (!moved && !lf->rot_complained)
		log_warn("%s: log file %s: cannot rename it to %s: writing on "
		    "in it, past its size limit", lf->who, lf->path, to);
	free(to);
	if (lf->has_as)
		runas_off(&lf->as);
	if (!moved) {
		lf->rot_complained = 1;
		lf->size = 0;		/* try again one limit later */
		return;
	}
	lf->rot_complained = 0;
	if (logfile_reopen_one(lf, "after a rotation") == -1 ||
	    lf->size >= lf->maxbytes)
		lf->size = 0;		/* the old one, renamed, fills again */
}

/* Write all of buf to the file; say once when it cannot be. */
static void
logfile_write_all(struct logfile *lf, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0 && lf->fd != -1) {
		if ((n = write(lf->fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			if (!lf->complained)
				log_warn("%s: log file %s: output lost",
				    lf->who, lf->path);
			lf->complained = 1;
			return;
		}
		buf += n;
		len -= (size_t)n;
		lf->size += (unsigned long)n;
	}
}

/*
 * Write buf to the file, rotating it whenever it is full (maxbytes); a
 * line that would straddle two files goes whole to the next, unless it is
 * longer than the limit. Every turn writes or rotates once: a rotation
 * leaves the file with room (logfile_rotate), so this always ends.
 */
static void
logfile_write(struct logfile *lf, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 room, chunk;
	int		 whole = 0;

	if (lf->maxbytes == 0) {
		logfile_write_all(lf, buf, len);
		return;
	}
	while (len > 0 && lf->fd != -1) {
		if (lf->size >= lf->maxbytes)
			logfile_rotate(lf);
		room = lf->size < lf->maxbytes ? lf->maxbytes - lf->size : 0;
		chunk = len < room ? len : room;
		if (chunk < len) {
			for (nl = buf + chunk; nl > buf && nl[-1] != '\n'; nl--)
				;
			if (nl > buf)
				chunk = (size_t)(nl - buf);
			else if (lf->size > 0 && !whole) {
				logfile_rotate(lf);	/* the line goes whole */
				whole = 1;		/* once: a rotation that
							   failed writes on */
				continue;
			}
		}
		logfile_write_all(lf, buf, chunk);
		if (chunk < len && lf->size < lf->maxbytes)
			lf->size = lf->maxbytes;	/* full up to its line */
		buf += chunk;
		len -= chunk;
	}
}

/* Take lf out of the list and free it. */
static void
logfile_free(struct logfile *lf)
{
	struct logfile	**p;

	for (p = &logfile_all; *p != NULL; p = &(*p)->next) {
		if (*p == lf) {
			*p = lf->next;
			break;
		}
	}
	ev_io_stop(lf->loop, &lf->io);
	close(lf->io.fd);
	if (lf->fd != -1)
		close(lf->fd);
	free(lf->path);
	free(lf->who);
	runas_free(&lf->as);
	free(lf);
}

/*
 * Copy what the pipe holds into the file, at most max chunks (0: all
 * there is); 1 once every writer has closed it (lf is freed then), else 0.
 */
static int
logfile_copy(struct logfile *lf, int max)
{
	char	buf[LOGFILE_CHUNK];
	ssize_t	n;
	int	chunks;

	for (chunks = 0; max == 0 || chunks < max; chunks++) {
		if ((n = read(lf->io.fd, buf, sizeof(buf))) > 0) {
			logfile_write(lf, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (0);
		logfile_free(lf);		/* EOF, or a broken pipe */
		return (1);
	}
	return (0);
}

static void
logfile_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	/* A few chunks at a time: one chatty job must not starve the loop. */
	(void)logfile_copy(w->data, 4);
}

/*
 * Open path for appending (trust_open_append: nobody else may choose where
 * the output goes), as how says, and a pipe into it. The write end, for
 * the job's stdout or stderr, goes into *childfd (close-on-exec: spawn
 * dup2s it; the caller closes it once the job is started). -1 with errno
 * and why as trust_open_append sets them. The caller acts as how->as
 * already: later opens (SIGUSR2, rotations) do so themselves.
 */
int
logfile_open(struct ev_loop *loop, const char *path,
    const struct logfile_how *how, const char *who, int *childfd, char *why,
    size_t len)
{
	struct logfile	*lf;
	unsigned long	 size;
	int		 fd, p[2], saved;

	if ((fd = logfile_open_file(path, how->mode, NULL, &size, why,
	    len)) == -1)
		return (-1);
	if (pipe2(p, O_CLOEXEC) == -1) {
		saved = errno;
		close(fd);
		if (len > 0)
			*why = '\0';
		errno = saved;
		return (-1);
	}
	(void)fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	lf = util_xcalloc(1, sizeof(*lf));
	lf->path = util_xstrdup(path);
	lf->who = util_xstrdup(who);
	lf->mode = how->mode;
	lf->maxbytes = how->maxbytes;
	lf->backups = how->backups;
	if (how->as != NULL) {
		runas_copy(&lf->as, how->as);
		lf->has_as = 1;
	}
	lf->fd = fd;
	lf->size = size;
	lf->loop = loop;
	ev_io_init(&lf->io, logfile_read_cb, p[0], EV_READ);
	lf->io.data = lf;
	ev_io_start(loop, &lf->io);
	lf->next = logfile_all;
	logfile_all = lf;
	*childfd = p[1];
	return (0);
}

/*
 * SIGUSR2: open every log file again by its path, so that output goes to
 * the new file once logrotate has renamed the old one. A file that cannot
 * be opened (with the reason) keeps the old one. How many were reopened.
 */
unsigned
logfile_reopen(void)
{
	struct logfile	*lf;
	unsigned	 n = 0;

	for (lf = logfile_all; lf != NULL; lf = lf->next) {
		if (logfile_reopen_one(lf, "on SIGUSR2") == 0)
			n++;
	}
	return (n);
}

/*
 * lockrun is done: copy what the pipes hold now (the jobs that wrote it
 * have exited; a leftover still writing loses the rest) and close them.
 */
void
logfile_drain(void)
{
	struct logfile	*lf;

	while ((lf = logfile_all) != NULL) {
		if (logfile_copy(lf, 0) == 0)
			logfile_free(lf);
	}
}
