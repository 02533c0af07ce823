/*
 * runas.c: acting as a job's user (user =, root only). Its log files are
 * opened, and its directory vetted, with its rights and trusting what it
 * owns: root's effective ids become the user's for that, and come back.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "runas.h"
#include "util.h"

/*
 * Look up user name (or a number) and its groups; 0, or -1 with errno
 * (ENOENT: no such user).
 */
int
runas_lookup(struct runas *r, const char *name)
{
	struct passwd	*pw;
	int		 n = 32;

	memset(r, 0, sizeof(*r));
	errno = 0;
	if (util_user(name, &r->uid, &r->gid) == -1 ||
	    (pw = getpwuid(r->uid)) == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return (-1);
	}
	for (;;) {
		r->groups = util_xreallocarray(r->groups, n, sizeof(*r->groups));
		r->ngroups = n;
		if (getgrouplist(pw->pw_name, r->gid, r->groups,
		    &r->ngroups) != -1)
			break;
		n = r->ngroups > n ? r->ngroups : n * 2;
	}
	return (0);
}

/* A copy of src (looked up, not acting), to be freed. */
void
runas_copy(struct runas *dst, const struct runas *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->uid = src->uid;
	dst->gid = src->gid;
	dst->ngroups = src->ngroups;
	dst->groups = util_xcalloc((size_t)src->ngroups + 1,
	    sizeof(*dst->groups));
	memcpy(dst->groups, src->groups, (size_t)src->ngroups *
	    sizeof(*dst->groups));
}

/* Act as the user: 0, or -1 with errno and nothing changed. */
int
runas_on(struct runas *r)
{
	int	saved;

	r->saved_egid = getegid();
	if ((r->nsaved = getgroups(0, NULL)) == -1)
		return (-1);
	r->saved = util_xcalloc((size_t)r->nsaved + 1, sizeof(*r->saved));
	if (getgroups(r->nsaved, r->saved) == -1 ||
	    setgroups((size_t)r->ngroups, r->groups) == -1) {
		saved = errno;
		free(r->saved);
		r->saved = NULL;
		errno = saved;
		return (-1);
	}
	if (setegid(r->gid) == -1 || seteuid(r->uid) == -1) {
		saved = errno;
		runas_off(r);
		errno = saved;
		return (-1);
	}
	return (0);
}

/* Root again, as before runas_on; errno is kept. */
void
runas_off(struct runas *r)
{
	int	saved = errno;

	/* Root again first: only root may set the rest back. */
	if (seteuid(0) == -1 || setegid(r->saved_egid) == -1 ||
	    setgroups((size_t)r->nsaved, r->saved) == -1) {
		log_warn("cannot become root again");
		abort();	/* acting as a job's user from now on is worse */
	}
	free(r->saved);
	r->saved = NULL;
	errno = saved;
}

void
runas_free(struct runas *r)
{
	free(r->groups);
	free(r->saved);
	memset(r, 0, sizeof(*r));
}
