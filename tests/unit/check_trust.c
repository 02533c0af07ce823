/* check_trust.c: which paths and files lockrun trusts on a shared host. */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"
#include "util.h"

#include "check_common.h"

static char *
tpath(const char *name)
{
	char	*p;

	util_xasprintf(&p, "%s/%s", tmpdir, name);
	return (p);
}

START_TEST(test_trust_dir_ours_and_sticky)
{
	char	why[256], *a = tpath("a"), *d = tpath("a/b");

	ck_assert_int_eq(mkdir(a, 0755), 0);
	ck_assert_int_eq(mkdir(d, 0700), 0);
	ck_assert_int_eq(trust_dir(d, why, sizeof(why)), 0);
	/* World-writable: only with the sticky bit (/tmp's 1777). */
	ck_assert_int_eq(chmod(d, 0777), 0);
	ck_assert_int_eq(trust_dir(d, why, sizeof(why)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(why, "no sticky bit"));
	ck_assert_int_eq(chmod(d, 01777), 0);
	ck_assert_int_eq(trust_dir(d, why, sizeof(why)), 0);
	/* Group-writable, the same. */
	ck_assert_int_eq(chmod(d, 0775), 0);
	ck_assert_int_eq(trust_dir(d, why, sizeof(why)), -1);
	/* A directory above counts as much as the last. */
	ck_assert_int_eq(chmod(d, 0755), 0);
	ck_assert_int_eq(chmod(a, 0777), 0);
	ck_assert_int_eq(trust_dir(d, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "/a is writable by everyone"));
	ck_assert_int_eq(trust_dir("/", why, sizeof(why)), 0);
	free(a);
	free(d);
}
END_TEST

START_TEST(test_trust_dir_foreign_owner)
{
	char	why[256], *d = tpath("theirs");

	if (geteuid() != 0)
		return;
	/* The owner may remove anything in it, sticky bit or not. */
	ck_assert_int_eq(mkdir(d, 01777), 0);
	ck_assert_int_eq(chmod(d, 01777), 0);
	ck_assert_int_eq(chown(d, 65534, 65534), 0);
	ck_assert_int_eq(trust_dir(d, why, sizeof(why)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(why, "is owned by"));
	free(d);
}
END_TEST

START_TEST(test_trust_dir_symlinks)
{
	char	why[256], *real = tpath("real"), *link = tpath("link");
	char	*rel;

	ck_assert_int_eq(mkdir(real, 0755), 0);
	ck_assert_int_eq(symlink("real", link), 0);
	ck_assert_int_eq(trust_dir(link, why, sizeof(why)), 0);
	/* The target counts, not the link: */
	ck_assert_int_eq(chmod(real, 0777), 0);
	ck_assert_int_eq(trust_dir(link, why, sizeof(why)), -1);
	ck_assert_int_eq(chmod(real, 0755), 0);
	if (geteuid() == 0) {
		/* ... and a link of another user's may be swapped at any time. */
		ck_assert_int_eq(lchown(link, 65534, 65534), 0);
		ck_assert_int_eq(trust_dir(link, why, sizeof(why)), -1);
		ck_assert_ptr_nonnull(strstr(why, "is a symlink owned by"));
	}
	/* Relative paths and dot-dot. */
	ck_assert_int_eq(chdir(tmpdir), 0);
	util_xasprintf(&rel, "real/../real/.");
	ck_assert_int_eq(trust_dir(rel, why, sizeof(why)), 0);
	ck_assert_int_eq(trust_dir("nope", why, sizeof(why)), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(rel);
	free(real);
	free(link);
}
END_TEST

START_TEST(test_trust_file_owner_and_mode)
{
	struct stat	st;
	char		why[256];

	memset(&st, 0, sizeof(st));
	st.st_uid = geteuid();
	st.st_mode = S_IFREG | 0644;
	ck_assert_int_eq(trust_file(&st, "f", 1, why, sizeof(why)), 0);
	st.st_mode = S_IFREG | 0664;
	ck_assert_int_eq(trust_file(&st, "f", 1, why, sizeof(why)), -1);
	ck_assert_int_eq(trust_file(&st, "f", 0, why, sizeof(why)), 0);
	st.st_mode = S_IFREG | 0644;
	st.st_uid = geteuid() == 0 ? 65534 : geteuid() + 1;
	ck_assert_int_eq(trust_file(&st, "f", 0, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "f is owned by"));
}
END_TEST

START_TEST(test_trust_open_append)
{
	struct stat	st;
	char		why[256], *p = tpath("job.log"), *l = tpath("link.log");
	char		*f = tpath("fifo.log");
	int		fd;

	umask(0);
	ck_assert_int_ne(fd = trust_open_append(p, 0640, why, sizeof(why)),
	    -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);	/* whatever the umask */
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	/* Appends to an existing one of ours. */
	ck_assert_int_ne(fd = trust_open_append(p, 0640, why, sizeof(why)),
	    -1);
	close(fd);
	/* Never through a link, never a FIFO (which would block us). */
	ck_assert_int_eq(symlink(p, l), 0);
	ck_assert_int_eq(trust_open_append(l, 0640, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "not a regular file"));
	ck_assert_int_eq(mkfifo(f, 0666), 0);
	ck_assert_int_eq(trust_open_append(f, 0640, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "not a regular file"));
	if (geteuid() == 0) {
		/* Another user's file: they chose its mode and can read it. */
		ck_assert_int_eq(chown(p, 65534, 65534), 0);
		ck_assert_int_eq(trust_open_append(p, 0640, why, sizeof(why)),
		    -1);
		ck_assert_ptr_nonnull(strstr(why, "is owned by"));
	}
	free(p);
	free(l);
	free(f);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("trust");
	TCase	*tc = tcase_create("trust");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_trust_dir_ours_and_sticky);
	tcase_add_test(tc, test_trust_dir_foreign_owner);
	tcase_add_test(tc, test_trust_dir_symlinks);
	tcase_add_test(tc, test_trust_file_owner_and_mode);
	tcase_add_test(tc, test_trust_open_append);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
