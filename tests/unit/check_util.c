/* check_util.c: durations, numbers, names. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "util.h"

#include "check_common.h"

START_TEST(test_util_duration_units)
{
	double	d;

	ck_assert_int_eq(util_parse_duration("250ms", &d), 0);
	ck_assert_double_eq_tol(d, 0.25, 1e-9);
	ck_assert_int_eq(util_parse_duration("10s", &d), 0);
	ck_assert_double_eq_tol(d, 10, 1e-9);
	ck_assert_int_eq(util_parse_duration("5m", &d), 0);
	ck_assert_double_eq_tol(d, 300, 1e-9);
	ck_assert_int_eq(util_parse_duration("2h", &d), 0);
	ck_assert_double_eq_tol(d, 7200, 1e-9);
	ck_assert_int_eq(util_parse_duration("1d", &d), 0);
	ck_assert_double_eq_tol(d, 86400, 1e-9);
	ck_assert_int_eq(util_parse_duration("1.5", &d), 0);
	ck_assert_double_eq_tol(d, 1.5, 1e-9);
	ck_assert_int_eq(util_parse_duration(".5s", &d), 0);
	ck_assert_double_eq_tol(d, 0.5, 1e-9);
	ck_assert_int_eq(util_parse_duration("2.", &d), 0);
	ck_assert_double_eq_tol(d, 2, 1e-9);
	ck_assert_int_eq(util_parse_duration("0", &d), 0);
	ck_assert_double_eq_tol(d, 0, 1e-9);
}
END_TEST

/* systemd.time(7)'s spellings: parts added up, long unit names, spaces. */
START_TEST(test_util_duration_systemd)
{
	static const struct {
		const char	*s;
		double		 secs;
	} good[] = {
		{ "90s", 90 }, { "1h30m", 5400 }, { "1h 30min", 5400 },
		{ "2.5h", 9000 }, { "500ms", 0.5 }, { "500 msec", 0.5 },
		{ "1min30s", 90 }, { "2 hours", 7200 }, { "1 day 2h", 93600 },
		{ "1w", 604800 }, { "3 weeks", 1814400 }, { "10 s", 10 },
		{ " 10", 10 }, { "10 ", 10 }, { "1h2m", 3720 },
		{ "1h 30", 3630 }, { "5sec", 5 }, { "1hr", 3600 },
		{ "2seconds", 2 }, { "1minute", 60 },
	};
	double	d;
	size_t	i;

	for (i = 0; i < LOCKRUN_ARRAY_LEN(good); i++) {
		ck_assert_msg(util_parse_duration(good[i].s, &d) == 0,
		    "refused '%s'", good[i].s);
		ck_assert_msg(d > good[i].secs - 1e-9 && d < good[i].secs + 1e-9,
		    "'%s' is %g, not %g", good[i].s, d, good[i].secs);
	}
}
END_TEST

START_TEST(test_util_duration_rejects_junk)
{
	static const char *const bad[] = {
		"", "s", "-1", "+1", "5x", "1e400", "nan", "inf", "10ss",
		"99999999999d", "0x10", "1e3", "1e-9", ".", "1..2", "1.2.3",
		"   ", "1h -30m", "1M", "5 x", "h1", "1h,30m", "100 years",
		"50000w 50000w",
	};
	double	d = 42;
	size_t	i;

	for (i = 0; i < LOCKRUN_ARRAY_LEN(bad); i++) {
		ck_assert_msg(util_parse_duration(bad[i], &d) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_double_eq(d, 42);
}
END_TEST

START_TEST(test_util_uint_range)
{
	unsigned long	v;

	ck_assert_int_eq(util_parse_uint("1", 1, 1024, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(util_parse_uint("1024", 1, 1024, &v), 0);
	ck_assert_int_eq(util_parse_uint("0", 1, 1024, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(util_parse_uint("1025", 1, 1024, &v), -1);
	ck_assert_int_eq(util_parse_uint("-1", 0, 10, &v), -1);
	ck_assert_int_eq(util_parse_uint("3x", 0, 10, &v), -1);
	ck_assert_int_eq(util_parse_uint("", 0, 10, &v), -1);
	ck_assert_int_eq(util_parse_uint("99999999999999999999999", 0,
	    10, &v), -1);
}
END_TEST

START_TEST(test_util_int_sign)
{
	long	v;

	ck_assert_int_eq(util_parse_int("-20", -20, 19, &v), 0);
	ck_assert_int_eq(v, -20);
	ck_assert_int_eq(util_parse_int("+5", -20, 19, &v), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_int_eq(util_parse_int("20", -20, 19, &v), -1);
	ck_assert_int_eq(util_parse_int("-", -20, 19, &v), -1);
}
END_TEST

START_TEST(test_util_bool_words)
{
	int	b;

	ck_assert_int_eq(util_parse_bool("yes", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(util_parse_bool("FALSE", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(util_parse_bool("off", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(util_parse_bool("maybe", &b), -1);
}
END_TEST

START_TEST(test_util_signal_names)
{
	int	s;

	ck_assert_int_eq(util_parse_signal("TERM", &s), 0);
	ck_assert_int_eq(s, SIGTERM);
	ck_assert_int_eq(util_parse_signal("sigint", &s), 0);
	ck_assert_int_eq(s, SIGINT);
	ck_assert_int_eq(util_parse_signal("9", &s), 0);
	ck_assert_int_eq(s, SIGKILL);
	ck_assert_int_eq(util_parse_signal("NOPE", &s), -1);
	ck_assert_int_eq(util_parse_signal("0", &s), -1);
	ck_assert_str_eq(util_signame(SIGHUP), "HUP");
}
END_TEST

START_TEST(test_util_valid_name)
{
	ck_assert(util_valid_name("backup-db_2.nightly"));
	ck_assert(!util_valid_name(""));
	ck_assert(!util_valid_name("a/b"));
	ck_assert(!util_valid_name(".."));
	ck_assert(!util_valid_name("a b"));
	/* Taken by semaphore slots and job instances. */
	ck_assert(!util_valid_name("heavy.00"));
	ck_assert(!util_valid_name("a.7"));
	ck_assert(util_valid_name("a.7z"));
	ck_assert(util_valid_name("v1.2-beta"));
	ck_assert(util_valid_name("x."));
}
END_TEST

START_TEST(test_util_format_duration)
{
	char	buf[32];

	util_format_duration(0.25, buf, sizeof(buf));
	ck_assert_str_eq(buf, "250ms");
	util_format_duration(12, buf, sizeof(buf));
	ck_assert_str_eq(buf, "12s");
	util_format_duration(600, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10m");
	util_format_duration(7380, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2h3m");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("util");
	TCase	*tc = tcase_create("util");

	tcase_add_test(tc, test_util_duration_units);
	tcase_add_test(tc, test_util_duration_systemd);
	tcase_add_test(tc, test_util_duration_rejects_junk);
	tcase_add_test(tc, test_util_uint_range);
	tcase_add_test(tc, test_util_int_sign);
	tcase_add_test(tc, test_util_bool_words);
	tcase_add_test(tc, test_util_signal_names);
	tcase_add_test(tc, test_util_valid_name);
	tcase_add_test(tc, test_util_format_duration);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
