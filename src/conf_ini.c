/*
 * conf_ini.c: reading the job file's lines for inih. The one place that
 * knows how libinih reads: the line reader handed to ini_parse_stream, the
 * look at each physical line before inih sees it, the handler, over-long
 * lines, and libinih's runtime switches.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <ini.h>

#include "conf_parse.h"
#include "util.h"

/* Longest physical line we accept when libinih can grow its buffer. */
#define CONF_INI_MAX_LINE	65536

/* Like inih: the first char of chars, or an inline ';' after a space. */
static const char *
conf_find(const char *s, const char *e, const char *chars)
{
	int	was_space = 0;

	for (; s < e; s++) {
		if (chars != NULL && strchr(chars, *s) != NULL)
			break;
		if (was_space && *s == ';')
			break;
		was_space = isspace((unsigned char)*s);
	}
	return (s);
}

/*
 * Look at a new physical line the way inih will, before inih sees it: a
 * header starts its section here (inih calls no handler for it, and cuts
 * names at 49 bytes), a key line first applies the previous key, and a
 * key or continuation line says how long inih's value must come out.
 */
static int
conf_scan(struct conf_parse *p)
{
	char		*s = p->line, *hdr;
	const char	*start, *e, *end, *v, *ve;

	if (p->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	start = s;
	while (start < e && isspace((unsigned char)*start))
		start++;

	p->cont = 0;
	if (start == e || *start == ';' || *start == '#')
		return (0);
	if (p->prevkey && start > p->line) {
		p->cont = 1;
		p->expect = e - start;
		return (0);
	}

	if (conf_flush(p) == -1)
		return (-1);

	if (*start == '[') {
		end = conf_find(start + 1, e, "]");
		if (end == e || *end != ']')
			goto syntax;
		p->prevkey = 0;
		hdr = util_xstrndup(start + 1, end - (start + 1));
		if (conf_section(p, hdr) == -1) {
			free(hdr);
			return (-1);
		}
		/* inih ignores what follows "]": a typo must not vanish. */
		for (end++; end < e && isspace((unsigned char)*end); end++)
			;
		if (end < e && *end != ';' && *end != '#') {
			conf_error(p, p->lineno, NULL, "[%s]: unexpected text "
			    "after \"]\" (expected a comment or nothing)", hdr);
			free(hdr);
			return (-1);
		}
		free(hdr);
		return (0);
	}

	end = conf_find(start, e, "=:");
	if (end == e || (*end != '=' && *end != ':'))
		goto syntax;
	v = end + 1;
	ve = conf_find(v, e, NULL);
	while (v < ve && isspace((unsigned char)*v))
		v++;
	while (ve > v && isspace((unsigned char)ve[-1]))
		ve--;
	p->expect = ve - v;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	p->prevkey = end > start;
	return (0);

syntax:
	conf_error(p, p->lineno, NULL,
	    "syntax error (expected [section] or key = value)");
	return (-1);
}

/* Read the next physical line whole, count it, and check it. */
static int
conf_read_line(struct conf_parse *p, int num)
{
	ssize_t	n;
	size_t	len, limit;

	errno = 0;
	if ((n = getline(&p->line, &p->linesz, p->f)) == -1) {
		if (ferror(p->f))
			conf_error(p, p->lineno + 1, NULL, "read error: %s",
			    strerror(errno ? errno : EIO));
		return (-1);
	}
	p->lineno++;
	p->len = n;
	p->off = 0;

	len = n;
	if (len > 0 && p->line[len - 1] == '\n')
		len--;
	if (len > 0 && p->line[len - 1] == '\r')
		len--;
	limit = p->maxlen != 0 ? p->maxlen : (num > 3 ? (size_t)num - 3 : 0);
	if (len > limit) {
		conf_error(p, p->lineno, NULL, "line longer than %zu bytes",
		    limit);
		goto fail;
	}
	if (strlen(p->line) != (size_t)n) {
		conf_error(p, p->lineno, NULL, "NUL byte in line");
		goto fail;
	}
	return (conf_scan(p));

fail:
	/* Unless this line continues it, the key above is whole: check it. */
	if (!p->prevkey || !isspace((unsigned char)p->line[0]))
		conf_flush(p);	/* an error it finds is earlier, so kept */
	return (-1);
}

/*
 * inih's fgets-like reader. A line longer than inih's buffer is handed out
 * in pieces of num - 1 bytes; inih asks for more while the piece filled its
 * buffer without a newline, so a line is counted once, when it is read.
 * Returning NULL ends the parse: at the end of the file or at an error.
 */
static char *
conf_read(char *str, int num, void *arg)
{
	struct conf_parse	*p = arg;
	size_t			 n;

	if (num < 2)
		return (NULL);
	if (p->off >= p->len) {
		if (p->failed || conf_read_line(p, num) == -1)
			return (NULL);
	}
	n = p->len - p->off;
	if (n > (size_t)num - 1)
		n = num - 1;
	memcpy(str, p->line + p->off, n);
	str[n] = '\0';
	p->off += n;
	return (str);
}

/*
 * inih's handler: called for each key line and each continuation line.
 * Values are kept until the key's last line is read (see conf_scan).
 */
static int
conf_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct conf_parse	*p = arg;
	const char		*e;
	char			*joined;

	(void)section;		/* inih cuts it at 49 bytes: conf_scan has it */
	if (p->failed)
		return (0);
	if (strlen(value) != p->expect) {
		conf_error(p, p->lineno, NULL,
		    "line not read whole by libinih (too long?)");
		return (0);
	}

	if (p->cont) {
		if (p->pname == NULL || strcmp(p->pname, name) != 0) {
			/* inih cuts key names at 49 bytes: an unknown key. */
			if (conf_flush(p) == -1)
				return (0);
			conf_error(p, p->lineno, NULL,
			    "syntax error (expected [section] or key = value)");
			return (0);
		}
		/* inih keeps inline comments on continuation lines. */
		e = conf_find(value, value + strlen(value), NULL);
		while (e > value && isspace((unsigned char)e[-1]))
			e--;
		if (e == value)
			return (1);
		util_xasprintf(&joined, "%s%s%.*s", p->pvalue,
		    *p->pvalue != '\0' ? " " : "", (int)(e - value), value);
		free(p->pvalue);
		p->pvalue = joined;
		return (1);
	}

	if (*name == '\0') {
		conf_error(p, p->lineno, NULL,
		    "syntax error (expected [section] or key = value)");
		return (0);
	}
	if (p->sec == CONF_SEC_NONE) {
		conf_error(p, p->lineno, name, "not in a section (%s before "
		    "it)", CONF_EXPECT_SECTION);
		return (0);
	}
	p->pname = util_xstrdup(name);
	p->pvalue = util_xstrdup(value);
	p->pline = p->lineno;
	return (1);
}

/* Read the file p->f with inih into p->c; -1 with the error recorded. */
int
conf_ini_parse(struct conf_parse *p)
{
	int	ret;
#ifdef HAVE_INIH_SWITCHES
	bool	use_stack, allow_realloc, stop_on_error;
	int	max_line;

	/* A heap buffer that grows: lines of up to 64 KiB arrive whole. */
	use_stack = ini_use_stack;
	allow_realloc = ini_allow_realloc;
	max_line = ini_max_line;
	stop_on_error = ini_stop_on_first_error;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONF_INI_MAX_LINE;
	ini_stop_on_first_error = true;
	p->maxlen = CONF_INI_MAX_LINE - 3;	/* room for "\r\n" and NUL */
#endif
	ret = ini_parse_stream(conf_read, p, conf_handler, p);
#ifdef HAVE_INIH_SWITCHES
	ini_use_stack = use_stack;
	ini_allow_realloc = allow_realloc;
	ini_max_line = max_line;
	ini_stop_on_first_error = stop_on_error;
#endif

	if (ret == -2)
		conf_error(p, p->lineno, NULL, "out of memory");
	else if (ret > 0 && !p->failed)
		conf_error(p, ret, NULL,
		    "syntax error (expected [section] or key = value)");
	if (!p->failed)
		conf_flush(p);
	free(p->line);
	p->line = NULL;
	return (p->failed ? -1 : 0);
}
