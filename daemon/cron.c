/*
 * cron: the parser and the next-fire search.
 *
 * The search walks wall-clock minutes that match the fields, skipping whole
 * months, days and hours that cannot match, and maps each to UTC through
 * the zone (tz_resolve), applying the DST rules described in cron.h. Near a
 * clock change wall order and UTC order differ, so it starts a few hours
 * before `after` and keeps the earliest UTC instant found.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"
#include "common/util.h"
#include "daemon/cron.h"

struct field_def {
	const char        *name;
	int                min, max;
	const char *const *names; /* index + min = value */
};

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR", "MAY",
	                                   "JUN", "JUL", "AUG", "SEP", "OCT",
	                                   "NOV", "DEC", NULL };
static const char *const dow_names[] = { "SUN", "MON", "TUE", "WED",
	                                 "THU", "FRI", "SAT", NULL };

static const struct field_def fields[5] = {
	{ "minute", 0, 59, NULL },          { "hour", 0, 23, NULL },
	{ "day-of-month", 1, 31, NULL },    { "month", 1, 12, month_names },
	{ "day-of-week", 0, 7, dow_names },
};

static const struct {
	const char *name, *expr;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" },  { "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
	{ "@daily", "0 0 * * *" },   { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

/* One value: a number or a name. */
static int
parse_value(const struct field_def *f, const char **sp, int *out,
            const char *expr, char **cause)
{
	const char *s = *sp;
	int         n = 0, i, len = 0;

	if (isdigit((unsigned char)*s)) {
		while (isdigit((unsigned char)*s) && n < 1000)
			n = n * 10 + (*s++ - '0');
		if (n < f->min || n > f->max) {
			xasprintf(cause, "\"%s\": %s %d out of range %d-%d",
			          expr, f->name, n, f->min, f->max);
			return -1;
		}
		*out = n;
		*sp = s;
		return 0;
	}
	while (isalpha((unsigned char)s[len]))
		len++;
	if (f->names != NULL && len == 3)
		for (i = 0; f->names[i] != NULL; i++)
			if (strncasecmp(s, f->names[i], 3) == 0) {
				*out = i + (f == &fields[3] ? 1 : 0);
				*sp = s + 3;
				return 0;
			}
	xasprintf(cause, "\"%s\": %s: bad value \"%.*s\"", expr, f->name,
	          len > 0 ? len : 1, s);
	return -1;
}

/* One field: a comma-separated list of *, values, ranges, with steps. */
static int
parse_field(const struct field_def *f, const char *s, uint64_t *bits, int *star,
            const char *expr, char **cause)
{
	int lo, hi, step, v;

	*bits = 0;
	*star = *s == '*';
	for (;;) {
		step = 1;
		if (*s == '*') {
			lo = f->min;
			hi = f->max == 7 ? 6 : f->max;
			s++;
		} else {
			if (parse_value(f, &s, &lo, expr, cause) != 0)
				return -1;
			hi = lo;
			if (*s == '-') {
				s++;
				if (parse_value(f, &s, &hi, expr, cause) != 0)
					return -1;
				if (hi < lo) {
					xasprintf(cause,
					          "\"%s\": %s: range %d-%d is "
					          "backwards",
					          expr, f->name, lo, hi);
					return -1;
				}
			} else if (*s == '/')
				hi = f->max == 7 ? 6 : f->max; /* 5/10 */
		}
		if (*s == '/') {
			s++;
			if (!isdigit((unsigned char)*s)) {
				xasprintf(cause,
				          "\"%s\": %s: a step needs a "
				          "number",
				          expr, f->name);
				return -1;
			}
			for (step = 0;
			     isdigit((unsigned char)*s) && step < 1000; s++)
				step = step * 10 + (*s - '0');
			if (step == 0 || step > f->max) {
				xasprintf(cause,
				          "\"%s\": %s: step %d out of "
				          "range 1-%d",
				          expr, f->name, step, f->max);
				return -1;
			}
		}
		for (v = lo; v <= hi; v += step)
			*bits |= 1ULL << (f->max == 7 && v == 7 ? 0 : v);
		if (*s == '\0')
			return 0;
		if (*s != ',') {
			xasprintf(cause, "\"%s\": %s: unexpected \"%c\"", expr,
			          f->name, *s);
			return -1;
		}
		s++;
	}
}

int
cron_parse(const char *expr, struct cron *out, char **cause)
{
	const char *text = expr;
	char       *copy, *tok[6], *save = NULL, *t;
	uint64_t    bits[5];
	int         stars[5], n = 0, i;
	size_t      k;

	while (isspace((unsigned char)*text))
		text++;
	if (*text == '@') {
		size_t len = strcspn(text, " \t");

		for (k = 0; k < nitems(macros); k++)
			if (strlen(macros[k].name) == len &&
			    strncasecmp(text, macros[k].name, len) == 0 &&
			    text[len + strspn(text + len, " \t")] == '\0')
				break;
		if (k == nitems(macros)) {
			xasprintf(cause,
			          "\"%s\": unknown macro (use @yearly, "
			          "@monthly, @weekly, @daily or @hourly)",
			          expr);
			return -1;
		}
		text = macros[k].expr;
	}
	copy = xstrdup(text);
	for (t = strtok_r(copy, " \t", &save); t != NULL && n < 6;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n != 5) {
		xasprintf(cause,
		          "\"%s\": expected 5 fields (minute hour "
		          "day-of-month month day-of-week), got %s%d",
		          expr, n > 5 ? "more than " : "", n > 5 ? 5 : n);
		free(copy);
		return -1;
	}
	for (i = 0; i < 5; i++) {
		if (parse_field(&fields[i], tok[i], &bits[i], &stars[i], expr,
		                cause) != 0) {
			free(copy);
			return -1;
		}
	}
	free(copy);
	memset(out, 0, sizeof *out);
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->month = (uint16_t)bits[3];
	out->dow = (uint8_t)bits[4];
	/* A day field is unrestricted if it starts with '*' (cronie) or
	 * allows every day anyway (0-6, 1-31). */
	out->dom_star = stars[2] || out->dom == 0xfffffffe;
	out->dow_star = stars[4] || out->dow == 0x7f;
	out->fixed = !stars[0] && !stars[1];
	return 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
		                    31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int
day_matches(const struct cron *c, int64_t y, int m, int d)
{
	int64_t days = days_from_civil(y, m, d);
	int     dow = (int)(((days % 7) + 11) % 7);
	int     dom_ok = (c->dom >> d) & 1, dow_ok = (c->dow >> dow) & 1;

	if (c->dom_star || c->dow_star)
		return dom_ok && dow_ok;
	return dom_ok || dow_ok;
}

/* A wall-clock time being searched; the next_* steps carry over into the
 * larger fields and reset the smaller ones. */
struct civil {
	int64_t y;
	int     m, d, hh, mm;
};

static void
next_month(struct civil *t)
{
	t->d = 1;
	t->hh = t->mm = 0;
	if (++t->m > 12) {
		t->m = 1;
		t->y++;
	}
}

static void
next_day(struct civil *t)
{
	t->hh = t->mm = 0;
	if (++t->d > days_in_month(t->y, t->m))
		next_month(t);
}

static void
next_hour(struct civil *t)
{
	t->mm = 0;
	if (++t->hh == 24)
		next_day(t);
}

static void
next_minute(struct civil *t)
{
	if (++t->mm == 60)
		next_hour(t);
}

/* The first matching wall-clock minute at or after wall, or -1 within
 * ten years. */
static int64_t
next_match(const struct cron *c, int64_t wall)
{
	int64_t      days = wall / 86400 - (wall % 86400 < 0), y0;
	int64_t      secs = wall - days * 86400;
	struct civil t;

	civil_from_days(days, &t.y, &t.m, &t.d);
	t.hh = (int)(secs / 3600);
	t.mm = (int)(secs % 3600 / 60);
	if (secs % 60 != 0)
		next_minute(&t);
	for (y0 = t.y; t.y <= y0 + 10;) {
		if (!((c->month >> t.m) & 1))
			next_month(&t);
		else if (!day_matches(c, t.y, t.m, t.d))
			next_day(&t);
		else if (!((c->hour >> t.hh) & 1))
			next_hour(&t);
		else if (!((c->minute >> t.mm) & 1))
			next_minute(&t);
		else
			return days_from_civil(t.y, t.m, t.d) * 86400 +
			       t.hh * 3600 + t.mm * 60;
	}
	return -1;
}

int64_t
cron_next(const struct cron *c, const struct tz *z, int64_t after)
{
	const int64_t window = 6 * 3600;
	int64_t       wall, best = -1, best_wall = 0, out[2], gap_end, cand;
	int           n, i, off;

	/* Fast path, away from clock changes: one offset covers `after`
	 * and the next matching wall time, so that time is the answer. */
	off = tz_offset(z, after);
	wall = next_match(c, after + off + 1);
	if (wall < 0)
		return -1;
	if (tz_offset(z, after - window) == off &&
	    tz_offset(z, wall - off + window) == off &&
	    tz_resolve(z, wall, out, &gap_end) == 1 && out[0] > after)
		return out[0];
	/* Near a change: start before `after`, since during a repeated hour
	 * the next instant may carry an earlier wall time. */
	wall = after + off - window;
	for (;;) {
		if ((wall = next_match(c, wall)) < 0)
			return best;
		if (best >= 0 && wall > best_wall + window)
			return best;
		n = tz_resolve(z, wall, out, &gap_end);
		for (i = 0; i < (n == 0 ? 1 : n); i++) {
			if (n == 0) {
				if (!c->fixed)
					break; /* a skipped minute */
				cand = gap_end;
			} else if (i == 1 && c->fixed)
				break; /* a repeated time fires once */
			else
				cand = out[i];
			if (cand > after && (best < 0 || cand < best)) {
				best = cand;
				best_wall = wall;
			}
		}
		wall += 60;
	}
}

/* Descriptions. */

static int
single_values(uint64_t bits, int max, int *vals, int cap)
{
	int v, n = 0;

	for (v = 0; v <= max; v++)
		if ((bits >> v) & 1) {
			if (n == cap)
				return -1;
			vals[n++] = v;
		}
	return n;
}

char *
cron_describe(const char *expr)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
		                            "Thu", "Fri", "Sat" };
	struct cron              c;
	char                    *cause = NULL, *out = NULL, *tmp, *when = NULL;
	int                      mins[8], hours[8], dows[7], nm, nh, nd, i, k;

	if (cron_parse(expr, &c, &cause) != 0) {
		free(cause);
		return xstrdup(expr);
	}
	nm = single_values(c.minute, 59, mins, 8);
	nh = single_values(c.hour, 23, hours, 8);
	if (c.fixed && nm > 0 && nh > 0 && nm * nh <= 8 && c.dom_star &&
	    c.month == 0x1ffe) {
		for (i = 0; i < nh; i++)
			for (k = 0; k < nm; k++) {
				xasprintf(&tmp, "%s%s%02d:%02d",
				          when ? when : "", when ? ", " : "",
				          hours[i], mins[k]);
				free(when);
				when = tmp;
			}
		if (c.dow_star)
			xasprintf(&out, "every day at %s", when);
		else {
			nd = single_values(c.dow, 6, dows, 7);
			tmp = NULL;
			for (i = 0; i < nd; i++) {
				char *t2;

				xasprintf(&t2, "%s%s%s", tmp ? tmp : "",
				          tmp ? ", " : "", days[dows[i]]);
				free(tmp);
				tmp = t2;
			}
			xasprintf(&out, "%s at %s", tmp, when);
			free(tmp);
		}
		free(when);
		return out;
	}
	if (c.minute == 1 && c.hour == 0xffffff && c.dom_star && c.dow_star &&
	    c.month == 0x1ffe)
		return xstrdup("every hour");
	for (k = 1; k <= 30; k++) {
		uint64_t want = 0;

		for (i = 0; i < 60; i += k)
			want |= 1ULL << i;
		if (c.minute == want && c.hour == 0xffffff && c.dom_star &&
		    c.dow_star && c.month == 0x1ffe && k > 1) {
			xasprintf(&out, "every %d minutes", k);
			return out;
		}
	}
	if (c.minute == (1ULL << 60) - 1 && c.hour == 0xffffff && c.dom_star &&
	    c.dow_star && c.month == 0x1ffe)
		return xstrdup("every minute");
	return xstrdup(expr);
}
