/* check_sem.c: semaphore slots over flock files. */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sem.h"
#include "util.h"

#include "check_common.h"

START_TEST(test_sem_caps_holders)
{
	struct sem	s[4];
	int		i;

	for (i = 0; i < 4; i++)
		sem_init(&s[i], tmpdir, "heavy", 3, LOCKDIR_SLOT);
	ck_assert_int_eq(sem_try(&s[0]), 0);
	ck_assert_int_eq(sem_try(&s[1]), 0);
	ck_assert_int_eq(sem_try(&s[2]), 0);
	ck_assert_int_eq(sem_try(&s[3]), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	/* Three different slots. */
	ck_assert_int_ne(s[0].held, s[1].held);
	ck_assert_int_ne(s[1].held, s[2].held);
	ck_assert_int_ne(s[0].held, s[2].held);
	sem_release(&s[1]);
	ck_assert_int_eq(sem_try(&s[3]), 0);
	for (i = 0; i < 4; i++)
		sem_free(&s[i]);
}
END_TEST

START_TEST(test_sem_portalocker_names)
{
	struct sem	s;
	char		*p, *path;

	sem_init(&s, tmpdir, "gpu", 12, LOCKDIR_SLOT);
	ck_assert_int_eq(sem_try(&s), 0);
	util_xasprintf(&p, "%s/gpu.%02d.lock", tmpdir, s.held);
	ck_assert_str_eq(sem_held_lock(&s)->path, p);
	ck_assert_int_eq(access(p, F_OK), 0);
	free(p);
	util_xasprintf(&p, "%s/gpu.11.lock", tmpdir);
	path = sem_slot_path(&s, 11);
	ck_assert_str_eq(path, p);
	free(path);
	free(p);
	ck_assert_int_eq(sem_slot_of(&s, "gpu.11.lock"), 11);
	ck_assert_int_eq(sem_slot_of(&s, "gpu.00.lock"), 0);
	ck_assert_int_eq(sem_slot_of(&s, "gpu.12.lock"), -1);	/* no such slot */
	ck_assert_int_eq(sem_slot_of(&s, "gpu.1.lock"), -1);
	ck_assert_int_eq(sem_slot_of(&s, "gpux.01.lock"), -1);
	ck_assert_int_eq(sem_slot_of(&s, "gpu.01.pid"), -1);
	sem_free(&s);
}
END_TEST

START_TEST(test_sem_scan_starts_apart)
{
	struct sem	a, b;

	/* A contender does not rescan from slot 0 after taking a slot. */
	sem_init(&a, tmpdir, "x", 4, LOCKDIR_SLOT);
	sem_init(&b, tmpdir, "x", 4, LOCKDIR_SLOT);
	ck_assert_int_eq(sem_try(&a), 0);
	ck_assert_uint_eq(a.start, (unsigned)(a.held + 1) % 4);
	sem_release(&a);
	ck_assert_int_eq(sem_try(&a), 0);
	ck_assert_int_eq(sem_try(&b), 0);
	ck_assert_int_ne(a.held, b.held);
	sem_free(&a);
	sem_free(&b);
}
END_TEST

START_TEST(test_sem_holds_one_file_after_taking)
{
	struct sem	a, b;

	sem_init(&a, tmpdir, "f", 8, LOCKDIR_SLOT);
	sem_init(&b, tmpdir, "f", 8, LOCKDIR_SLOT);
	a.start = 5;
	ck_assert_int_eq(sem_try(&a), 0);
	sem_close_spare(&a);
	ck_assert_ptr_null(a.slots);
	ck_assert_int_eq(a.held, 5);
	ck_assert_int_ne(sem_held_lock(&a)->fd, -1);
	/* Still held after the spares are closed. */
	b.start = 5;
	ck_assert_int_eq(sem_try(&b), 0);
	ck_assert_int_eq(b.held, 6);
	sem_release(&a);
	b.start = 5;
	sem_release(&b);
	ck_assert_int_eq(sem_try(&b), 0);
	ck_assert_int_eq(b.held, 5);
	sem_free(&a);
	sem_free(&b);
}
END_TEST

START_TEST(test_sem_marked_slots_only)
{
	struct sem	a, b;

	sem_init(&a, tmpdir, "m", 4, LOCKDIR_SLOT);
	sem_init(&b, tmpdir, "m", 4, LOCKDIR_SLOT);
	/* Slot 2 is free, but only slot 1 is marked: not found. */
	sem_mark(&b, 1);
	a.start = 1;
	ck_assert_int_eq(sem_try(&a), 0);
	ck_assert_int_eq(a.held, 1);
	ck_assert_int_eq(sem_try(&b), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	ck_assert_ptr_null(b.slots[2].path);	/* not even opened */
	sem_unmark(&b);
	ck_assert_int_eq(sem_try(&b), 0);	/* a full scan finds one */
	ck_assert_int_ne(b.held, 1);
	sem_free(&a);
	sem_free(&b);
}
END_TEST

START_TEST(test_sem_mode_ignores_umask)
{
	struct sem	s;
	struct stat	st;

	umask(077);
	sem_init(&s, tmpdir, "u", 2, LOCKDIR_SLOT);
	ck_assert_int_eq(sem_try(&s), 0);
	ck_assert_int_eq(fstat(sem_held_lock(&s)->fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);	/* others can open it */
	sem_free(&s);
}
END_TEST

START_TEST(test_sem_skips_unopenable_slot)
{
	struct sem	s;
	char		*p;
	int		fd;

	/* Slot 00 is root's and 0600: nobody cannot open it, but 01 will do. */
	util_xasprintf(&p, "%s/q.00.lock", tmpdir);
	ck_assert_int_ne(fd = open(p, O_CREAT | O_WRONLY, 0600), -1);
	close(fd);
	if (!become_nobody())
		goto out;
	sem_init(&s, tmpdir, "q", 2, LOCKDIR_SLOT);
	s.start = 0;
	ck_assert_int_eq(sem_try(&s), 0);
	ck_assert_int_eq(s.held, 1);
	sem_free(&s);
out:
	free(p);
}
END_TEST

START_TEST(test_sem_error_names_the_slot)
{
	struct sem	s;
	char		*d, *p;

	util_xasprintf(&d, "%s/ro", tmpdir);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	if (!become_nobody())
		goto out;
	sem_init(&s, d, "w", 3, LOCKDIR_SLOT);
	s.start = 1;
	ck_assert_int_eq(sem_try(&s), -1);
	ck_assert_int_eq(errno, EACCES);	/* not the read-only retry's */
	util_xasprintf(&p, "%s/w.01.lock", d);
	ck_assert_str_eq(sem_error_path(&s), p);	/* not "w.NN.lock" */
	free(p);
	sem_free(&s);
out:
	free(d);
}
END_TEST

START_TEST(test_sem_marked_bad_slot_scans_all)
{
	struct sem	a, b;
	char		*p;

	/* Slot 0 is a FIFO now; slot 1 is held, then free. */
	util_xasprintf(&p, "%s/b.00.lock", tmpdir);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	sem_init(&a, tmpdir, "b", 2, LOCKDIR_SLOT);
	sem_init(&b, tmpdir, "b", 2, LOCKDIR_SLOT);
	a.start = 1;
	ck_assert_int_eq(sem_try(&a), 0);
	ck_assert_int_eq(a.held, 1);
	/* A close event marked slot 0 only: busy, not "not a regular file". */
	sem_mark(&b, 0);
	ck_assert_int_eq(sem_try(&b), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	sem_release(&a);
	sem_mark(&b, 0);
	ck_assert_int_eq(sem_try(&b), 0);
	ck_assert_int_eq(b.held, 1);
	/* Every slot bad or taken by us: the error, after a full scan. */
	sem_free(&b);
	sem_init(&b, tmpdir, "b", 1, LOCKDIR_SLOT);
	sem_mark(&b, 0);
	ck_assert_int_eq(sem_try(&b), -1);
	ck_assert_int_eq(errno, LOCK_ENOTREG);
	sem_free(&a);
	sem_free(&b);
	free(p);
}
END_TEST

START_TEST(test_sem_out_of_descriptors)
{
	struct sem	s, other[3];
	struct rlimit	rl;
	int		i, fd;

	/* Slots 0-2 of 4 are busy; 3 is free, but there is no fd to open it. */
	sem_init(&s, tmpdir, "f", 4, LOCKDIR_SLOT);
	for (i = 0; i < 3; i++) {
		sem_init(&other[i], tmpdir, "f", 4, LOCKDIR_SLOT);
		other[i].start = i;
		ck_assert_int_eq(sem_try(&other[i]), 0);
		sem_close_spare(&other[i]);
	}
	ck_assert_int_ne(fd = dup(0), -1);
	close(fd);
	/* Room for slots 0-2 only, tried first. */
	rl.rlim_cur = rl.rlim_max = fd + 3;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	s.start = 0;
	ck_assert_int_eq(sem_try(&s), -1);
	ck_assert_int_eq(errno, EMFILE);	/* not EWOULDBLOCK: a wait */
	ck_assert_int_eq(s.failed, 3);		/* would never try slot 3 */
	sem_free(&s);
	for (i = 0; i < 3; i++)
		sem_free(&other[i]);
}
END_TEST

START_TEST(test_sem_size_claims_agree)
{
	struct lock	a, b, c;
	unsigned	theirs;

	ck_assert_int_eq(sem_claim_size(&a, tmpdir, "gpu", 2, &theirs), 0);
	ck_assert_int_eq(sem_claim_size(&b, tmpdir, "gpu", 2, &theirs), 0);
	/* Another size while they hold it: refused, and told what it is. */
	ck_assert_int_eq(sem_claim_size(&c, tmpdir, "gpu", 4, &theirs), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_uint_eq(theirs, 2);
	lock_free(&c);
	lock_free(&a);
	ck_assert_int_eq(sem_claim_size(&c, tmpdir, "gpu", 4, &theirs), -1);
	lock_free(&c);
	/* Nobody holds it any more: a new size is taken. */
	lock_free(&b);
	ck_assert_int_eq(sem_claim_size(&c, tmpdir, "gpu", 4, &theirs), 0);
	ck_assert_int_eq(sem_claim_size(&a, tmpdir, "gpu", 2, &theirs), -1);
	ck_assert_uint_eq(theirs, 4);
	lock_free(&a);
	lock_free(&c);
}
END_TEST

START_TEST(test_sem_close_releases)
{
	struct sem	a, b;

	sem_init(&a, tmpdir, "one", 1, LOCKDIR_SLOT);
	sem_init(&b, tmpdir, "one", 1, LOCKDIR_SLOT);
	ck_assert_int_eq(sem_try(&a), 0);
	ck_assert_int_eq(sem_try(&b), -1);
	sem_close(&a);
	ck_assert_int_eq(a.held, -1);
	ck_assert_int_eq(sem_try(&b), 0);
	sem_free(&a);
	sem_free(&b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("sem");
	TCase	*tc = tcase_create("sem");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_sem_caps_holders);
	tcase_add_test(tc, test_sem_portalocker_names);
	tcase_add_test(tc, test_sem_scan_starts_apart);
	tcase_add_test(tc, test_sem_close_releases);
	tcase_add_test(tc, test_sem_holds_one_file_after_taking);
	tcase_add_test(tc, test_sem_marked_slots_only);
	tcase_add_test(tc, test_sem_mode_ignores_umask);
	tcase_add_test(tc, test_sem_skips_unopenable_slot);
	tcase_add_test(tc, test_sem_error_names_the_slot);
	tcase_add_test(tc, test_sem_out_of_descriptors);
	tcase_add_test(tc, test_sem_marked_bad_slot_scans_all);
	tcase_add_test(tc, test_sem_size_claims_agree);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
