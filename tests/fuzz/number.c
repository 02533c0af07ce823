/*
 * tests/fuzz/number.c: libFuzzer harness for the number, boolean, signal
 * and name parsers of util.c: util_parse_int, util_parse_uint,
 * util_parse_bool, util_parse_signal, util_signame and util_valid_name.
 *
 * The first input byte picks the parser, the next sixteen the bounds; the
 * rest is the text. Checked against references written from their
 * comments: decimal only, a sign only where signed, the bounds hold, and
 * what is accepted prints back as the same number.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void __attribute__((noreturn))
fuzz_fail(const char *what, const char *input)
{
	fprintf(stderr, "number: %s: \"%s\"\n", what, input);
	abort();
}

/*
 * The reference: 1 when s is [sign] digits (a sign only if signed) whose
 * value lies in [min, max]; the value in *out.
 */
static int
fuzz_reference(const char *s, int is_signed, long min, long max, long *out)
{
	const char	*p = s;
	__int128	 v = 0;
	int		 neg = 0;

	if (is_signed && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return (0);
	for (; isdigit((unsigned char)*p); p++) {
		if (v < ((__int128)1 << 80))
			v = v * 10 + (*p - '0');
	}
	if (*p != '\0')
		return (0);
	if (neg)
		v = -v;
	if (v < min || v > max)
		return (0);
	*out = (long)v;
	return (1);
}

/* Bounds from 16 input bytes, min <= max (and both >= 0 when unsigned). */
static void
fuzz_bounds(const uint8_t *b, int is_signed, long *min, long *max)
{
	uint64_t	x, y;
	long		t;

	memcpy(&x, b, sizeof(x));
	memcpy(&y, b + 8, sizeof(y));
	*min = (long)x;
	*max = (long)y;
	/* Small bounds most of the time, as lockrun's are. */
	if (x >> 63)
		*min = (long)(int16_t)x;
	if (y >> 63)
		*max = (long)(uint16_t)y;
	if (!is_signed) {
		if (*min < 0)
			*min = -(*min + 1);
		if (*max < 0)
			*max = -(*max + 1);
	}
	if (*min > *max) {
		t = *min;
		*min = *max;
		*max = t;
	}
}

static void
fuzz_int(const char *s, int is_signed, long min, long max)
{
	unsigned long	u;
	long		v = 0, ref = 0;
	char		back[32];
	int		ok, want;

	if (is_signed)
		ok = util_parse_int(s, min, max, &v) == 0;
	else {
		ok = util_parse_uint(s, (unsigned long)min,
		    (unsigned long)max, &u) == 0;
		v = (long)u;
	}
	want = fuzz_reference(s, is_signed, min, max, &ref);
	if (ok != want)
		fuzz_fail(ok ? "accepted, but not a number in range" :
		    "refused, but a number in range", s);
	if (!ok) {
		if (errno != EINVAL && errno != ERANGE)
			fuzz_fail("refused without EINVAL or ERANGE", s);
		return;
	}
	if (v != ref || v < min || v > max)
		fuzz_fail("value differs from the reference", s);
	snprintf(back, sizeof(back), "%ld", v);
	if (util_parse_int(back, min, max, &ref) == -1 || ref != v)
		fuzz_fail("value does not parse back", s);
}

static void
fuzz_words(const char *s)
{
	const char	*name, *dot;
	size_t		 i;
	int		 b, sig;

	if (util_parse_bool(s, &b) == 0 && b != 0 && b != 1)
		fuzz_fail("boolean not 0 or 1", s);
	if (util_parse_signal(s, &sig) == 0) {
		if (sig < 1 || sig >= NSIG)
			fuzz_fail("signal out of range", s);
		name = util_signame(sig);
		if (name == NULL || *name == '\0' ||
		    util_parse_signal(name, &b) == -1 || b != sig)
			fuzz_fail("signal name does not parse back", s);
	}
	if (util_valid_name(s)) {
		for (i = 0; s[i] != '\0'; i++) {
			if (!isalnum((unsigned char)s[i]) &&
			    strchr("_.-", s[i]) == NULL)
				fuzz_fail("name with a bad character", s);
		}
		if (i == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			fuzz_fail("empty or dot name accepted", s);
		dot = strrchr(s, '.');
		if (dot != NULL && dot[1] != '\0' &&
		    strspn(dot + 1, "0123456789") == strlen(dot + 1))
			fuzz_fail("name ending in '.' and digits accepted", s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;
	long	 min, max;
	int	 which;

	if (size < 17)
		return (0);
	which = data[0] % 3;
	s = strndup((const char *)data + 17, size - 17);
	switch (which) {
	case 0:
		fuzz_bounds(data + 1, 1, &min, &max);
		fuzz_int(s, 1, min, max);
		break;
	case 1:
		fuzz_bounds(data + 1, 0, &min, &max);
		fuzz_int(s, 0, min, max);
		break;
	case 2:
		fuzz_words(s);
		break;
	}
	free(s);
	return (0);
}
