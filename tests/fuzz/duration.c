/*
 * tests/fuzz/duration.c: libFuzzer harness for util_parse_duration, the
 * parser of every duration lockrun reads (--wait, --timeout, wait_timeout,
 * stopwaitsecs, ...), and util_format_duration, which prints them back.
 *
 * Checked against a reference written from the documentation
 * (systemd.time(7)'s forms): parts added up, each a plain decimal number
 * (digits, at most one '.', no sign, exponent or hex) with an optional
 * unit (ms msec s sec second seconds m min minute minutes h hr hour hours
 * d day days w week weeks), spaces or tabs between parts and before a
 * unit; a part without a unit is seconds and ends the value or is
 * followed by a space; at least one part; at most a century; nothing
 * else.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CENTURY	(100 * 365 * 86400.0)

static void __attribute__((noreturn))
fuzz_fail(const char *what, const char *input)
{
	fprintf(stderr, "duration: %s: \"%s\"\n", what, input);
	abort();
}

/* The documented grammar: 1 when s is a duration, its value in *out. */
static int
fuzz_reference(const char *s, double *out)
{
	static const struct {
		const char	*unit;
		double		 scale;
	} units[] = {
		{ "ms", 0.001 }, { "msec", 0.001 }, { "s", 1 }, { "sec", 1 },
		{ "second", 1 }, { "seconds", 1 }, { "m", 60 }, { "min", 60 },
		{ "minute", 60 }, { "minutes", 60 }, { "h", 3600 },
		{ "hr", 3600 }, { "hour", 3600 }, { "hours", 3600 },
		{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
		{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
	};
	const char	*p = s, *start, *word;
	char		*num, *unit;
	size_t		 ndigits, i, nparts = 0;
	double		 v, total = 0;
	int		 spaced;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		ndigits = 0;
		while (isdigit((unsigned char)*p)) {
			p++;
			ndigits++;
		}
		if (*p == '.') {
			p++;
			while (isdigit((unsigned char)*p)) {
				p++;
				ndigits++;
			}
		}
		if (ndigits == 0)
			return (0);
		num = strndup(start, p - start);
		errno = 0;
		v = strtod(num, NULL);
		free(num);
		if (errno != 0 || !isfinite(v))
			return (0);	/* underflow or overflow */
		spaced = *p == ' ' || *p == '\t';
		while (*p == ' ' || *p == '\t')
			p++;
		word = p;
		while (isalpha((unsigned char)*p))
			p++;
		if (p == word) {
			/* Seconds: then the end, or a space. */
			if (*p != '\0' && !spaced)
				return (0);
		} else {
			unit = strndup(word, p - word);
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
				if (strcmp(unit, units[i].unit) == 0)
					break;
			}
			free(unit);
			if (i == sizeof(units) / sizeof(units[0]))
				return (0);
			v *= units[i].scale;
		}
		total += v;
		if (total > FUZZ_CENTURY)
			return (0);
		nparts++;
	}
	if (nparts == 0)
		return (0);
	*out = total;
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, small[32], big[256];
	double	 v = -1, ref = -1;
	int	 ok, want, err;

	s = strndup((const char *)data, size);
	ok = util_parse_duration(s, &v) == 0;
	err = errno;
	want = fuzz_reference(s, &ref);
	if (ok != want)
		fuzz_fail(ok ? "accepted, but not a duration" :
		    "refused, but a duration", s);
	if (ok) {
		if (!isfinite(v) || v < 0 || v > FUZZ_CENTURY)
			fuzz_fail("value out of range", s);
		if (v != ref)
			fuzz_fail("value differs from the reference", s);
		/* Printed back whole: the longest is "2777777h46m". */
		util_format_duration(v, small, sizeof(small));
		util_format_duration(v, big, sizeof(big));
		if (strcmp(small, big) != 0 || *small == '\0')
			fuzz_fail("formatted value cut short", s);
	} else if (err != EINVAL)
		fuzz_fail("refused without EINVAL", s);
	free(s);
	return (0);
}
