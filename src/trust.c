/*
 * trust.c: what lockrun trusts on a host shared with other users.
 *
 * Whoever owns a directory can remove or rename anything in it, sticky bit
 * or not, and whoever owns a file in a sticky directory can remove that
 * file. So a path is trusted only the way OpenSSH's StrictModes trusts one:
 * every directory on it, from /, is owned by root or by us and writable by
 * nobody else unless it has the sticky bit (as /tmp does); every symlink met
 * on the way belongs to root or to us. Then nobody else can swap anything on
 * the path between our check and our use of it.
 *
 * A file's contents (a PID) are trusted only when the file belongs to root
 * or to us; the locks themselves come from the kernel, whoever made the file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"
#include "util.h"

#define TRUST_MAX_LINKS	40	/* as the kernel's ELOOP limit */

/* May a file or directory owned by uid be trusted: root's, or ours? */
int
trust_owner(uid_t uid)
{
	return (uid == 0 || uid == geteuid());
}

/* "user bob", or "uid 1234" when the user has no name. */
void
trust_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd	 pw, *res = NULL;
	char		 tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, len, "user %s", pw.pw_name);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
}

/* Say why path cannot be trusted; errno EPERM. */
static int __attribute__((format(printf, 3, 4)))
trust_refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	errno = EPERM;
	return (-1);
}

/* One directory on the path, by its lstat. */
static int
trust_one_dir(const char *path, const struct stat *st, char *why, size_t len)
{
	char	who[64];

	if (!trust_owner(st->st_uid)) {
		trust_user_name(st->st_uid, who, sizeof(who));
		return (trust_refuse(why, len, "%s is owned by %s", path, who));
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
		return (trust_refuse(why, len, "%s is writable by %s and has "
		    "no sticky bit", path, st->st_mode & S_IWOTH ? "everyone" :
		    "its group"));
	return (0);
}

/*
 * Walk path from /, following symlinks as the kernel would: every
 * directory met must be trusted (trust_one_dir), every symlink root's or
 * ours. With want_dir the last component must be a directory too, and is
 * checked as one; else it may be anything (a file, checked by the caller),
 * and only the directories above it count. With resolved, the path with
 * every link resolved is returned there (to be freed). 0 if trusted; -1
 * and errno otherwise: EPERM with the reason in why ("/tmp/x is owned by
 * user bob"), or what lstat or readlink said (why empty).
 */
static int
trust_walk(const char *path, int want_dir, char **resolved, char *why,
    size_t len)
{
	struct stat	 st;
	char		 done[PATH_MAX], link[PATH_MAX], cwd[PATH_MAX];
	char		*todo, *comp, *next, *tmp;
	size_t		 dlen;
	ssize_t		 n;
	int		 links = 0, rc = -1;

	why[0] = '\0';
	if (*path == '/')
		todo = util_xstrdup(path);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return (-1);
		util_xasprintf(&todo, "%s/%s", cwd, path);
	}
	if (lstat("/", &st) == -1 || trust_one_dir("/", &st, why, len) == -1)
		goto out;
	done[0] = '\0';			/* "" is "/" */
	for (comp = todo; comp != NULL; comp = next) {
		while (*comp == '/')
			comp++;
		if ((next = strchr(comp, '/')) != NULL)
			*next++ = '\0';
		if (*comp == '\0' || strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {	/* done has no links left */
			if ((tmp = strrchr(done, '/')) != NULL)
				*tmp = '\0';
			continue;
		}
		dlen = strlen(done);
		if (dlen + 1 + strlen(comp) >= sizeof(done)) {
			errno = ENAMETOOLONG;
			goto out;
		}
		snprintf(done + dlen, sizeof(done) - dlen, "/%s", comp);
		if (lstat(done, &st) == -1)
			goto out;
		if (S_ISLNK(st.st_mode)) {
			if (!trust_owner(st.st_uid)) {
				trust_user_name(st.st_uid, link, sizeof(link));
				trust_refuse(why, len, "%s is a symlink owned "
				    "by %s", done, link);
				goto out;
			}
			if (++links > TRUST_MAX_LINKS) {
				errno = ELOOP;
				goto out;
			}
			if ((n = readlink(done, link, sizeof(link) - 1)) == -1)
				goto out;
			link[n] = '\0';
			if (link[0] == '/')
				done[0] = '\0';
			else
				done[dlen] = '\0';
			/* Go on with the link's target, then the rest. */
			util_xasprintf(&tmp, "%s/%s", link, next != NULL ?
			    next : "");
			free(todo);
			todo = tmp;
			next = todo;
			continue;
		}
		/* The last component of a file path: the caller checks it. */
		if (!want_dir && (next == NULL || next[strspn(next, "/")] ==
		    '\0'))
			break;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto out;
		}
		if (trust_one_dir(done, &st, why, len) == -1)
			goto out;
	}
	if (resolved != NULL)
		*resolved = util_xstrdup(*done != '\0' ? done : "/");
	rc = 0;

out:
	free(todo);
	return (rc);
}

/*
 * Check every directory of the path dir, dir included, following symlinks
 * as the kernel would (trust_walk).
 */
int
trust_dir(const char *dir, char *why, size_t len)
{
	return (trust_walk(dir, 1, NULL, why, len));
}

/*
 * Check the directories a file path goes through, following every link,
 * the last one too: every link must be root's or ours, and every directory
 * trusted. *resolved gets the file's real path (to be freed): open that,
 * with O_NOFOLLOW, and nobody else can swap what it names.
 */
int
trust_file_path(const char *path, char **resolved, char *why, size_t len)
{
	return (trust_walk(path, 0, resolved, why, len));
}

/* trust_dir on the directory that holds path. */
int
trust_parent(const char *path, char *why, size_t len)
{
	char	*dir, *slash;
	int	 rc;

	dir = util_xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		rc = trust_dir(".", why, len);
	else {
		slash[slash == dir] = '\0';	/* "/x" -> "/" */
		rc = trust_dir(dir, why, len);
	}
	free(dir);
	return (rc);
}

/*
 * A file we are about to trust, by its fstat: ours or root's, and with
 * strict, writable by nobody else either. -1, errno EPERM and why if not.
 */
int
trust_file(const struct stat *st, const char *path, int strict, char *why,
    size_t len)
{
	char	who[64];

	why[0] = '\0';
	if (!trust_owner(st->st_uid)) {
		trust_user_name(st->st_uid, who, sizeof(who));
		return (trust_refuse(why, len, "%s is owned by %s", path, who));
	}
	if (strict && (st->st_mode & (S_IWGRP | S_IWOTH)))
		return (trust_refuse(why, len, "%s is writable by %s", path,
		    st->st_mode & S_IWOTH ? "everyone" : "its group"));
	return (0);
}

/*
 * Open path for appending (a job's log file) so that nobody else can
 * choose what we write to: every directory on its path trusted, never
 * through a symlink, only a regular file of root's or ours, never blocking
 * on a FIFO another user planted. A new file gets mode whatever the umask.
 * The descriptor, or -1 and errno, with why set when it is one of trust.
 */
int
trust_open_append(const char *path, mode_t mode, char *why, size_t len)
{
	struct stat	st;
	int		fd, fl, saved;

	if (trust_parent(path, why, len) == -1)
		return (-1);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode);
	if (fd != -1) {
		if (fchmod(fd, mode) == -1)
			goto fail;
	} else if (errno == EEXIST) {
		fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC | O_NOCTTY);
		if (fd == -1) {
			if (errno == ENXIO || errno == ELOOP) /* FIFO, link */
				goto notreg;
			return (-1);
		}
		if (fstat(fd, &st) == -1)
			goto fail;
		if (!S_ISREG(st.st_mode)) {
			close(fd);
			goto notreg;
		}
		if (trust_file(&st, path, 0, why, len) == -1)
			goto fail;
		if (st.st_nlink > 1) {
			close(fd);
			return (trust_refuse(why, len, "%s has other hard "
			    "links", path));
		}
	} else
		return (-1);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto fail;
	return (fd);

notreg:
	return (trust_refuse(why, len, "%s is not a regular file (a "
	    "symlink, FIFO or device)", path));

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}
