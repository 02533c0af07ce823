/*
 * holders.c: who holds a lock file, as the kernel tells it (/proc).
 *
 * /proc/locks lists every flock lock with the PID that took it; that process
 * may be long gone (a SIGKILLed supervisor) while a child that inherited the
 * descriptor still holds the lock. /proc/PID/fdinfo/FD shows a "lock:" line
 * for each lock held through that descriptor's open file description, so the
 * processes that hold a lock now are those with such a line for the file.
 * Files are matched by inode and by the superblock's device, as /proc/locks
 * prints it: on btrfs, stat(2)'s st_dev is the subvolume's, not that; the
 * mount's line in /proc/self/mountinfo has the right one.
 *
 * Linux only. Elsewhere holders_load fails and callers say "unverified".
 * Nothing here takes a lock, so looking can never make an acquisition fail.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holders.h"
#include "util.h"

#define HOLDERS_READ_CHUNK	(256 * 1024)

/*
 * Read a whole /proc file in big reads; NUL-terminated; NULL on failure,
 * and with errno E2BIG when it is longer than max bytes (0: no limit).
 */
static char *
holders_slurp_max(const char *path, size_t *lenp, size_t max)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	/*
	 * /proc/locks walks its list from the start at every read(2): small
	 * reads (fgets' 4 KiB) make reading it quadratic in the number of
	 * locks on the host. Read it in large pieces.
	 */
	for (;;) {
		if (cap - len < HOLDERS_READ_CHUNK + 1) {
			cap = cap == 0 ? HOLDERS_READ_CHUNK + 1 : cap * 2;
			buf = util_xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (max > 0 && len > max) {
			n = -1;
			errno = E2BIG;
			break;
		}
	}
	saved = errno;
	close(fd);
	if (n == -1) {
		free(buf);
		errno = saved;
		return (NULL);
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

static char *
holders_slurp(const char *path, size_t *lenp)
{
	return (holders_slurp_max(path, lenp, 0));
}

/* Order by inode (what lookups search), then the rest (to find twins). */
static int
holders_lock_cmp(const void *a, const void *b)
{
	const struct holders_lock *x = a, *y = b;

	if (x->ino != y->ino)
		return (x->ino < y->ino ? -1 : 1);
	if (x->dev != y->dev)
		return (x->dev < y->dev ? -1 : 1);
	if (x->pid != y->pid)
		return (x->pid < y->pid ? -1 : 1);
	return (x->shared - y->shared);
}

/* Skip spaces, then a word; where the next word starts, or NULL. */
static const char *
holders_word(const char *p, const char **word, size_t *len)
{
	while (*p == ' ' || *p == '\t')
		p++;
	*word = p;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	*len = p - *word;
	return (*len > 0 ? p : NULL);
}

/* A number in base 10 or 16 ending at a delimiter; -1 if there is none. */
static int
holders_number(const char **pp, int base, char delim, unsigned long *out)
{
	const char	*p = *pp;
	unsigned long	 v = 0;
	int		 d, n = 0;

	for (;; p++, n++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		v = v * base + d;
	}
	if (n == 0 || *p != delim)
		return (-1);
	*pp = p + 1;
	*out = v;
	return (0);
}

/*
 * Parse one line: "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF" (also
 * the "lock:" lines of fdinfo). Blocked waiters ("1: -> FLOCK ...") and
 * POSIX locks are not flock holders. 0 when it is one. By hand: there
 * may be 100,000 lines, and sscanf costs microseconds each.
 */
static int
holders_parse_line(const char *line, struct holders_lock *l)
{
	const char	*p = line, *w;
	size_t		 len;
	unsigned long	 pid, maj, min, ino;

	if ((p = holders_word(p, &w, &len)) == NULL ||		/* "1:" */
	    (p = holders_word(p, &w, &len)) == NULL || len != 5 ||
	    strncmp(w, "FLOCK", 5) != 0 ||
	    (p = holders_word(p, &w, &len)) == NULL ||		/* ADVISORY */
	    (p = holders_word(p, &w, &len)) == NULL)		/* WRITE */
		return (-1);
	l->shared = len == 4 && strncmp(w, "READ", 4) == 0;
	while (*p == ' ')
		p++;
	if (holders_number(&p, 10, ' ', &pid) == -1 ||
	    holders_number(&p, 16, ':', &maj) == -1 ||
	    holders_number(&p, 16, ':', &min) == -1 ||
	    holders_number(&p, 10, ' ', &ino) == -1)
		return (-1);
	l->dev = makedev(maj, min);
	l->ino = ino;
	l->pid = (pid_t)pid;
	return (0);
}

/*
 * Snapshot the flock locks of the host: -1 if /proc/locks is unreadable,
 * or (errno E2BIG) longer than max bytes (0: no limit).
 *
 * Known weakness: reading /proc/locks takes the kernel's file_rwsem for
 * writing, once per read(2) of at most a page, and walks the whole list
 * from its start each time; meanwhile every flock(2) on the host waits.
 * Any user can make the list long. So only --status (asked for, once)
 * reads it whole; messages read a little or not at all.
 */
int
holders_load(struct holders_table *t, size_t max)
{
	char	*buf, *line, *nl;
	size_t	 cap = 0, i, k;
	int	 pass;

	memset(t, 0, sizeof(*t));
	/*
	 * Twice, and both readings kept: the kernel hands /proc/locks out a
	 * page per read(2) and counts its place by index, so a lock taken or
	 * dropped elsewhere between two reads shifts the list, and an entry
	 * can slip by unseen. One missed twice in a row is much rarer.
	 */
	for (pass = 0; pass < 2; pass++) {
		if ((buf = holders_slurp_max("/proc/locks", NULL, max)) ==
		    NULL) {
			holders_free(t);
			return (-1);
		}
		for (line = buf; *line != '\0'; line = nl + 1) {
			if ((nl = strchr(line, '\n')) == NULL)
				nl = line + strlen(line) - 1;
			if (t->n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				t->locks = util_xreallocarray(t->locks, cap,
				    sizeof(*t->locks));
			}
			if (holders_parse_line(line, &t->locks[t->n]) == 0)
				t->n++;
		}
		free(buf);
	}
	if (t->n > 1)
		qsort(t->locks, t->n, sizeof(*t->locks), holders_lock_cmp);
	/* Each lock once. */
	for (i = 0, k = 0; i < t->n; i++) {
		if (k > 0 && holders_lock_cmp(&t->locks[k - 1],
		    &t->locks[i]) == 0)
			continue;
		t->locks[k++] = t->locks[i];
	}
	t->n = k;
	return (0);
}

void
holders_free(struct holders_table *t)
{
	free(t->locks);
	t->locks = NULL;
	t->n = 0;
}

/* The device of mount mnt_id's superblock, from /proc/self/mountinfo. */
static int
holders_mount_dev(unsigned long mnt_id, dev_t *out)
{
	char		*buf, *line, *nl;
	unsigned long	 id;
	unsigned	 maj, min;
	int		 rc = -1;

	if ((buf = holders_slurp("/proc/self/mountinfo", NULL)) == NULL)
		return (-1);
	for (line = buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 ..." */
		if (sscanf(line, "%lu %*u %u:%u", &id, &maj, &min) == 3 &&
		    id == mnt_id) {
			*out = makedev(maj, min);
			rc = 0;
			break;
		}
	}
	free(buf);
	return (rc);
}

/* The key of the file open on fd. */
int
holders_key_fd(int fd, struct holders_key *k)
{
	struct stat	 st;
	char		 path[64], *buf, *p;
	unsigned long	 mnt_id;

	if (fstat(fd, &st) == -1)
		return (-1);
	k->dev = k->kdev = st.st_dev;
	k->ino = st.st_ino;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((buf = holders_slurp(path, NULL)) == NULL)
		return (0);		/* not Linux: st_dev it is */
	if ((p = strstr(buf, "mnt_id:")) != NULL &&
	    sscanf(p, "mnt_id: %lu", &mnt_id) == 1)
		(void)holders_mount_dev(mnt_id, &k->kdev);
	free(buf);
	return (0);
}

/* The key of the file at path (not following a last symlink). */
int
holders_key_path(const char *path, struct holders_key *k)
{
#ifdef STATX_MNT_ID
	struct statx	stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_INO |
	    STATX_MNT_ID, &stx) == 0) {
		k->dev = k->kdev = makedev(stx.stx_dev_major,
		    stx.stx_dev_minor);
		k->ino = stx.stx_ino;
		if (stx.stx_mask & STATX_MNT_ID)
			(void)holders_mount_dev(stx.stx_mnt_id, &k->kdev);
		return (0);
	}
	if (errno != ENOSYS)
		return (-1);
#endif
	{
		struct stat	st;

		if (lstat(path, &st) == -1)
			return (-1);
		k->dev = k->kdev = st.st_dev;
		k->ino = st.st_ino;
		return (0);
	}
}

/* The locks of /proc/locks on the file: fills up to max, returns how many. */
size_t
holders_locks(const struct holders_table *t, const struct holders_key *k,
    struct holders_lock *out, size_t max)
{
	size_t	lo = 0, hi = t->n, mid, n = 0;

	while (lo < hi) {		/* the first entry with ino >= k->ino */
		mid = lo + (hi - lo) / 2;
		if (t->locks[mid].ino < k->ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->n && t->locks[lo].ino == k->ino; lo++) {
		if (t->locks[lo].dev != k->kdev && t->locks[lo].dev != k->dev)
			continue;
		if (n < max)
			out[n] = t->locks[lo];
		n++;
	}
	return (n);
}

/* Fill in what /proc tells of a live process. -1 if it is gone. */
int
holders_proc(pid_t pid, struct holder *h)
{
	struct util_proc	 p;
	struct stat		 st;
	char			 path[64], *buf;
	size_t			 len, i;

	memset(h, 0, sizeof(*h));
	h->pid = pid;
	snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	if (stat(path, &st) == -1 || util_proc_stat(pid, &p) == -1)
		return (-1);
	h->uid = st.st_uid;
	h->ppid = p.ppid;
	h->since = p.start;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((buf = holders_slurp(path, &len)) != NULL) {
		while (len > 0 && buf[len - 1] == '\0')
			len--;
		for (i = 0; i < len; i++) {
			if (buf[i] == '\0')
				buf[i] = ' ';
		}
		buf[len] = '\0';
		snprintf(h->cmd, sizeof(h->cmd), "%s", buf);
		free(buf);
	}
	return (0);
}

struct holders_sorted {
	const struct holders_key	*keys;
	size_t				*order;	/* indexes, by (ino, dev) */
	size_t				 n;
	int				 open;	/* report opens without a lock */
};

static const struct holders_key *holders_sort_keys;

static int
holders_order_cmp(const void *a, const void *b)
{
	const struct holders_key	*x = &holders_sort_keys[*(const size_t *)a];
	const struct holders_key	*y = &holders_sort_keys[*(const size_t *)b];

	if (x->ino != y->ino)
		return (x->ino < y->ino ? -1 : 1);
	if (x->dev != y->dev)
		return (x->dev < y->dev ? -1 : 1);
	return (0);
}

/* The first index of keys equal to (dev, ino), or -1. */
static long
holders_find_key(const struct holders_sorted *s, dev_t dev, ino_t ino)
{
	size_t				 lo = 0, hi = s->n, mid;
	const struct holders_key	*k;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		k = &s->keys[s->order[mid]];
		if (k->ino < ino || (k->ino == ino && k->dev < dev))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->keys[s->order[lo]].ino == ino &&
	    s->keys[s->order[lo]].dev == dev)
		return ((long)lo);
	return (-1);
}

/*
 * Look through the descriptors of process pid for locks on any of the
 * files in s: found(key index, holder, arg) for each. 1 if pid holds any,
 * 0 if not, -1 if it cannot be looked into (gone, not ours to see, or
 * with too many descriptors: EOVERFLOW).
 */
static int
holders_scan_pid(pid_t pid, const struct holders_sorted *s,
    holders_found_cb *found, void *arg, size_t *budget)
{
	struct holders_lock	 l;
	struct holder		 h;
	struct dirent		*fe;
	struct stat		 st;
	DIR			*fd;
	char			 path[64 + 256], *buf, *p;
	size_t			 i;
	long			 at;
	int			 have = 0, proc = 0, locked;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((fd = opendir(path)) == NULL)
		return (-1);
	/*
	 * One process with more descriptors than a quarter of what is left
	 * to look at (Linux 6.2 and later say how many) is passed over: it
	 * would end the scan for every other one (a test, a server, or a
	 * neighbour who opens a million files).
	 */
	if (budget != NULL && fstat(dirfd(fd), &st) == 0 && st.st_size > 0 &&
	    (unsigned long long)st.st_size > *budget / 4) {
		closedir(fd);
		errno = EOVERFLOW;
		return (-1);
	}
	while ((fe = readdir(fd)) != NULL) {
		if (!isdigit((unsigned char)fe->d_name[0]))
			continue;
		if (budget != NULL && (*budget)-- == 0) {
			closedir(fd);
			errno = E2BIG;
			return (-1);
		}
		snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)pid,
		    fe->d_name);
		if (stat(path, &st) == -1 || (at = holders_find_key(s,
		    st.st_dev, st.st_ino)) == -1)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%s", (long)pid,
		    fe->d_name);
		if ((buf = holders_slurp(path, NULL)) == NULL)
			continue;
		locked = 0;
		for (p = buf; (p = strstr(p, "lock:")) != NULL; p++) {
			if (holders_parse_line(p + 5, &l) == -1 ||
			    l.ino != st.st_ino)
				continue;
			if (!proc && holders_proc(pid, &h) == -1)
				break;
			have = proc = locked = 1;
			h.shared = l.shared;
			h.locker = l.pid;
			h.held = 1;
			break;
		}
		free(buf);
		/* Open without a lock: a waiter, when asked for. */
		if (!locked && s->open && (proc || holders_proc(pid, &h) == 0)) {
			proc = 1;
			h.shared = 0;
			h.locker = 0;
			h.held = 0;
			locked = 1;
		}
		/* Every key of this file (a path given twice). */
		for (i = (size_t)at; locked && i < s->n &&
		    s->keys[s->order[i]].ino == st.st_ino &&
		    s->keys[s->order[i]].dev == st.st_dev; i++)
			found(s->order[i], &h, arg);
	}
	closedir(fd);
	return (have);
}

/* Sort the n keys for holders_find_key. */
static void
holders_sort(struct holders_sorted *s, const struct holders_key *keys,
    size_t n)
{
	size_t	i;

	s->keys = keys;
	s->n = n;
	s->open = 0;
	s->order = util_xcalloc(n, sizeof(*s->order));
	for (i = 0; i < n; i++)
		s->order[i] = i;
	holders_sort_keys = keys;
	if (n > 1)
		qsort(s->order, n, sizeof(*s->order), holders_order_cmp);
}

/*
 * Look once through every process we may look into for descriptors that
 * hold a lock on any of the n files: found(key index, holder, arg) for each
 * holder of each file. 1 when some processes could not be looked into
 * (another user's, unless we are root; or past max descriptors looked at,
 * 0: no limit, since anyone can open a million files), else 0; -1
 * without /proc.
 */
static int
holders_scan_any(const struct holders_key *keys, size_t n,
    holders_found_cb *found, void *arg, size_t max, int open)
{
	struct holders_sorted	 s;
	struct dirent		*de;
	DIR			*d;
	char			*end;
	long			 pid;
	int			 partial = 0;

	if ((d = opendir("/proc")) == NULL)
		return (-1);
	holders_sort(&s, keys, n);
	s.open = open;
	while (n > 0 && (de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		if (holders_scan_pid((pid_t)pid, &s, found, arg, max > 0 ?
		    &max : NULL) == -1) {
			partial |= errno != ENOENT;
			if (errno == E2BIG)
				break;
		}
	}
	closedir(d);
	free(s.order);
	return (partial);
}

/*
 * Has process pid the file open (a queue ticket, held by its waiter)? 1
 * yes, 0 no, -1 when it cannot be told: not ours to see, or more than
 * *budget descriptors to look through (anyone can name a process with a
 * million); the budget is shared by the calls that pass it.
 */
int
holders_pid_opened(pid_t pid, const struct holders_key *k, size_t *budget)
{
	struct dirent	*fe;
	struct stat	 st;
	DIR		*fd;
	char		 path[64 + 256];
	int		 found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((fd = opendir(path)) == NULL)
		return (-1);
	while (!found && (fe = readdir(fd)) != NULL) {
		if (!isdigit((unsigned char)fe->d_name[0]))
			continue;
		if ((*budget)-- == 0) {
			*budget = 0;
			found = -1;
			break;
		}
		snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)pid,
		    fe->d_name);
		found = stat(path, &st) == 0 && st.st_ino == k->ino &&
		    st.st_dev == k->dev;
	}
	closedir(fd);
	return (found);
}

/* The descriptors we were started with (above stderr), for reentry. */
static int	*holders_inherited;
static size_t	 holders_ninherited;

/*
 * Note the descriptors open now, before we open any: only these can have
 * come from an ancestor. Without this, holders_self_holds finds nothing.
 */
void
holders_note_inherited(void)
{
	struct dirent	*fe;
	DIR		*d;
	char		*end;
	long		 fd;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((fe = readdir(d)) != NULL) {
		fd = strtol(fe->d_name, &end, 10);
		if (*end != '\0' || fd <= 2 || fd == dirfd(d))
			continue;
		holders_inherited = util_xreallocarray(holders_inherited,
		    holders_ninherited + 1, sizeof(*holders_inherited));
		holders_inherited[holders_ninherited++] = (int)fd;
	}
	closedir(d);
}

/* Were we started with any descriptor that could hold an ancestor's lock? */
int
holders_inherited_any(void)
{
	return (holders_ninherited > 0);
}

/*
 * Do we hold the lock on the file through a descriptor we inherited (one
 * our ancestor lockrun passed to its job, which runs us)? Only those noted
 * at our start count: a descriptor we opened ourselves (another job's of
 * ours) is no ancestor's. That descriptor (not skip), with *shared saying
 * how it is held, or -1.
 */
int
holders_self_holds(const struct holders_key *k, int skip, int *shared)
{
	struct holders_lock	 l;
	struct stat		 st;
	char			 path[64], *buf, *p;
	size_t			 i;
	int			 fd, found = -1;

	for (i = 0; found == -1 && i < holders_ninherited; i++) {
		fd = holders_inherited[i];
		if (fd == skip)
			continue;
		if (fstat(fd, &st) == -1 || st.st_ino != k->ino ||
		    st.st_dev != k->dev)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if ((buf = holders_slurp(path, NULL)) == NULL)
			continue;
		for (p = buf; (p = strstr(p, "lock:")) != NULL; p++) {
			if (holders_parse_line(p + 5, &l) == 0 &&
			    l.ino == k->ino) {
				*shared = l.shared;
				found = fd;
				break;
			}
		}
		free(buf);
	}
	return (found);
}

int
holders_scan(const struct holders_key *keys, size_t n,
    holders_found_cb *found, void *arg, size_t max)
{
	return (holders_scan_any(keys, n, found, arg, max, 0));
}

/*
 * holders_scan, and found() also for a process that has one of the files
 * open without a lock on it (h->held 0): one that waits for it.
 */
int
holders_scan_open(const struct holders_key *keys, size_t n,
    holders_found_cb *found, void *arg, size_t max)
{
	return (holders_scan_any(keys, n, found, arg, max, 1));
}

/* What holders_pid_holds learns. */
struct holders_one {
	int	shared;
	pid_t	locker;
};

static void
holders_one_cb(size_t key, const struct holder *h, void *arg)
{
	struct holders_one	*o = arg;

	(void)key;
	o->shared = h->shared;
	o->locker = h->locker;
}

/*
 * Does process pid hold the lock on the file: has it a descriptor of the
 * file with a "lock:" line? 1 yes (*shared and *locker set, if not NULL),
 * 0 no, -1 when it cannot be told (no such process, or not ours to see).
 */
int
holders_pid_holds(pid_t pid, const struct holders_key *k, int *shared,
    pid_t *locker)
{
	struct holders_sorted	s;
	struct holders_one	o = { 0, 0 };
	int			rc;

	if (pid <= 0)
		return (-1);
	holders_sort(&s, k, 1);
	rc = holders_scan_pid(pid, &s, holders_one_cb, &o, NULL);
	free(s.order);
	if (rc == 1) {
		if (shared != NULL)
			*shared = o.shared;
		if (locker != NULL)
			*locker = o.locker;
	}
	return (rc);
}

/* The live holders of one file: holders_scan for one key, into out. */
struct holders_live_arg {
	struct holder	*out;
	size_t		 max;
	size_t		 n;
};

static void
holders_live_cb(size_t key, const struct holder *h, void *arg)
{
	struct holders_live_arg	*a = arg;

	(void)key;
	if (a->n < a->max)
		a->out[a->n] = *h;
	a->n++;
}

/*
 * The live processes that hold the lock on the file: fills up to max,
 * returns how many there are. *partial is set when some processes could
 * not be looked into. budget: as holders_scan's max.
 */
size_t
holders_live(const struct holders_key *k, struct holder *out, size_t max,
    int *partial, size_t budget)
{
	struct holders_live_arg	a = { out, max, 0 };

	*partial = holders_scan(k, 1, holders_live_cb, &a, budget) != 0;
	return (a.n);
}

/*
 * Of the processes that hold one lock, the one to name: a job inherits its
 * supervisor's descriptor, and the job's children inherit it from the job.
 * So the top of the tree of holders that did not take the lock themselves
 * (the job), else the one that took it (a supervisor that waits, or an ad
 * hoc lockrun). -1 when there are none.
 */
pid_t
holders_principal(const struct holder *h, size_t n)
{
	size_t	i, k;
	pid_t	best = -1;
	time_t	best_since = 0;

	for (i = 0; i < n; i++) {
		if (h[i].pid == h[i].locker)
			continue;
		for (k = 0; k < n; k++) {
			if (h[k].pid == h[i].ppid && h[k].pid != h[k].locker)
				break;
		}
		if (k < n)		/* its parent holds it too */
			continue;
		if (best == -1 || h[i].since < best_since ||
		    (h[i].since == best_since && h[i].pid < best)) {
			best = h[i].pid;
			best_since = h[i].since;
		}
	}
	if (best != -1)
		return (best);
	for (i = 0; i < n; i++) {
		if (h[i].pid == h[i].locker)
			return (h[i].pid);
	}
	return (n > 0 ? h[0].pid : -1);
}
