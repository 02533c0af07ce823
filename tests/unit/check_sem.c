/* check_sem.c: semaphore slots over flock files. */
#include "config.h"

#include <check.h>
#include <errno.h>
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
		sem_init(&s[i], tmpdir, "heavy", 3, ".lock");
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
	char		*p, path[4096];

	sem_init(&s, tmpdir, "gpu", 12, ".lock");
	ck_assert_int_eq(sem_try(&s), 0);
	util_xasprintf(&p, "%s/gpu.%02d.lock", tmpdir, s.held);
	ck_assert_str_eq(sem_held_lock(&s)->path, p);
	ck_assert_int_eq(access(p, F_OK), 0);
	free(p);
	util_xasprintf(&p, "%s/gpu.11.lock", tmpdir);
	sem_slot_path(&s, 11, path, sizeof(path));
	ck_assert_str_eq(path, p);
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
	sem_init(&a, tmpdir, "x", 4, ".lock");
	sem_init(&b, tmpdir, "x", 4, ".lock");
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

	sem_init(&a, tmpdir, "f", 8, ".lock");
	sem_init(&b, tmpdir, "f", 8, ".lock");
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

	sem_init(&a, tmpdir, "m", 4, ".lock");
	sem_init(&b, tmpdir, "m", 4, ".lock");
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

START_TEST(test_sem_close_releases)
{
	struct sem	a, b;

	sem_init(&a, tmpdir, "one", 1, ".lock");
	sem_init(&b, tmpdir, "one", 1, ".lock");
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
	suite_add_tcase(s, tc);
	return (check_run(s));
}
