/* check_zk_recipe.c: the fleet recipes, without a server (zk_recipe.c). */
#include "config.h"

#include <check.h>
#include <string.h>

#include "check_common.h"
#include "zk_recipe.h"

/* Parse names into v, in line; how many. */
static size_t
test_line(const char **names, size_t n, struct zk_node *v)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++) {
		if (zk_recipe_parse(names[i], &v[k]) == 0)
			k++;
	}
	zk_recipe_sort(v, k);
	return (k);
}

START_TEST(test_zk_recipe_parse_names)
{
	struct zk_node	n;
	char		buf[ZK_RECIPE_NAME_MAX + 16];

	zk_recipe_prefix(buf, ZK_RECIPE_NAME_MAX, 1, 0x01000091a41e0001ULL,
	    0x2a);
	ck_assert_str_eq(buf, "s-01000091a41e0001-0000002a-");
	strcat(buf, "0000000042");
	ck_assert_int_eq(zk_recipe_parse(buf, &n), 0);
	ck_assert(n.shared);
	ck_assert_uint_eq(n.session, 0x01000091a41e0001ULL);
	ck_assert_uint_eq(n.round, 0x2a);
	ck_assert_uint_eq(n.seq, 42);
	ck_assert_int_eq(zk_recipe_parse("x-0100009-00000001-0000000001", &n),
	    -1);
	ck_assert_int_eq(zk_recipe_parse("lock-0000000001", &n), -1);
	ck_assert_int_eq(zk_recipe_parse(
	    "x-01000091a41e0001-00000001-000000001", &n), -1);
	ck_assert_int_eq(zk_recipe_parse(
	    "x-01000091a41e0001-00000001-00000000012", &n), -1);
	ck_assert_int_eq(zk_recipe_parse(
	    "q-01000091a41e0001-00000001-0000000001", &n), -1);
	ck_assert_int_eq(zk_recipe_parse(
	    "x-01000091a41e000G-00000001-0000000001", &n), -1);
}
END_TEST

/* Sequence order, not name order: the session sorts before it. */
START_TEST(test_zk_recipe_sort_by_sequence)
{
	const char	*names[] = {
		"x-ffff000000000000-00000001-0000000003",
		"x-0000000000000001-00000001-0000000010",
		"someone-elses-node",
		"s-8000000000000000-00000002-0000000001",
	};
	struct zk_node	v[4];
	size_t		n;

	n = test_line(names, 4, v);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(v[0].seq, 1);
	ck_assert_uint_eq(v[1].seq, 3);
	ck_assert_uint_eq(v[2].seq, 10);
	ck_assert_uint_eq(zk_recipe_find(v, n, names[1]), 2);
	ck_assert_uint_eq(zk_recipe_find(v, n, "nope"), n);
}
END_TEST

/* A lock: the first holds, each other watches the one before it. */
START_TEST(test_zk_recipe_lock_watches_predecessor)
{
	const char	*names[] = {
		"x-0000000000000001-00000001-0000000001",
		"x-0000000000000002-00000001-0000000002",
		"x-0000000000000003-00000001-0000000003",
	};
	struct zk_node	v[3];
	size_t		w[2], nw, n;

	n = test_line(names, 3, v);
	ck_assert_int_eq(zk_recipe_eval(v, n, 0, 1, w, &nw), 1);
	ck_assert_uint_eq(nw, 0);
	ck_assert_int_eq(zk_recipe_eval(v, n, 1, 1, w, &nw), 0);
	ck_assert_uint_eq(nw, 1);
	ck_assert_uint_eq(w[0], 0);
	ck_assert_int_eq(zk_recipe_eval(v, n, 2, 1, w, &nw), 0);
	ck_assert_uint_eq(nw, 1);
	ck_assert_uint_eq(w[0], 1);
}
END_TEST

/*
 * A semaphore of 2: the first two hold; the first waiter watches both
 * holders (either may leave first), the next one only the node before it.
 */
START_TEST(test_zk_recipe_semaphore_first_waiter_watches_holders)
{
	const char	*names[] = {
		"x-0000000000000001-00000001-0000000001",
		"x-0000000000000002-00000001-0000000002",
		"x-0000000000000003-00000001-0000000003",
		"x-0000000000000004-00000001-0000000004",
	};
	struct zk_node	v[4];
	size_t		w[3], nw, n;

	n = test_line(names, 4, v);
	ck_assert_int_eq(zk_recipe_eval(v, n, 1, 2, w, &nw), 1);
	ck_assert_int_eq(zk_recipe_eval(v, n, 2, 2, w, &nw), 0);
	ck_assert_uint_eq(nw, 2);
	ck_assert_uint_eq(w[0], 0);
	ck_assert_uint_eq(w[1], 1);
	ck_assert_int_eq(zk_recipe_eval(v, n, 3, 2, w, &nw), 0);
	ck_assert_uint_eq(nw, 1);
	ck_assert_uint_eq(w[0], 2);
	/* The second holder leaves first: the first waiter holds. */
	v[1] = v[2];
	v[2] = v[3];
	ck_assert_int_eq(zk_recipe_eval(v, 3, 1, 2, w, &nw), 1);
}
END_TEST

/* Readers share until a writer; readers after a writer wait for it. */
START_TEST(test_zk_recipe_readers_and_writers)
{
	const char	*names[] = {
		"s-0000000000000001-00000001-0000000001",
		"s-0000000000000002-00000001-0000000002",
		"x-0000000000000003-00000001-0000000003",
		"s-0000000000000004-00000001-0000000004",
		"s-0000000000000005-00000001-0000000005",
	};
	struct zk_node	v[5];
	size_t		w[2], nw, n;

	n = test_line(names, 5, v);
	ck_assert_int_eq(zk_recipe_eval(v, n, 0, 1, w, &nw), 1);
	ck_assert_int_eq(zk_recipe_eval(v, n, 1, 1, w, &nw), 1);
	ck_assert_int_eq(zk_recipe_eval(v, n, 2, 1, w, &nw), 0);
	ck_assert_uint_eq(w[0], 1);
	ck_assert_int_eq(zk_recipe_eval(v, n, 3, 1, w, &nw), 0);
	ck_assert_uint_eq(nw, 1);
	ck_assert_uint_eq(w[0], 2);
	ck_assert_int_eq(zk_recipe_eval(v, n, 4, 1, w, &nw), 0);
	ck_assert_uint_eq(w[0], 2);
}
END_TEST

START_TEST(test_zk_recipe_data_round_trip)
{
	struct zk_holder	h;
	char			buf[600];
	int			len;

	len = zk_recipe_data(buf, sizeof(buf), "web\n3", 4242, "report",
	    1700000000);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(zk_recipe_data_parse(buf, len, &h), 0);
	ck_assert_str_eq(h.host, "web?3");
	ck_assert_int_eq(h.pid, 4242);
	ck_assert_str_eq(h.job, "report");
	ck_assert_int_eq(h.since, 1700000000);
	ck_assert_int_eq(zk_recipe_data_parse("pid=x\n", 6, &h), -1);
	ck_assert_int_eq(zk_recipe_data_parse("junk", 4, &h), -1);
	ck_assert_int_eq(zk_recipe_data(buf, 10, "web", 1, "j", 0), -1);
}
END_TEST

/*
 * The stop budget: stopsignal + stopwaitsecs + KILL end before the
 * session can expire, with two probe intervals (the lease runs from the
 * probe before the last answered one) and a reserve to spare.
 */
START_TEST(test_zk_recipe_budget_fits_in_session)
{
	struct zk_budget	b;
	double			t;

	zk_recipe_budget(10, &b);
	ck_assert(b.probe == 2);
	ck_assert(b.margin == 0.5);
	ck_assert(b.reserve == 1);
	ck_assert(b.stopwait == 4.5);
	for (t = 1; t <= 600; t *= 1.7) {
		zk_recipe_budget(t, &b);
		ck_assert(b.stopwait >= 0);
		ck_assert(2 * b.probe + b.reserve + b.stopwait + b.margin <=
		    t + 1e-9);
		ck_assert(b.margin > 0);
	}
	zk_recipe_budget(0.5, &b);
	ck_assert(b.stopwait == 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("zk_recipe");
	TCase	*tc = tcase_create("zk_recipe");

	tcase_add_test(tc, test_zk_recipe_parse_names);
	tcase_add_test(tc, test_zk_recipe_sort_by_sequence);
	tcase_add_test(tc, test_zk_recipe_lock_watches_predecessor);
	tcase_add_test(tc, test_zk_recipe_semaphore_first_waiter_watches_holders);
	tcase_add_test(tc, test_zk_recipe_readers_and_writers);
	tcase_add_test(tc, test_zk_recipe_data_round_trip);
	tcase_add_test(tc, test_zk_recipe_budget_fits_in_session);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
