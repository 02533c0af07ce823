/*
 * status.c: who runs, who holds which slot, read without taking any lock.
 *
 * Everything comes from /proc/locks (which files are flock-locked, by whom,
 * shared or not) and from the PID and slot files themselves. Looking never
 * takes a lock, so it can never make a real acquisition fail. A PID file
 * whose lock nobody holds is idle, whatever PID it still contains. Without
 * /proc/locks (not Linux, or a restricted /proc) nothing tells held from
 * stale: the PIDs in the files are shown as "unverified".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lock.h"
#include "status.h"
#include "util.h"

#define STATUS_MAX_HOLDERS	64

/* One row of the job table. */
struct status_row {
	char		 name[300];
	const char	*job;
	const char	*state;		/* idle running waiting unverified untracked */
	pid_t		 pid;
	time_t		 since;
	char		*file;		/* PID file, or NULL */
	const char	*command;
	char		 waiting_for[256];	/* "semaphore heavy (2/2), ..." */
};

/* Holders of one lock file. */
struct status_file {
	const char		*state;	/* free held unverified */
	struct lock_holder	 holders[STATUS_MAX_HOLDERS];
	size_t			 nholders;
	pid_t			 pid;	/* from the file */
	char			 label[128];
};

struct status {
	const struct conf	*conf;
	const char		*dir;
	int			 have_table;	/* /proc/locks was readable */
	struct lock_table	 table;
	struct status_row	*rows;
	size_t			 nrows;
	int			 adhoc;		/* STATUS_ADHOC */
};

/* Look at one lock file: who holds it, and what it says. */
static void
status_file(struct status *st, const char *path, struct status_file *f)
{
	size_t	n;

	memset(f, 0, sizeof(*f));
	f->pid = lock_read_pid(path, f->label, sizeof(f->label));
	if (!st->have_table) {
		f->state = f->pid > 0 ? "unverified" : "free";
		return;
	}
	n = lock_table_find(&st->table, path, f->holders, STATUS_MAX_HOLDERS);
	f->nholders = n < STATUS_MAX_HOLDERS ? n : STATUS_MAX_HOLDERS;
	f->state = n > 0 ? "held" : "free";
	if (n == 0)
		f->pid = 0;		/* a stale PID: nobody holds the lock */
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
	return (r);
}

/* Slots of semaphore s in use now. */
static unsigned
status_sem_used(struct status *st, const struct conf_sem *s)
{
	struct status_file	 f;
	char			*path;
	unsigned		 k, used = 0;

	for (k = 0; k < s->slots; k++) {
		util_xasprintf(&path, "%s/%s.%02u.lock", st->dir, s->name, k);
		status_file(st, path, &f);
		free(path);
		if (strcmp(f.state, "free") != 0)
			used++;
	}
	return (used);
}

/*
 * What a waiting job waits for: its semaphores that are full and its
 * named locks that someone holds in a mode that excludes it.
 */
static void
status_waiting_for(struct status *st, const struct conf_job *c, char *buf,
    size_t len)
{
	const struct conf_sem	*s;
	struct status_file	 f;
	char			*path;
	size_t			 i, off = 0;
	unsigned		 used;

	buf[0] = '\0';
	for (i = 0; i < c->nsems && off < len; i++) {
		s = &st->conf->sems[c->sems[i]];
		if ((used = status_sem_used(st, s)) < s->slots)
			continue;
		off += snprintf(buf + off, len - off, "%ssemaphore %s (%u/%u)",
		    off ? ", " : "", s->name, used, s->slots);
	}
	for (i = 0; i < c->nlocks && off < len; i++) {
		util_xasprintf(&path, "%s/%s.lock", st->dir, c->locks[i].name);
		status_file(st, path, &f);
		free(path);
		if (f.nholders == 0 || (c->locks[i].shared &&
		    f.holders[0].shared))
			continue;
		off += snprintf(buf + off, len - off, "%slock %s", off ? ", " :
		    "", c->locks[i].name);
	}
}

/* A singleton instance, from its PID file. */
static void
status_singleton(struct status *st, const struct conf_job *c, char *file,
    const char *name)
{
	struct status_row	*r = status_add_row(st, c, name);
	struct status_file	 f;

	status_file(st, file, &f);
	r->file = file;
	r->pid = f.pid;
	if (strcmp(f.state, "free") == 0)
		r->state = "idle";
	else if (strcmp(f.state, "unverified") == 0)
		r->state = "unverified";
	else if (f.pid > 0)
		r->state = "running";
	else {
		r->state = "waiting";
		status_waiting_for(st, c, r->waiting_for,
		    sizeof(r->waiting_for));
	}
}

/* A job that is not a singleton shows up only in the slots it holds. */
static void
status_untracked(struct status *st, const struct conf_job *c)
{
	const struct conf_sem	*s;
	struct status_row	*r;
	struct status_file	 f;
	char			*path;
	size_t			 before = st->nrows;
	unsigned		 k;

	if (c->nsems == 0) {
		status_add_row(st, c, c->name)->state = "untracked";
		return;
	}
	s = &st->conf->sems[c->sems[0]];
	for (k = 0; k < s->slots; k++) {
		util_xasprintf(&path, "%s/%s.%02u.lock", st->dir, s->name, k);
		status_file(st, path, &f);
		free(path);
		if (f.pid == 0 || strcmp(f.label, c->name) != 0)
			continue;
		r = status_add_row(st, c, c->name);
		r->state = strcmp(f.state, "held") == 0 ? "running" :
		    "unverified";
		r->pid = f.pid;
	}
	if (st->nrows == before)
		status_add_row(st, c, c->name)->state = "idle";
}

/* Every job instance, in config order. */
static void
status_collect_jobs(struct status *st)
{
	const struct conf_job	*c;
	char			*file, name[300];
	size_t			 i;
	unsigned		 k;

	for (i = 0; i < st->conf->njobs; i++) {
		c = &st->conf->jobs[i];
		if (!c->singleton) {
			status_untracked(st, c);
			continue;
		}
		for (k = 0; k < c->numprocs; k++) {
			if (c->numprocs == 1) {
				util_xasprintf(&file, "%s/%s.pid", st->dir,
				    c->name);
				snprintf(name, sizeof(name), "%s", c->name);
			} else {
				util_xasprintf(&file, "%s/%s.%02u.pid",
				    st->dir, c->name, k);
				snprintf(name, sizeof(name), "%s:%02u",
				    c->name, k);
			}
			status_singleton(st, c, file, name);
		}
	}
	for (i = 0; i < st->nrows; i++) {
		if (st->rows[i].pid > 0 &&
		    util_proc_start_time(st->rows[i].pid, &st->rows[i].since) == -1)
			st->rows[i].since = 0;
	}
}

/* Local "YYYY-mm-dd HH:MM:SS", or UTC ISO 8601 for JSON; "-" when unknown. */
static const char *
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

/* Write s as a JSON string, or null. */
static void
status_json_str(FILE *out, const char *s)
{
	const unsigned char	*p;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
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

static void
status_print_jobs(struct status *st, FILE *out, int json)
{
	const struct status_row	*r;
	char			 pid[16], when[32];
	size_t			 i;

	if (json)
		fputs("  \"jobs\": [", out);
	else
		fprintf(out, "%-20s %-10s %-8s %-19s  %s\n", "JOB", "STATE",
		    "PID", "SINCE", "COMMAND");
	for (i = 0; i < st->nrows; i++) {
		r = &st->rows[i];
		if (!json) {
			snprintf(pid, sizeof(pid), r->pid > 0 ? "%ld" : "-",
			    (long)r->pid);
			fprintf(out, "%-20s %-10s %-8s %-19s  %s\n", r->name,
			    r->state, pid, status_time(r->since, 0, when,
			    sizeof(when)), r->command ? r->command : "");
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
		status_json_pid(out, r->pid);
		fputs(", \"since\": ", out);
		status_json_str(out, status_time(r->since, 1, when,
		    sizeof(when)));
		fprintf(out, ", \"since_epoch\": ");
		if (r->since)
			fprintf(out, "%lld", (long long)r->since);
		else
			fputs("null", out);
		fputs(", \"pid_file\": ", out);
		status_json_str(out, r->file);
		fputs(", \"command\": ", out);
		status_json_str(out, r->command);
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
	const struct conf_sem	*s;
	struct status_file	 f;
	char			*path, *holders = NULL, *tmp;
	size_t			 i;
	unsigned		 k, used;
	int			 first;

	if (json)
		fputs("  \"semaphores\": [", out);
	else if (st->conf->nsems > 0)
		fprintf(out, "%-20s %-10s %s\n", "SEMAPHORE", "USED",
		    "HOLDERS");
	for (i = 0; i < st->conf->nsems; i++) {
		s = &st->conf->sems[i];
		if (json) {
			fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
			status_json_str(out, s->name);
			fprintf(out, ", \"slots\": %u, \"holders\": [", s->slots);
		}
		holders = util_xstrdup("");
		used = 0;
		first = 1;
		for (k = 0; k < s->slots; k++) {
			util_xasprintf(&path, "%s/%s.%02u.lock", st->dir,
			    s->name, k);
			status_file(st, path, &f);
			free(path);
			if (strcmp(f.state, "free") == 0)
				continue;
			used++;
			if (f.pid == 0 && f.nholders > 0)
				f.pid = f.holders[0].pid;
			if (json) {
				fprintf(out, "%s{\"slot\": %u, \"pid\": ",
				    first ? "" : ", ", k);
				status_json_pid(out, f.pid);
				fputs(", \"job\": ", out);
				status_json_str(out, *f.label ? f.label : NULL);
				fprintf(out, ", \"verified\": %s}",
				    st->have_table ? "true" : "false");
			} else {
				util_xasprintf(&tmp, "%s%sslot %02u: pid %ld%s%s%s",
				    holders, first ? "" : ", ", k, (long)f.pid,
				    *f.label ? " (" : "", f.label,
				    *f.label ? ")" : "");
				free(holders);
				holders = tmp;
			}
			first = 0;
		}
		if (json)
			fprintf(out, "], \"used\": %u}", used);
		else {
			util_xasprintf(&tmp, "%u/%u", used, s->slots);
			fprintf(out, "%-20s %-10s %s\n", s->name, tmp,
			    *holders ? holders : "-");
			free(tmp);
		}
		free(holders);
	}
	if (json)
		fputs(st->conf->nsems ? "\n  ],\n" : "],\n", out);
	else if (st->conf->nsems > 0)
		fputc('\n', out);
}

/* Named locks that are held now: mode and holders (lockrun processes). */
static void
status_print_locks(struct status *st, FILE *out, int json)
{
	const struct conf_lock	*l;
	struct status_file	 f;
	const char		*mode;
	char			*path, pids[256];
	size_t			 i, k, m, off, nseen = 0;
	const char		**seen = NULL;
	int			 first = 1;

	if (json)
		fputs("  \"locks\": [", out);
	for (i = 0; i < st->conf->njobs; i++) {
		for (k = 0; k < st->conf->jobs[i].nlocks; k++) {
			l = &st->conf->jobs[i].locks[k];
			for (m = 0; m < nseen; m++) {
				if (strcmp(seen[m], l->name) == 0)
					break;
			}
			if (m < nseen)
				continue;
			seen = util_xreallocarray(seen, nseen + 1,
			    sizeof(*seen));
			seen[nseen++] = l->name;
			if (l->is_path)
				path = util_xstrdup(l->name);
			else
				util_xasprintf(&path, "%s/%s.lock", st->dir,
				    l->name);
			status_file(st, path, &f);
			/* Named locks: the held ones; ad hoc: each asked for. */
			if (f.nholders == 0 && !st->adhoc) {
				free(path);
				continue;
			}
			mode = f.nholders == 0 ? "free" : f.holders[0].shared ?
			    "shared" : "exclusive";
			if (json) {
				fprintf(out, "%s\n    {\"name\": ",
				    first ? "" : ",");
				status_json_str(out, l->name);
				fputs(", \"path\": ", out);
				status_json_str(out, path);
				fprintf(out, ", \"mode\": \"%s\", \"pids\": [",
				    mode);
				for (m = 0; m < f.nholders; m++)
					fprintf(out, "%s%ld", m ? ", " : "",
					    (long)f.holders[m].pid);
				fputs("]}", out);
			} else {
				if (first)
					fprintf(out, "%-20s %-10s %s\n", "LOCK",
					    "MODE", "HOLDERS");
				pids[0] = '\0';
				for (m = 0, off = 0; m < f.nholders &&
				    off < sizeof(pids); m++)
					off += snprintf(pids + off,
					    sizeof(pids) - off, "%spid %ld",
					    m ? ", " : "",
					    (long)f.holders[m].pid);
				fprintf(out, "%-20s %-10s %s\n", l->name,
				    mode, *pids ? pids : "-");
			}
			first = 0;
			free(path);
		}
	}
	free(seen);
	if (json)
		fputs(first ? "]\n" : "\n  ]\n", out);
}

/*
 * Print the status of every job, semaphore and held named lock of conf, as
 * a table or as one JSON document (schema in lockrun(1)). STATUS_ADHOC:
 * the --lock paths and --semaphore of the command line, free ones too.
 */
int
status_print(FILE *out, const struct conf *conf, const char *dir, int json,
    int flags)
{
	struct status	st;
	size_t		i;

	memset(&st, 0, sizeof(st));
	st.conf = conf;
	st.dir = dir;
	st.adhoc = flags & STATUS_ADHOC;
	st.have_table = lock_table_load(&st.table) == 0;
	if (!st.adhoc)
		status_collect_jobs(&st);

	if (json) {
		fputs("{\n  \"version\": 1,\n  \"lock_dir\": ", out);
		status_json_str(out, dir);
		fprintf(out, ",\n  \"proc_locks\": %s,\n",
		    st.have_table ? "true" : "false");
	} else if (!st.have_table)
		fprintf(out, "note: /proc/locks cannot be read: nobody can "
		    "tell held locks from stale files here; PIDs are those "
		    "written in the files (unverified)\n\n");
	if (!st.adhoc || json)
		status_print_jobs(&st, out, json);
	status_print_sems(&st, out, json);
	status_print_locks(&st, out, json);
	if (json)
		fputs("}\n", out);

	for (i = 0; i < st.nrows; i++)
		free(st.rows[i].file);
	free(st.rows);
	lock_table_free(&st.table);
	return (ferror(out) ? -1 : 0);
}
