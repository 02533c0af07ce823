/* lock.c: flock(2) files: open safely, try, release, PID contents. */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
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
	l->fd = -1;
	l->held = 0;
}

/*
 * Open (creating if needed) the lock file: never through a symlink, never a
 * FIFO or device, close-on-exec. A lock dir shared between users may hold a
 * file we cannot write; flock works on a read-only descriptor too.
 */
int
lock_open(struct lock *l)
{
	struct stat	st;
	int		fd, saved;

	if (l->fd != -1)
		return (0);
	fd = open(l->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY, 0644);
	if (fd == -1 && (errno == EACCES || errno == EROFS))
		fd = open(l->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK | O_NOCTTY);
	if (fd == -1)
		return (-1);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = LOCK_ENOTREG;
		goto fail;
	}
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

/*
 * Append text to the file, whoever holds its lock: a note to the holder
 * (a request to be replaced). Needs a writable descriptor.
 */
int
lock_append(struct lock *l, const char *text)
{
	struct stat	st;
	size_t		len = strlen(text);

	if (lock_open(l) == -1 || fstat(l->fd, &st) == -1)
		return (-1);
	errno = 0;
	if (pwrite(l->fd, text, len, st.st_size) != (ssize_t)len) {
		if (errno == 0)
			errno = EIO;
		return (-1);
	}
	return (0);
}

/*
 * Does process pid have this lock file open? A PID file says who holds it,
 * but anyone who can write the file can write any PID there: before
 * signalling a PID found in a file, check that the process really holds the
 * file (a job inherits its PID file). Reads /proc/PID/fd, so it needs the
 * same rights as signalling; 0 whenever it cannot tell.
 */
int
lock_opened_by(struct lock *l, pid_t pid)
{
	struct stat	 mine, st;
	struct dirent	*de;
	DIR		*d;
	char		 path[64 + sizeof(de->d_name)];
	int		 found = 0;

	if (pid <= 1 || l->fd == -1 || fstat(l->fd, &mine) == -1)
		return (0);
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return (0);
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)pid,
		    de->d_name);
		if (stat(path, &st) == 0 && st.st_dev == mine.st_dev &&
		    st.st_ino == mine.st_ino)
			found = 1;
	}
	closedir(d);
	return (found);
}

/* Empty the file: its holder has no PID to show (yet, or any more). */
int
lock_clear_pid(struct lock *l)
{
	if (l == NULL || !l->held) {
		errno = ENOLCK;
		return (-1);
	}
	return (ftruncate(l->fd, 0));
}

/*
 * The PID written in a lock file, or 0 if none can be read; the label on
 * the next line goes to label (if not NULL). Takes no lock.
 */
pid_t
lock_read_pid(const char *path, char *label, size_t len)
{
	char	buf[256], *nl, *lab;
	ssize_t	n;
	long	pid;
	int	fd;

	if (label != NULL && len > 0)
		label[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
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

/*
 * Read the flock locks of the host from /proc/locks, without taking any
 * lock. The kernel shows the PID that took a lock, even after the
 * descriptor was inherited by a child. -1 if /proc/locks cannot be read.
 */
int
lock_table_load(struct lock_table *t)
{
	FILE		*f;
	char		 line[256], type[16], mode[16];
	unsigned	 maj, min;
	unsigned long	 ino;
	long		 pid;

	memset(t, 0, sizeof(*t));
	if ((f = fopen("/proc/locks", "re")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF" */
		if (strstr(line, "->") != NULL)	/* a blocked waiter */
			continue;
		if (sscanf(line, "%*s %15s %*s %15s %ld %x:%x:%lu", type, mode,
		    &pid, &maj, &min, &ino) != 6 || strcmp(type, "FLOCK") != 0)
			continue;
		t->entries = util_xreallocarray(t->entries, t->n + 1,
		    sizeof(*t->entries));
		t->entries[t->n].dev = makedev(maj, min);
		t->entries[t->n].ino = ino;
		t->entries[t->n].pid = (pid_t)pid;
		t->entries[t->n].shared = strcmp(mode, "READ") == 0;
		t->n++;
	}
	fclose(f);
	return (0);
}

void
lock_table_free(struct lock_table *t)
{
	free(t->entries);
	t->entries = NULL;
	t->n = 0;
}

/*
 * The holders of path's lock: fills up to max of them, returns how many
 * there are (0 when the file is free or missing).
 */
size_t
lock_table_find(const struct lock_table *t, const char *path,
    struct lock_holder *out, size_t max)
{
	struct stat	st;
	size_t		i, n = 0;

	if (stat(path, &st) == -1)
		return (0);
	for (i = 0; i < t->n; i++) {
		if (t->entries[i].ino != st.st_ino ||
		    t->entries[i].dev != st.st_dev)
			continue;
		if (n < max)
			out[n] = (struct lock_holder){ t->entries[i].pid,
			    t->entries[i].shared };
		n++;
	}
	return (n);
}

/* Who holds path: up to max PIDs, and how many there are. */
size_t
lock_holders(const char *path, pid_t *pids, size_t max)
{
	struct lock_table	t;
	struct lock_holder	h[16];
	size_t			n, i;

	if (lock_table_load(&t) == -1)
		return (0);
	n = lock_table_find(&t, path, h, LOCKRUN_ARRAY_LEN(h));
	for (i = 0; i < n && i < max && i < LOCKRUN_ARRAY_LEN(h); i++)
		pids[i] = h[i].pid;
	lock_table_free(&t);
	return (n);
}

/*
 * Check (and with create, make) the lock directory. Refuse a symlink owned by
 * someone other than root or us, and a world-writable directory without the
 * sticky bit: in either, another user could swap our lock files. Those
 * refusals set *why; other failures leave it NULL and set errno.
 */
int
lock_dir_check(const char *dir, int create, const char **why)
{
	struct stat	st;

	*why = NULL;
	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT || !create)
			return (-1);
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return (-1);
		if (lstat(dir, &st) == -1)
			return (-1);
	}
	if (S_ISLNK(st.st_mode)) {
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			*why = "is a symlink owned by another user";
			errno = EPERM;
			return (-1);
		}
		if (stat(dir, &st) == -1)
			return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return (-1);
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		*why = "is world-writable without the sticky bit "
		    "(make it with install -d -m 1777)";
		errno = EPERM;
		return (-1);
	}
	return (0);
}

/*
 * The default lock dir: $LOCKRUN_LOCK_DIR, else /run/lockrun for root,
 * $XDG_RUNTIME_DIR/lockrun or /tmp/lockrun-UID for others.
 */
char *
lock_dir_default(void)
{
	const char	*env;
	char		*dir;

	if ((env = getenv("LOCKRUN_LOCK_DIR")) != NULL && *env != '\0')
		return (util_xstrdup(env));
	if (geteuid() == 0)
		return (util_xstrdup("/run/lockrun"));
	if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && *env == '/') {
		util_xasprintf(&dir, "%s/lockrun", env);
		return (dir);
	}
	util_xasprintf(&dir, "/tmp/lockrun-%lu", (unsigned long)geteuid());
	return (dir);
}
