/* check_lock.c: flock files. Two open()s of one file contend, so no fork. */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

#include "check_common.h"

static char *
tpath(const char *name)
{
	char	*p;

	util_xasprintf(&p, "%s/%s", tmpdir, name);
	return (p);
}

START_TEST(test_lock_exclusive_contends)
{
	struct lock	a, b;
	char		*p = tpath("x.lock");

	lock_init(&a, p, LOCK_EXCLUSIVE);
	lock_init(&b, p, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&a), 0);
	ck_assert_int_eq(lock_try(&b), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	lock_release(&a);
	ck_assert_int_eq(lock_try(&b), 0);
	ck_assert_int_eq(lock_try(&a), -1);
	lock_free(&a);
	lock_free(&b);
	free(p);
}
END_TEST

START_TEST(test_lock_shared_overlap)
{
	struct lock	a, b, x;
	char		*p = tpath("s.lock");

	lock_init(&a, p, LOCK_SHARED);
	lock_init(&b, p, LOCK_SHARED);
	lock_init(&x, p, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&a), 0);
	ck_assert_int_eq(lock_try(&b), 0);
	ck_assert_int_eq(lock_try(&x), -1);
	lock_release(&a);
	ck_assert_int_eq(lock_try(&x), -1);
	lock_close(&b);
	ck_assert_int_eq(lock_try(&x), 0);
	ck_assert_int_eq(lock_try(&a), -1);
	lock_free(&a);
	lock_free(&b);
	lock_free(&x);
	free(p);
}
END_TEST

START_TEST(test_lock_close_releases_keeps_file)
{
	struct lock	a, b;
	char		*p = tpath("c.lock");

	lock_init(&a, p, LOCK_EXCLUSIVE);
	lock_init(&b, p, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&a), 0);
	lock_close(&a);
	ck_assert_int_eq(access(p, F_OK), 0);	/* never unlinked */
	ck_assert_int_eq(lock_try(&b), 0);
	lock_free(&a);
	lock_free(&b);
	free(p);
}
END_TEST

START_TEST(test_lock_refuses_symlink_and_fifo)
{
	struct lock	l;
	char		*target = tpath("target"), *link = tpath("link.lock");
	char		*fifo = tpath("fifo.lock"), *dir = tpath("dir.lock");

	ck_assert_int_eq(symlink(target, link), 0);
	lock_init(&l, link, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&l), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(access(target, F_OK), -1);	/* not created */
	lock_free(&l);

	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	lock_init(&l, fifo, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&l), -1);
	ck_assert_int_eq(errno, LOCK_ENOTREG);
	ck_assert_str_eq(lock_strerror(errno), "not a regular file");
	lock_free(&l);

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	lock_init(&l, dir, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&l), -1);
	lock_free(&l);
	free(target);
	free(link);
	free(fifo);
	free(dir);
}
END_TEST

START_TEST(test_lock_descriptor_is_cloexec)
{
	struct lock	l;
	char		*p = tpath("e.lock");

	lock_init(&l, p, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&l), 0);
	ck_assert(fcntl(l.fd, F_GETFD) & FD_CLOEXEC);
	lock_free(&l);
	free(p);
}
END_TEST

START_TEST(test_lock_pid_roundtrip)
{
	struct lock	l;
	char		*p = tpath("job.pid"), label[32];

	lock_init(&l, p, LOCK_EXCLUSIVE);

	ck_assert_int_eq(lock_write_pid(&l, 4242, NULL), -1);	/* not held */
	ck_assert_int_eq(lock_try(&l), 0);
	ck_assert_int_eq(lock_write_pid(&l, 123456, "backup"), 0);
	ck_assert_int_eq(lock_read_pid(p, label, sizeof(label)), 123456);
	ck_assert_str_eq(label, "backup");
	/* Shorter, no label: the old contents are gone. */
	ck_assert_int_eq(lock_write_pid(&l, 4242, NULL), 0);
	ck_assert_int_eq(lock_read_pid(p, label, sizeof(label)), 4242);
	ck_assert_str_eq(label, "");
	ck_assert_int_eq(lock_clear_pid(&l), 0);
	ck_assert_int_eq(lock_read_pid(p, NULL, 0), 0);
	lock_free(&l);
	free(p);
}
END_TEST

/* A file the user named (--lock) keeps its contents: flock(1) never writes. */
START_TEST(test_lock_user_file_untouched)
{
	struct lock	l;
	char		*p = tpath("data"), buf[16];
	int		 fd;

	ck_assert_int_ne(fd = open(p, O_RDWR | O_CREAT, 0644), -1);
	ck_assert_int_eq(write(fd, "keep me\n", 8), 8);
	lock_init(&l, p, LOCK_EXCLUSIVE);
	l.user = 1;
	ck_assert_int_eq(lock_try(&l), 0);
	ck_assert_int_eq(lock_write_pid(&l, 4242, NULL), 0);
	ck_assert_int_eq(lock_clear_pid(&l), 0);
	lock_free(&l);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), 0), 8);
	ck_assert_int_eq(memcmp(buf, "keep me\n", 8), 0);
	close(fd);
	free(p);
}
END_TEST

START_TEST(test_lock_mode_ignores_umask)
{
	struct lock	l;
	struct stat	st;
	char		*p = tpath("m.lock");

	umask(077);
	lock_init(&l, p, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&l), 0);
	ck_assert_int_eq(fstat(l.fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, LOCK_FILE_MODE);
	lock_free(&l);
	free(p);
}
END_TEST

START_TEST(test_lock_permission_denied_is_said)
{
	struct lock	l;
	char		*d = tpath("ro"), *p = tpath("ro/x.lock");

	ck_assert_int_eq(mkdir(d, 0755), 0);
	if (become_nobody()) {
		/* Cannot create it: EACCES, not the read-only retry's ENOENT. */
		lock_init(&l, p, LOCK_EXCLUSIVE);
		ck_assert_int_eq(lock_try(&l), -1);
		ck_assert_int_eq(errno, EACCES);
		lock_free(&l);
	}
	free(d);
	free(p);
}
END_TEST

START_TEST(test_lock_own_refuses_foreign_file)
{
	struct lock	l;
	char		*p = tpath("job.pid");
	int		fd;

	if (geteuid() != 0)
		return;
	ck_assert_int_ne(fd = open(p, O_CREAT | O_WRONLY, 0644), -1);
	ck_assert_int_eq(write(fd, "1\n", 2), 2);
	ck_assert_int_eq(fchown(fd, 65534, 65534), 0);
	close(fd);
	/* Its owner could remove it while we hold it: not for a PID file. */
	lock_init(&l, p, LOCK_EXCLUSIVE);
	l.own = 1;
	ck_assert_int_eq(lock_try(&l), -1);
	ck_assert_int_eq(errno, LOCK_EFOREIGN);
	lock_free(&l);
	/* Nor is what it says trusted. */
	ck_assert_int_eq(lock_read_pid(p, NULL, 0), 0);
	/* A semaphore slot or named lock may be anyone's. */
	lock_init(&l, p, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&l), 0);
	lock_free(&l);
	free(p);
}
END_TEST

START_TEST(test_lock_unlinked_file_is_relocked)
{
	struct lock	a, b;
	char		*p = tpath("u.lock");

	/* a holds the old inode; after unlink, b must not believe it holds p. */
	lock_init(&a, p, LOCK_EXCLUSIVE);
	lock_init(&b, p, LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_open(&b), 0);	/* b opened the old inode */
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(lock_try(&a), 0);	/* a creates and locks a new one */
	ck_assert_int_eq(lock_try(&b), -1);	/* b notices and contends */
	ck_assert_int_eq(errno, EWOULDBLOCK);
	lock_free(&a);
	lock_free(&b);
	free(p);
}
END_TEST


int
main(void)
{
	Suite	*s = suite_create("lock");
	TCase	*tc = tcase_create("lock");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_lock_exclusive_contends);
	tcase_add_test(tc, test_lock_user_file_untouched);
	tcase_add_test(tc, test_lock_shared_overlap);
	tcase_add_test(tc, test_lock_close_releases_keeps_file);
	tcase_add_test(tc, test_lock_refuses_symlink_and_fifo);
	tcase_add_test(tc, test_lock_descriptor_is_cloexec);
	tcase_add_test(tc, test_lock_pid_roundtrip);
	tcase_add_test(tc, test_lock_mode_ignores_umask);
	tcase_add_test(tc, test_lock_permission_denied_is_said);
	tcase_add_test(tc, test_lock_own_refuses_foreign_file);
	tcase_add_test(tc, test_lock_unlinked_file_is_relocked);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
