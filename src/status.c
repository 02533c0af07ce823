/*
 * status.c: who runs, who holds which slot, read without taking any lock.
 *
 * The kernel says who holds what: /proc/locks lists each flock lock with
 * the process that took it, and a process holds a lock now if one of its
 * descriptors shows it in /proc/PID/fdinfo (holders.c). PID and slot files
 * say which job a holder is, but anyone can write anything in their own
 * file: their contents are used only when the file is root's or ours and
 * the kernel confirms the PID, and shown only escaped. Looking never takes
 * a lock, so it can never make a real acquisition fail. Without /proc/locks
 * (not Linux, or a restricted /proc) nothing tells held from stale: the
 * PIDs in the files are shown as "unverified".
 *
 * Work is done in passes, so that a big host costs one read of /proc/locks
 * and one look through /proc, whatever the number of files: collect the
 * files, read the table, look for the live holders of the held ones whose
 * own PID the kernel did not confirm, then print.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "holders.h"
#include "lock.h"
#include "lockdir.h"
#include "status.h"
#include "trust.h"
#include "util.h"

#define STATUS_MAX_LOCKERS	64	/* per file: shared locks */
#define STATUS_CMD_SHOWN	60	/* bytes of a command in the table */
/*
 * What --status reads at most: /proc/locks is quadratic to read (see
 * holders_load), and anyone can hold a million locks or open a million
 * files. Past these it says so and shows less.
 */
#define STATUS_MAX_LOCKS	(16 * 1024 * 1024)
#define STATUS_MAX_FDS		1000000
#define STATUS_MAX_TICKETS	10000	/* per queue */
#define STATUS_MAX_DIR		100000	/* names read from the lock dir */

/* What is known of one lock file. */
struct status_file {
	char			*path;
	struct holders_key	 key;
	int			 exists;
	uid_t			 owner;	/* of the file */
	const char		*state;	/* free held unverified */
	int			 shared;
	size_t			 nlockers;
	pid_t			 lockers[STATUS_MAX_LOCKERS];
	int			 scan;	/* look for live holders */
	struct holder		*live;	/* the live holders found */
	size_t			 nlive;
	int			 partial; /* some could not be looked into */
	/* The one to name: */
	pid_t			 pid;
	int			 verified;	/* the kernel says it holds it */
	int			 is_locker;	/* it took the lock itself */
	struct holder		 who;		/* when has_who */
	int			 has_who;
	int			 shown;		/* printed already (a lock) */
	char			 label[128];	/* the job, from a trusted file */
	/* What waiting for it is, for the waiting list: "semaphore gpu". */
	const char		*wkind;
	const char		*wname;
};

/* A process that has lock files open without holding them: it waits. */
struct status_wait {
	struct holder	 who;
	char		 what[256];	/* "semaphore gpu, lock db" */
};

/* One row of the job table. */
struct status_row {
	char		 name[300];
	const char	*job;
	const char	*state;		/* idle running waiting held unverified
					   untracked */
	size_t		 file;		/* index into files, or (size_t)-1 */
	int		 pidfile;	/* ... its PID file (else a slot) */
	const char	*command;
	char		*own_command;		/* an instance's, made here */
	char		 waiting_for[256];	/* "semaphore heavy (2/2), ..." */
};

struct status {
	const struct conf	*conf;
	const char		*dir;
	int			 have_table;	/* /proc/locks was readable */
	int			 too_many;	/* ... but too long to read */
	struct holders_table	 table;
	int			 adhoc;		/* STATUS_ADHOC */
	struct status_file	*files;
	size_t			 nfiles;
	size_t			 cap;
	size_t			*sem_first;	/* per semaphore: its slot 00 */
	size_t			*job_first;	/* per job: its first PID file */
	struct status_row	*rows;
	size_t			 nrows;

	/* STATUS_ALL: what the lock dir holds, as a conf of its own. */
	int			 all;
	struct conf		 dirconf;
	struct conf_lock	*xlocks;	/* its named locks */
	size_t			 nxlocks;
	unsigned char		*sem_guessed;	/* size from the slot files */
	int			 dir_missing;
	int			 dir_cut;	/* more names than read */

	struct status_wait	*waits;
	size_t			 nwaits;
	int			 waits_partial;
};

#define STATUS_NONE	((size_t)-1)

/* Note a file to look at (waiting for it is: kind name); its index. */
static size_t
status_add_file(struct status *st, char *path, const char *kind,
    const char *name)
{
	struct status_file	*f;

	if (st->nfiles == st->cap) {
		st->cap = st->cap == 0 ? 64 : st->cap * 2;
		st->files = util_xreallocarray(st->files, st->cap,
		    sizeof(*st->files));
	}
	f = &st->files[st->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->state = "free";
	f->wkind = kind;
	f->wname = name;
	return (st->nfiles++);
}

/* Pass 1 for one file: is it locked, and does its own PID check out? */
static void
status_look(struct status *st, struct status_file *f)
{
	struct holders_lock	l[STATUS_MAX_LOCKERS];
	struct stat		sb;
	size_t			n, i;
	pid_t			pid;

	f->exists = holders_key_path(f->path, &f->key) == 0 &&
	    lstat(f->path, &sb) == 0;
	f->owner = f->exists ? sb.st_uid : 0;
	pid = f->exists ? lock_read_pid(f->path, f->label,
	    sizeof(f->label)) : 0;
	if (!st->have_table) {
		f->state = pid > 0 ? "unverified" : "free";
		f->pid = pid;
		if (pid == 0)
			f->label[0] = '\0';
		return;
	}
	if (!f->exists || (n = holders_locks(&st->table, &f->key, l,
	    STATUS_MAX_LOCKERS)) == 0) {
		f->label[0] = '\0';	/* a stale file: nobody holds it */
		return;
	}
	f->state = "held";
	f->shared = l[0].shared;
	f->nlockers = n < STATUS_MAX_LOCKERS ? n : STATUS_MAX_LOCKERS;
	for (i = 0; i < f->nlockers; i++)
		f->lockers[i] = l[i].pid;
	/*
	 * The file's own PID, if the kernel confirms it and the process is
	 * the file owner's (or root's; or the file is root's, whose jobs may
	 * run as any user = ): a stale PID reused by someone else's process
	 * must not lend it the file's label.
	 */
	if (pid > 0 && holders_pid_holds(pid, &f->key, NULL, NULL) == 1 &&
	    holders_proc(pid, &f->who) == 0 && (f->who.uid == f->owner ||
	    f->who.uid == 0 || f->owner == 0)) {
		f->pid = pid;
		f->verified = 1;
		f->has_who = 1;
		return;
	}
	f->label[0] = '\0';		/* not confirmed: not trusted either */
	f->scan = 1;
}

/* Where holders_scan's finds go: key k is file map[k]. */
struct status_found {
	struct status		*st;
	const size_t		*map;
};

/* Is item in the list "a, b, c"? */
static int
status_has_item(const char *list, const char *item)
{
	const char	*p = list;
	size_t		 len = strlen(item);

	while (*p != '\0') {
		if (strncmp(p, item, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return (1);
		if ((p = strstr(p, ", ")) == NULL)
			break;
		p += 2;
	}
	return (0);
}

/* Note that process h waits for file f (it has it open, unlocked). */
static void
status_add_wait(struct status *st, const struct status_file *f,
    const struct holder *h)
{
	struct status_wait	*w;
	char			 what[160];
	size_t			 i, len;

	if (h->pid == getpid() || f->wkind == NULL)
		return;
	for (i = 0; i < st->nwaits && st->waits[i].who.pid != h->pid; i++)
		;
	if (i == st->nwaits) {
		st->waits = util_xreallocarray(st->waits, st->nwaits + 1,
		    sizeof(*st->waits));
		w = &st->waits[st->nwaits++];
		w->who = *h;
		w->what[0] = '\0';
	} else
		w = &st->waits[i];
	snprintf(what, sizeof(what), "%s %s", f->wkind, f->wname);
	/* Once per thing: all the slots of a semaphore are one. */
	if (status_has_item(w->what, what))
		return;
	len = strlen(w->what);
	snprintf(w->what + len, sizeof(w->what) - len, "%s%s",
	    len > 0 ? ", " : "", what);
}

static void
status_found_cb(size_t k, const struct holder *h, void *arg)
{
	struct status_found	*a = arg;
	struct status_file	*f = &a->st->files[a->map[k]];

	if (!h->held) {
		status_add_wait(a->st, f, h);
		return;
	}
	if (!f->scan)
		return;		/* its holder is known already */
	f->live = util_xreallocarray(f->live, f->nlive + 1, sizeof(*f->live));
	f->live[f->nlive++] = *h;
}

/*
 * Pass 2, in one look through /proc: the live holders of every held file
 * whose own PID did not check out, and the processes that wait for any of
 * the files (have it open, unlocked); then whom to name for each file.
 */
static void
status_scan(struct status *st)
{
	struct holders_key	*keys;
	struct status_found	 found;
	struct status_file	*f;
	size_t			*map, n = 0, i, k;
	int			 partial = 0;
	pid_t			 pid;

	keys = util_xcalloc(st->nfiles, sizeof(*keys));
	map = util_xcalloc(st->nfiles, sizeof(*map));
	for (i = 0; i < st->nfiles; i++) {
		if (st->files[i].exists) {
			keys[n] = st->files[i].key;
			map[n++] = i;
		}
	}
	found.st = st;
	found.map = map;
	if (n > 0)
		partial = holders_scan_open(keys, n, status_found_cb, &found,
		    STATUS_MAX_FDS) != 0;
	st->waits_partial = partial;
	for (k = 0; k < n; k++) {
		f = &st->files[map[k]];
		if (!f->scan)
			continue;
		f->partial = partial;
		if ((pid = holders_principal(f->live, f->nlive)) > 0) {
			for (i = 0; i < f->nlive && f->live[i].pid != pid; i++)
				;
			f->pid = pid;
			f->verified = 1;
			f->who = f->live[i];
			f->has_who = 1;
			f->is_locker = f->who.locker == pid;
		} else if (f->nlockers > 0) {
			/* Not ours to look into: the kernel's locker, if alive. */
			f->pid = f->lockers[0];
			f->is_locker = 1;
			f->has_who = holders_proc(f->pid, &f->who) == 0;
		}
	}
	free(keys);
	free(map);
}

/* A trusted label for the file's holder (the job), or NULL. */
static const char *
status_label(const struct status_file *f)
{
	return (f->verified && f->label[0] != '\0' ? f->label : NULL);
}

static struct status_row *
status_add_row(struct status *st, const struct conf_job *c, const char *name)
{
	struct status_row	*r;

	st->rows = util_xreallocarray(st->rows, st->nrows + 1,
	    sizeof(*st->rows));
	r = &st->rows[st->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->job = c->name;
	r->command = c->command;
	r->file = STATUS_NONE;
	return (r);
}

/* Slots of conf semaphore i in use now. */
static unsigned
status_sem_used(struct status *st, size_t i)
{
	unsigned	k, used = 0;

	for (k = 0; k < st->conf->sems[i].slots; k++) {
		if (strcmp(st->files[st->sem_first[i] + k].state, "free") != 0)
			used++;
	}
	return (used);
}

/* The file of named lock name (every lock is collected in pass 1). */
static const struct status_file *
status_lock_file(struct status *st, const struct conf_lock *l)
{
	char	*path;
	size_t	 i;

	path = l->is_path ? util_xstrdup(l->name) :
	    lockdir_lock_file(st->dir, l->name);
	for (i = 0; i < st->nfiles; i++) {
		if (strcmp(st->files[i].path, path) == 0)
			break;
	}
	free(path);
	return (i < st->nfiles ? &st->files[i] : NULL);
}

/*
 * What a waiting job waits for: its semaphores that are full and its
 * named locks that someone holds in a mode that excludes it.
 */
static void
status_waiting_for(struct status *st, const struct conf_job *c, char *buf,
    size_t len)
{
	const struct status_file	*f;
	size_t				 i, off = 0;
	unsigned			 used;

	buf[0] = '\0';
	for (i = 0; i < c->nsems && off < len; i++) {
		const struct conf_sem *s = &st->conf->sems[c->sems[i]];

		if ((used = status_sem_used(st, c->sems[i])) < s->slots)
			continue;
		off += snprintf(buf + off, len - off, "%ssemaphore %s (%u/%u)",
		    off ? ", " : "", s->name, used, s->slots);
	}
	for (i = 0; i < c->nlocks && off < len; i++) {
		f = status_lock_file(st, &c->locks[i]);
		if (f == NULL || f->nlockers == 0 || (c->locks[i].shared &&
		    f->shared))
			continue;
		off += snprintf(buf + off, len - off, "%slock %s", off ? ", " :
		    "", c->locks[i].name);
	}
}

/* A singleton instance, from its PID file. */
static void
status_singleton(struct status *st, const struct conf_job *c, size_t file,
    const char *name)
{
	struct status_row	*r = status_add_row(st, c, name);
	struct status_file	*f = &st->files[file];

	r->file = file;
	r->pidfile = 1;
	if (strcmp(f->state, "free") == 0)
		r->state = "idle";
	else if (strcmp(f->state, "unverified") == 0)
		r->state = "unverified";
	else if (!f->verified)
		r->state = "held";	/* by processes we may not look into */
	else if (!f->is_locker)
		r->state = "running";
	else {
		/* Only its lockrun holds it: waiting for the rest. */
		r->state = "waiting";
		status_waiting_for(st, c, r->waiting_for,
		    sizeof(r->waiting_for));
	}
}

/* A job that is not a singleton shows up only in the slots it holds. */
static void
status_untracked(struct status *st, const struct conf_job *c)
{
	const struct status_file	*f;
	struct status_row		*r;
	size_t				 before = st->nrows;
	unsigned			 k;

	if (c->nsems == 0) {
		status_add_row(st, c, c->name)->state = "untracked";
		return;
	}
	for (k = 0; k < st->conf->sems[c->sems[0]].slots; k++) {
		f = &st->files[st->sem_first[c->sems[0]] + k];
		if (f->pid == 0 || f->label[0] == '\0' ||
		    strcmp(f->label, c->name) != 0)
			continue;
		r = status_add_row(st, c, c->name);
		r->state = strcmp(f->state, "held") == 0 ? "running" :
		    "unverified";
		r->file = (size_t)(f - st->files);
	}
	if (st->nrows == before)
		status_add_row(st, c, c->name)->state = "idle";
}

/*
 * "<prefix>.NN<suffix>" (NN two digits or more) with a name as prefix:
 * NN, and the prefix into *prefix. -1 if it is not.
 */
static long
status_numbered(const char *name, const char *suffix, char **prefix)
{
	size_t		 len = strlen(name), slen = strlen(suffix);
	const char	*dot, *end;
	unsigned long	 n;
	char		*base;

	if (len <= slen || strcmp(name + len - slen, suffix) != 0)
		return (-1);
	end = name + len - slen;
	base = util_xstrndup(name, end - name);
	if ((dot = strrchr(base, '.')) == NULL || strlen(dot + 1) < 2 ||
	    util_parse_uint(dot + 1, 0, LOCKRUN_MAX_NUMPROCS, &n) == -1) {
		free(base);
		return (-1);
	}
	base[dot - base] = '\0';
	if (!util_valid_name(base)) {
		free(base);
		return (-1);
	}
	*prefix = base;
	return ((long)n);
}

/* "<name><suffix>" with a name: the name (to be freed), or NULL. */
static char *
status_named(const char *name, const char *suffix)
{
	size_t	len = strlen(name), slen = strlen(suffix);
	char	*base;

	if (len <= slen || strcmp(name + len - slen, suffix) != 0)
		return (NULL);
	base = util_xstrndup(name, len - slen);
	if (!util_valid_name(base)) {
		free(base);
		return (NULL);
	}
	return (base);
}

/* The semaphore named name of the lock dir's conf, added if new. */
static struct conf_sem *
status_dir_sem(struct status *st, const char *name)
{
	struct conf	*c = &st->dirconf;
	size_t		 i;

	for (i = 0; i < c->nsems; i++) {
		if (strcmp(c->sems[i].name, name) == 0)
			return (&c->sems[i]);
	}
	c->sems = util_xreallocarray(c->sems, c->nsems + 1, sizeof(*c->sems));
	st->sem_guessed = util_xreallocarray(st->sem_guessed, c->nsems + 1, 1);
	st->sem_guessed[c->nsems] = 1;
	memset(&c->sems[c->nsems], 0, sizeof(*c->sems));
	c->sems[c->nsems].name = util_xstrdup(name);
	return (&c->sems[c->nsems++]);
}

/* The size written in <dir>/<sem>.slots by those that use it, or 0. */
static unsigned
status_sem_size(const char *dir, const char *sem)
{
	char		*path, buf[32];
	ssize_t		 n;
	unsigned long	 v;
	int		 fd;

	path = lockdir_size_file(dir, sem);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	free(path);
	if (fd == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (util_parse_uint(buf, 1, LOCKRUN_MAX_SLOTS, &v) == 0 ?
	    (unsigned)v : 0);
}

static int
status_job_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct conf_job *)a)->name,
	    ((const struct conf_job *)b)->name));
}

static int
status_sem_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct conf_sem *)a)->name,
	    ((const struct conf_sem *)b)->name));
}

static int
status_lock_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct conf_lock *)a)->name,
	    ((const struct conf_lock *)b)->name));
}

/*
 * STATUS_ALL: what the lock dir holds, read from its names (lockdir.c's):
 * each PID file <job>.pid and <job>.NN.pid is a job (named "job" and
 * "job.NN"), slots <sem>.NN.lock make semaphores (as many slots as
 * <sem>.slots says, else as the files found), <name>.lock is a named
 * lock. At most STATUS_MAX_DIR names.
 */
static void
status_read_dir(struct status *st)
{
	struct conf	*c = &st->dirconf;
	struct conf_sem	*sem;
	struct dirent	*de;
	DIR		*d;
	char		*base;
	size_t		 seen = 0, i;
	unsigned	 size;
	long		 n;

	if ((d = opendir(st->dir)) == NULL) {
		st->dir_missing = 1;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (seen++ == STATUS_MAX_DIR) {
			st->dir_cut = 1;
			break;
		}
		if ((n = status_numbered(de->d_name, ".lock", &base)) != -1) {
			sem = status_dir_sem(st, base);
			if ((unsigned long)n < LOCKRUN_MAX_SLOTS &&
			    sem->slots < (unsigned)n + 1)
				sem->slots = (unsigned)n + 1;
			free(base);
		} else if ((base = status_named(de->d_name, ".lock")) != NULL) {
			st->xlocks = util_xreallocarray(st->xlocks,
			    st->nxlocks + 1, sizeof(*st->xlocks));
			memset(&st->xlocks[st->nxlocks], 0,
			    sizeof(*st->xlocks));
			st->xlocks[st->nxlocks++].name = base;
		} else if ((base = status_named(de->d_name, ".slots")) !=
		    NULL) {
			(void)status_dir_sem(st, base);
			free(base);
		} else if (status_numbered(de->d_name, ".pid", &base) != -1 ||
		    (base = status_named(de->d_name, ".pid")) != NULL) {
			free(base);
			/* "job.NN": the instance's name, as its file's. */
			base = util_xstrndup(de->d_name, strlen(de->d_name) - 4);
			c->jobs = util_xreallocarray(c->jobs, c->njobs + 1,
			    sizeof(*c->jobs));
			conf_job_init(&c->jobs[c->njobs++], base);
			free(base);
		}
	}
	closedir(d);
	for (i = 0; i < c->nsems; i++) {
		if ((size = status_sem_size(st->dir, c->sems[i].name)) != 0) {
			c->sems[i].slots = size;
			st->sem_guessed[i] = 0;
		}
		if (c->sems[i].slots == 0)
			c->sems[i].slots = 1;	/* a .slots file alone */
	}
	if (c->njobs > 1)
		qsort(c->jobs, c->njobs, sizeof(*c->jobs), status_job_cmp);
	if (c->nsems > 1) {
		/* Keep the guesses with their semaphores. */
		for (i = 0; i < c->nsems; i++)
			c->sems[i].line = st->sem_guessed[i];
		qsort(c->sems, c->nsems, sizeof(*c->sems), status_sem_cmp);
		for (i = 0; i < c->nsems; i++)
			st->sem_guessed[i] = (unsigned char)c->sems[i].line;
	}
	if (st->nxlocks > 1)
		qsort(st->xlocks, st->nxlocks, sizeof(*st->xlocks),
		    status_lock_cmp);
}

/* Note the file of a named lock (or --lock path), once. */
static void
status_collect_lock(struct status *st, const struct conf_lock *l)
{
	if (status_lock_file(st, l) == NULL)
		status_add_file(st, l->is_path ? util_xstrdup(l->name) :
		    lockdir_lock_file(st->dir, l->name), "lock", l->name);
}

/* Pass 1: every file to look at, in the order they are printed. */
static void
status_collect(struct status *st)
{
	const struct conf_job	*c;
	size_t			 i, k;
	unsigned		 n;

	st->sem_first = util_xcalloc(st->conf->nsems, sizeof(*st->sem_first));
	st->job_first = util_xcalloc(st->conf->njobs, sizeof(*st->job_first));
	for (i = 0; i < st->conf->nsems; i++) {
		st->sem_first[i] = st->nfiles;
		for (n = 0; n < st->conf->sems[i].slots; n++)
			status_add_file(st, lockdir_slot_file(st->dir,
			    st->conf->sems[i].name, n, LOCKDIR_SLOT),
			    "semaphore", st->conf->sems[i].name);
	}
	for (i = 0; i < st->conf->njobs; i++) {
		c = &st->conf->jobs[i];
		for (k = 0; k < c->nlocks; k++)
			status_collect_lock(st, &c->locks[k]);
		if (st->adhoc || !c->singleton)
			continue;
		st->job_first[i] = st->nfiles;
		for (n = 0; n < c->numprocs; n++)
			status_add_file(st, c->numprocs == 1 ?
			    lockdir_pid_file(st->dir, c->name) :
			    lockdir_slot_file(st->dir, c->name, n,
			    LOCKDIR_INSTANCE), "job", c->name);
	}
	for (i = 0; i < st->nxlocks; i++)
		status_collect_lock(st, &st->xlocks[i]);
	for (i = 0; i < st->nfiles; i++)
		status_look(st, &st->files[i]);
	status_scan(st);
}

/* Every job instance, in config order. */
static void
status_rows(struct status *st)
{
	const struct conf_job	*c, *ic;
	struct conf_job		 tmp;
	struct status_row	*r;
	char			*inst;
	size_t			 i;
	unsigned		 k;

	for (i = 0; i < st->conf->njobs; i++) {
		c = &st->conf->jobs[i];
		if (!c->singleton) {
			status_untracked(st, c);
			continue;
		}
		for (k = 0; k < c->numprocs; k++) {
			inst = c->numprocs == 1 ? util_xstrdup(c->name) :
			    lockdir_instance_name(c->name, k);
			status_singleton(st, c, st->job_first[i] + k, inst);
			free(inst);
			/* Its command, %(process_num)d and all. */
			if ((ic = conf_job_instance(c, k, &tmp)) != c) {
				r = &st->rows[st->nrows - 1];
				r->command = r->own_command = ic->command;
				tmp.command = NULL;
				conf_job_instance_free(ic, &tmp);
			}
		}
	}
}

/* Local "YYYY-mm-dd HH:MM:SS", or UTC ISO 8601 for JSON; "-" when unknown. */
const char *
status_time(time_t t, int iso, char *buf, size_t len)
{
	struct tm	tm;

	if (t == 0)
		return (iso ? NULL : "-");
	if (iso) {
		gmtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	} else {
		localtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	}
	return (buf);
}

/*
 * The length of the valid UTF-8 sequence at p (of at most n bytes), or 0:
 * no overlong forms, no surrogates, nothing past U+10FFFF. *cp gets it.
 */
static size_t
status_utf8(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t		len, i;
	unsigned long	c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return (1);
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
		min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
		min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else
		return (0);
	if (len > n)
		return (0);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (len);
}

/*
 * Is code point cp something a terminal does not show as itself: a C0 or
 * C1 control, DEL, or a format character that reorders or hides text
 * (bidirectional overrides, zero-width ones, line separators)?
 */
static int
status_hidden(unsigned long cp)
{
	return (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	    cp == 0x61c || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
	    cp == 0xfeff);
}

/*
 * Write s for a terminal: printable text as it is, anything else (escape
 * sequences, C1 controls, bidirectional overrides, invalid UTF-8) escaped
 * (\xNN for a byte, \uNNNN for a character), so that a file or a command
 * line another user chose can neither drive the admin's terminal nor pass
 * for other text. With quote, in double quotes, '"' escaped too. At most
 * max bytes of s ("..." after), 0 for all.
 */
void
status_text(FILE *out, const char *s, size_t max, int quote)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), len, i;
	unsigned long		 cp;

	if (quote)
		fputc('"', out);
	for (i = 0; i < n; i += len) {
		if (max > 0 && i >= max) {
			fputs("...", out);
			break;
		}
		if ((len = status_utf8(p + i, n - i, &cp)) == 0) {
			fprintf(out, "\\x%02x", p[i]);
			len = 1;
		} else if (status_hidden(cp))
			fprintf(out, cp < 0x100 ? "\\x%02lx" : "\\u%04lx", cp);
		else if (cp == '\\' || (quote && cp == '"'))
			fprintf(out, "\\%c", (int)cp);
		else
			fwrite(p + i, 1, len, out);
	}
	if (quote)
		fputc('"', out);
}

/* Write s as a JSON string of valid UTF-8 (bad bytes become U+FFFD), or null. */
void
status_json_str(FILE *out, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, len, i;
	unsigned long		 cp;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	n = strlen(s);
	fputc('"', out);
	for (i = 0; i < n; i += len) {
		if ((len = status_utf8(p + i, n - i, &cp)) == 0) {
			fputs("\\ufffd", out);
			len = 1;
		} else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (int)cp);
		else if (status_hidden(cp))
			fprintf(out, "\\u%04lx", cp);
		else
			fwrite(p + i, 1, len, out);
	}
	fputc('"', out);
}

static void
status_json_pid(FILE *out, pid_t pid)
{
	if (pid > 0)
		fprintf(out, "%ld", (long)pid);
	else
		fputs("null", out);
}

/* The holder's user, as a name when it has one. */
static void
status_user(const struct status_file *f, char *buf, size_t len)
{
	char	name[64];

	buf[0] = '\0';
	if (f == NULL || !f->has_who)
		return;
	trust_user_name(f->who.uid, name, sizeof(name));
	/* "user bob" -> "bob"; "uid 1234" stays. */
	snprintf(buf, len, "%s", strncmp(name, "user ", 5) == 0 ? name + 5 :
	    name);
}

/* "pid 42 (backup)" or "pid 42 (bob: sleep 30)" for the table. */
static void
status_print_holder(FILE *out, const struct status_file *f)
{
	char	user[64];

	if (f->pid <= 0) {
		fputs("pid ?", out);
		return;
	}
	fprintf(out, "pid %ld", (long)f->pid);
	if (status_label(f) != NULL) {
		fputs(" (", out);
		status_text(out, status_label(f), 0, 0);
		fputc(')', out);
		return;
	}
	if (!f->has_who)
		return;
	status_user(f, user, sizeof(user));
	fprintf(out, " (%s: ", user);
	status_text(out, f->who.cmd, STATUS_CMD_SHOWN, 1);
	fputs(f->verified ? ")" : ", unverified)", out);
}

/* The JSON fields that describe a file's holder. */
static void
status_json_holder(FILE *out, const struct status_file *f)
{
	char	user[64], when[32];

	fputs("\"pid\": ", out);
	status_json_pid(out, f->pid);
	fputs(", \"job\": ", out);
	status_json_str(out, status_label(f));
	fprintf(out, ", \"verified\": %s", f->verified ? "true" : "false");
	status_user(f, user, sizeof(user));
	if (f->has_who)
		fprintf(out, ", \"uid\": %lu", (unsigned long)f->who.uid);
	else
		fputs(", \"uid\": null", out);
	fputs(", \"user\": ", out);
	status_json_str(out, f->has_who ? user : NULL);
	fputs(", \"command\": ", out);
	status_json_str(out, f->has_who ? f->who.cmd : NULL);
	fputs(", \"since\": ", out);
	status_json_str(out, status_time(f->has_who ? f->who.since : 0, 1,
	    when, sizeof(when)));
}

static void
status_print_jobs(struct status *st, FILE *out, int json)
{
	const struct status_row		*r;
	const struct status_file	*f;
	char				 pid[16], when[32], user[64];
	size_t				 i;
	time_t				 since;

	if (json)
		fputs("  \"jobs\": [", out);
	else
		fprintf(out, "%-20s %-10s %-8s %-19s  %s\n", "JOB", "STATE",
		    "PID", "SINCE", "COMMAND");
	for (i = 0; i < st->nrows; i++) {
		r = &st->rows[i];
		f = r->file != STATUS_NONE ? &st->files[r->file] : NULL;
		since = f != NULL && f->has_who ? f->who.since : 0;
		if (!json) {
			snprintf(pid, sizeof(pid), f != NULL && f->pid > 0 ?
			    "%ld" : "-", f != NULL ? (long)f->pid : 0L);
			fprintf(out, "%-20s %-10s %-8s %-19s  ", r->name,
			    r->state, pid, status_time(since, 0, when,
			    sizeof(when)));
			if (r->command != NULL || f == NULL || !f->has_who)
				status_text(out, r->command ? r->command : "",
				    0, 0);
			else {
				/* No file names it: what runs, and whose. */
				status_user(f, user, sizeof(user));
				fprintf(out, "%s: ", user);
				status_text(out, f->who.cmd, STATUS_CMD_SHOWN, 1);
			}
			fputc('\n', out);
			if (*r->waiting_for)
				fprintf(out, "%-20s   waiting for %s\n", "",
				    r->waiting_for);
			continue;
		}
		fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
		status_json_str(out, r->name);
		fputs(", \"job\": ", out);
		status_json_str(out, r->job);
		fprintf(out, ", \"state\": \"%s\", \"pid\": ", r->state);
		status_json_pid(out, f != NULL ? f->pid : 0);
		fprintf(out, ", \"verified\": %s", f != NULL && f->verified ?
		    "true" : "false");
		status_user(f, user, sizeof(user));
		if (f != NULL && f->has_who)
			fprintf(out, ", \"uid\": %lu", (unsigned long)f->who.uid);
		else
			fputs(", \"uid\": null", out);
		fputs(", \"user\": ", out);
		status_json_str(out, f != NULL && f->has_who ? user : NULL);
		fputs(", \"since\": ", out);
		status_json_str(out, status_time(since, 1, when,
		    sizeof(when)));
		fprintf(out, ", \"since_epoch\": ");
		if (since)
			fprintf(out, "%lld", (long long)since);
		else
			fputs("null", out);
		fputs(", \"pid_file\": ", out);
		status_json_str(out, r->pidfile ? f->path : NULL);
		fputs(", \"command\": ", out);
		status_json_str(out, r->command != NULL ? r->command :
		    f != NULL && f->has_who ? f->who.cmd : NULL);
		fputs(", \"waiting_for\": ", out);
		status_json_str(out, *r->waiting_for ? r->waiting_for : NULL);
		fputc('}', out);
	}
	fputs(json ? "\n  ],\n" : "\n", out);
}

/* Every semaphore: used/total and who holds each busy slot. */
static void
status_print_sems(struct status *st, FILE *out, int json)
{
	const struct conf_sem		*s;
	const struct status_file	*f;
	size_t				 i, n = 0, nhost = 0;
	unsigned			 k, used;
	int				 first, guessed;

	/* Fleet semaphores have no files here: the fleet section has them. */
	for (i = 0; i < st->conf->nsems; i++)
		nhost += !st->conf->sems[i].fleet;

	if (json)
		fputs("  \"semaphores\": [", out);
	else if (nhost > 0)
		fprintf(out, "%-20s %-10s %s\n", "SEMAPHORE", "USED",
		    "HOLDERS");
	for (i = 0; i < st->conf->nsems; i++) {
		s = &st->conf->sems[i];
		if (s->fleet)
			continue;
		used = status_sem_used(st, i);
		/* Without its .slots file, its size is what files there are. */
		guessed = st->sem_guessed != NULL && st->sem_guessed[i];
		if (json) {
			fprintf(out, "%s\n    {\"name\": ", n++ ? "," : "");
			status_json_str(out, s->name);
			fprintf(out, ", \"slots\": %u, \"slots_known\": %s, "
			    "\"used\": %u, \"holders\": [", s->slots,
			    guessed ? "false" : "true", used);
		} else {
			char	tmp[32];

			snprintf(tmp, sizeof(tmp), "%u/%u%s", used, s->slots,
			    guessed ? "?" : "");
			fprintf(out, "%-20s %-10s ", s->name, tmp);
			if (used == 0)
				fputc('-', out);
		}
		first = 1;
		for (k = 0; k < s->slots; k++) {
			f = &st->files[st->sem_first[i] + k];
			if (strcmp(f->state, "free") == 0)
				continue;
			if (json) {
				fprintf(out, "%s{\"slot\": %u, ", first ? "" :
				    ", ", k);
				status_json_holder(out, f);
				fputc('}', out);
			} else {
				fprintf(out, "%sslot %02u: ", first ? "" :
				    ", ", k);
				status_print_holder(out, f);
			}
			first = 0;
		}
		fputs(json ? "]}" : "\n", out);
	}
	if (json)
		fputs(nhost ? "\n  ],\n" : "],\n", out);
	else if (nhost > 0)
		fputc('\n', out);
}

/* One named lock (a file seen once): mode, holders. *firstp: none yet. */
static void
status_print_lock(struct status *st, FILE *out, int json,
    const struct conf_lock *l, int *firstp)
{
	const struct status_file	*f;
	const char			*mode;
	size_t				 m;

	if ((f = status_lock_file(st, l)) == NULL || f->shown)
		return;
	((struct status_file *)f)->shown = 1;
	if (f->nlockers == 0 && !st->adhoc && !st->all)
		return;
	mode = f->nlockers == 0 ? "free" : f->shared ? "shared" : "exclusive";
	if (json) {
		fprintf(out, "%s\n    {\"name\": ", *firstp ? "" : ",");
		status_json_str(out, l->name);
		fputs(", \"path\": ", out);
		status_json_str(out, f->path);
		fprintf(out, ", \"mode\": \"%s\", \"pids\": [", mode);
		for (m = 0; m < f->nlockers; m++)
			fprintf(out, "%s%ld", m ? ", " : "", (long)f->lockers[m]);
		fputs("], \"holder\": ", out);
		if (f->nlockers == 0)
			fputs("null", out);
		else {
			fputc('{', out);
			status_json_holder(out, f);
			fputc('}', out);
		}
		fputc('}', out);
	} else {
		if (*firstp)
			fprintf(out, "%-20s %-10s %s\n", "LOCK", "MODE",
			    "HOLDERS");
		status_text(out, l->name, 0, 0);
		fprintf(out, "%*s %-10s ", strlen(l->name) < 20 ?
		    (int)(20 - strlen(l->name)) : 0, "", mode);
		if (f->nlockers == 0)
			fputc('-', out);
		else
			status_print_holder(out, f);
		if (f->nlockers > 1)
			fprintf(out, " and %zu more", f->nlockers - 1);
		fputc('\n', out);
	}
	*firstp = 0;
}

/*
 * Named locks that are held now (ad hoc: each asked for; with STATUS_ALL
 * every one in the lock dir): mode, holders.
 */
static void
status_print_locks(struct status *st, FILE *out, int json)
{
	size_t	i, k;
	int	first = 1;

	if (json)
		fputs("  \"locks\": [", out);
	for (i = 0; i < st->conf->njobs; i++) {
		for (k = 0; k < st->conf->jobs[i].nlocks; k++)
			status_print_lock(st, out, json,
			    &st->conf->jobs[i].locks[k], &first);
	}
	for (i = 0; i < st->nxlocks; i++)
		status_print_lock(st, out, json, &st->xlocks[i], &first);
	if (json)
		fputs(first ? "],\n" : "\n  ],\n", out);
}

/* One waiter in a queue, as its ticket and /proc tell it. */
struct status_ticket {
	char			name[LOCKDIR_TICKET_MAX + 1];
	struct lockdir_ticket	t;
	int			verified;	/* it holds its ticket open */
	struct holder		who;
	int			has_who;
	uid_t			owner;		/* of the ticket */
};

static int
status_ticket_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct status_ticket *)a)->name,
	    ((const struct status_ticket *)b)->name));
}

/*
 * The live tickets of queue qname of lock dir dir, in order (to be freed): a
 * ticket nobody holds open is a dead waiter's, and not shown. Reads only,
 * and opens nothing but FIFOs, never through a symlink. At most
 * STATUS_MAX_TICKETS; *budget: descriptors left to look through to tell
 * whether the waiter named holds its ticket.
 */
static size_t
status_tickets(const char *dir, const char *qname, struct status_ticket **out,
    size_t *budget)
{
	struct status_ticket	*t = NULL;
	struct dirent		*de;
	struct holders_key	 k;
	struct stat		 sb;
	DIR			*d;
	size_t			 n = 0, cap = 0;
	int			 fd;

	*out = NULL;
	/* Only a queue of root's or ours, never through a link. */
	if ((fd = lockdir_queue_open(dir, qname, 0)) == -1)
		return (0);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return (0);
	}
	while (n < STATUS_MAX_TICKETS && (de = readdir(d)) != NULL) {
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			t = util_xreallocarray(t, cap, sizeof(*t));
		}
		memset(&t[n], 0, sizeof(t[n]));
		if (lockdir_ticket_parse(de->d_name, &t[n].t) == -1 ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISFIFO(sb.st_mode))
			continue;
		fd = lockdir_ticket_open(dirfd(d), de->d_name);
		if (fd == -1)
			continue;	/* a dead waiter's, or gone */
		if (fstat(fd, &sb) == -1 || !S_ISFIFO(sb.st_mode)) {
			close(fd);
			continue;
		}
		close(fd);
		memset(&k, 0, sizeof(k));
		k.dev = sb.st_dev;
		k.ino = sb.st_ino;
		snprintf(t[n].name, sizeof(t[n].name), "%.*s",
		    (int)sizeof(t[n].name) - 1, de->d_name);
		t[n].owner = sb.st_uid;
		t[n].verified = holders_pid_opened((pid_t)t[n].t.pid, &k,
		    budget) == 1;
		t[n].has_who = t[n].verified &&
		    holders_proc((pid_t)t[n].t.pid, &t[n].who) == 0;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(t, n, sizeof(*t), status_ticket_cmp);
	*out = t;
	return (n);
}

/* When a ticket's waiter came, as a wall-clock time. */
static time_t
status_ticket_since(const struct lockdir_ticket *t)
{
	struct timespec	mono;
	double		ago;

	if (clock_gettime(CLOCK_MONOTONIC, &mono) == -1)
		return (0);
	ago = (double)mono.tv_sec + mono.tv_nsec / 1e9 - t->arrival / 1e9;
	return (time(NULL) - (time_t)(ago > 0 ? ago : 0));
}

/* Print the queue in front of what (kind name), if anyone waits in it. */
static void
status_queue(FILE *out, int json, const char *kind, const char *name,
    const char *dir, char *qname, int *first, size_t *budget)
{
	struct status_ticket	*t;
	struct status_file	 f;
	char			 when[32], user[64], label[300];
	size_t			 n, i, width;

	n = status_tickets(dir, qname, &t, budget);
	free(qname);
	if (n == 0) {
		free(t);
		return;
	}
	if (json) {
		fprintf(out, "%s\n    {\"kind\": \"%s\", \"name\": ",
		    *first ? "" : ",", kind);
		status_json_str(out, name);
		fputs(", \"waiters\": [", out);
	} else if (*first)
		fprintf(out, "%-28s %-4s %-8s %-19s  %s\n", "QUEUE", "POS",
		    "PID", "SINCE", "WAITER");
	for (i = 0; i < n; i++) {
		memset(&f, 0, sizeof(f));
		f.has_who = t[i].has_who;
		f.who = t[i].who;
		f.who.uid = t[i].owner;		/* the ticket's, shown as its user */
		status_user(&f, user, sizeof(user));
		if (json) {
			fprintf(out, "%s{\"position\": %zu, \"pid\": %lu, "
			    "\"verified\": %s, \"mode\": \"%s\", \"uid\": %lu, "
			    "\"user\": ", i ? ", " : "", i + 1, t[i].t.pid,
			    t[i].verified ? "true" : "false",
			    t[i].t.reader ? "read" : "write",
			    (unsigned long)t[i].owner);
			f.has_who = 1;
			status_user(&f, user, sizeof(user));
			status_json_str(out, user);
			fputs(", \"since\": ", out);
			status_json_str(out, status_time(status_ticket_since(
			    &t[i].t), 1, when, sizeof(when)));
			fputs(", \"command\": ", out);
			status_json_str(out, t[i].has_who ? t[i].who.cmd : NULL);
			fputc('}', out);
			continue;
		}
		/* The queue's name on its first line only. */
		if (i == 0) {
			snprintf(label, sizeof(label), "%s %s", kind, name);
			status_text(out, label, 0, 0);
			width = strlen(label);
		} else
			width = 0;
		fprintf(out, "%*s %-4zu %-8lu %-19s  ", width < 28 ?
		    (int)(28 - width) : 0, "", i + 1, t[i].t.pid,
		    status_time(status_ticket_since(&t[i].t), 0, when,
		    sizeof(when)));
		f.has_who = 1;
		status_user(&f, user, sizeof(user));
		fprintf(out, "%s%s%s: ", t[i].t.reader ? "reader, " : "", user,
		    t[i].verified ? "" : " (unverified)");
		status_text(out, t[i].has_who ? t[i].who.cmd : "?",
		    STATUS_CMD_SHOWN, 1);
		fputc('\n', out);
	}
	if (json)
		fputs("]}", out);
	*first = 0;
	free(t);
}

/* Every queue of the conf's semaphores, jobs and locks that has waiters. */
static void
status_print_queues(struct status *st, FILE *out, int json)
{
	const struct conf_job	*c;
	const struct conf_lock	*l;
	struct stat		 sb;
	char			 name[64], *inst;
	size_t			 i, k, budget = STATUS_MAX_FDS;
	unsigned		 n;
	int			 first = 1;

	if (json)
		fputs("  \"queues\": [", out);
	for (i = 0; i < st->conf->nsems; i++)
		status_queue(out, json, "semaphore", st->conf->sems[i].name,
		    st->dir, lockdir_queue_name(LOCKDIR_QUEUE_SEM,
		    st->conf->sems[i].name), &first, &budget);
	for (i = 0; i < st->conf->njobs; i++) {
		c = &st->conf->jobs[i];
		/* Each instance has a queue of its own, as its PID file. */
		for (n = 0; c->singleton && !st->adhoc && n < c->numprocs;
		    n++) {
			inst = c->numprocs == 1 ? util_xstrdup(c->name) :
			    lockdir_instance_name(c->name, n);
			status_queue(out, json, "job", inst, st->dir, lockdir_queue_name(LOCKDIR_QUEUE_PID, inst), &first, &budget);
			free(inst);
		}
		for (k = 0; k < c->nlocks; k++) {
			l = &c->locks[k];
			if (!l->is_path) {
				status_queue(out, json, "lock", l->name,
				    st->dir, lockdir_queue_name(LOCKDIR_QUEUE_LOCK, l->name), &first,
				    &budget);
				continue;
			}
			if (stat(l->name, &sb) == -1)
				continue;
			snprintf(name, sizeof(name), "%llx-%llx",
			    (unsigned long long)sb.st_dev,
			    (unsigned long long)sb.st_ino);
			status_queue(out, json, "lock", l->name,
			    st->dir, lockdir_queue_name(LOCKDIR_QUEUE_FILE,
			    name), &first, &budget);
		}
	}
	if (json)
		fputs(first ? "],\n" : "\n  ],\n", out);
	else if (!first)
		fputc('\n', out);
}

/* The processes that wait for any of these files (this user's, or all). */
static void
status_print_waiting(struct status *st, FILE *out, int json)
{
	const struct status_wait	*w;
	char				 user[64], when[32];
	size_t				 i;

	if (json)
		fputs("  \"waiting\": [", out);
	else if (st->nwaits > 0)
		fprintf(out, "\n%-8s %-10s %-19s  %s\n", "WAITING", "USER",
		    "SINCE", "FOR: COMMAND");
	for (i = 0; i < st->nwaits; i++) {
		w = &st->waits[i];
		trust_user_name(w->who.uid, user, sizeof(user));
		if (strncmp(user, "user ", 5) == 0)
			memmove(user, user + 5, strlen(user + 5) + 1);
		if (json) {
			fprintf(out, "%s\n    {\"pid\": %ld, \"uid\": %lu, "
			    "\"user\": ", i ? "," : "", (long)w->who.pid,
			    (unsigned long)w->who.uid);
			status_json_str(out, user);
			fputs(", \"command\": ", out);
			status_json_str(out, w->who.cmd);
			fputs(", \"since\": ", out);
			status_json_str(out, status_time(w->who.since, 1, when,
			    sizeof(when)));
			fputs(", \"for\": ", out);
			status_json_str(out, w->what);
			fputc('}', out);
			continue;
		}
		fprintf(out, "%-8ld %-10s %-19s  ", (long)w->who.pid, user,
		    status_time(w->who.since, 0, when, sizeof(when)));
		status_text(out, w->what, 0, 0);
		fputs(": ", out);
		status_text(out, w->who.cmd, STATUS_CMD_SHOWN, 1);
		fputc('\n', out);
	}
	if (json)
		fprintf(out, "%s,\n  \"waiting_partial\": %s",
		    st->nwaits ? "\n  ]" : "]", st->waits_partial ? "true" :
		    "false");
}

/*
 * Print the status of every job, semaphore and held named lock of conf, as
 * a table or as one JSON document (schema in lockrun(1)). STATUS_ADHOC:
 * the --lock paths and --semaphore of the command line, free ones too.
 */
int
status_print_more(FILE *out, const struct conf *conf, const char *dir,
    int json, int flags, status_more_fn *more, void *arg)
{
	struct status	st;
	size_t		i;

	memset(&st, 0, sizeof(st));
	conf_init(&st.dirconf);
	st.conf = conf;
	st.dir = dir;
	st.adhoc = flags & STATUS_ADHOC;
	st.all = (flags & STATUS_ALL) != 0;
	if (st.all) {
		status_read_dir(&st);
		st.conf = &st.dirconf;
	}
	st.have_table = holders_load(&st.table, STATUS_MAX_LOCKS) == 0;
	st.too_many = !st.have_table && errno == E2BIG;
	status_collect(&st);
	if (!st.adhoc)
		status_rows(&st);

	if (json) {
		fputs("{\n  \"version\": 1,\n  \"lock_dir\": ", out);
		status_json_str(out, dir);
		if (st.all)
			fprintf(out, ",\n  \"lock_dir_exists\": %s,\n"
			    "  \"lock_dir_cut\": %s", st.dir_missing ? "false" :
			    "true", st.dir_cut ? "true" : "false");
		fprintf(out, ",\n  \"proc_locks\": %s,\n",
		    st.have_table ? "true" : "false");
	} else if (st.too_many)
		fprintf(out, "note: the host holds too many locks to read "
		    "/proc/locks (over %d MiB): held locks cannot be told from "
		    "stale files; PIDs are those written in the files "
		    "(unverified)\n\n", STATUS_MAX_LOCKS / (1024 * 1024));
	else if (!st.have_table)
		fprintf(out, "note: /proc/locks cannot be read: nobody can "
		    "tell held locks from stale files here; PIDs are those "
		    "written in the files (unverified)\n\n");
	if (!json && st.all && st.dir_missing) {
		fputs("note: no lock dir ", out);
		status_text(out, dir, 0, 0);
		fputs(": nothing has run here\n\n", out);
	} else if (!json && st.dir_cut)
		fprintf(out, "note: the lock dir holds more than %d names: "
		    "only the first are shown\n\n", STATUS_MAX_DIR);
	if (!st.adhoc || json)
		status_print_jobs(&st, out, json);
	status_print_sems(&st, out, json);
	status_print_locks(&st, out, json);
	status_print_queues(&st, out, json);
	status_print_waiting(&st, out, json);
	if (more != NULL && json)
		fputs(",\n", out);
	else if (json)
		fputc('\n', out);
	if (more != NULL)
		more(out, json, arg);
	if (json)
		fputs("}\n", out);

	for (i = 0; i < st.nfiles; i++) {
		free(st.files[i].path);
		free(st.files[i].live);
	}
	free(st.files);
	free(st.sem_first);
	free(st.job_first);
	for (i = 0; i < st.nrows; i++)
		free(st.rows[i].own_command);
	free(st.rows);
	free(st.waits);
	for (i = 0; i < st.nxlocks; i++)
		free(st.xlocks[i].name);
	free(st.xlocks);
	free(st.sem_guessed);
	conf_free(&st.dirconf);
	holders_free(&st.table);
	return (ferror(out) ? -1 : 0);
}

int
status_print(FILE *out, const struct conf *conf, const char *dir, int json,
    int flags)
{
	return (status_print_more(out, conf, dir, json, flags, NULL, NULL));
}
