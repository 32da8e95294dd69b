/*
 * Cron expressions and time zones: the parser (syntax and its errors), the
 * next-fire search in UTC, day-of-month/day-of-week semantics, short
 * months, and daylight saving time in Europe/Brussels and
 * America/New_York as cronie handles it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/tz.h"
#include "common/util.h"
#include "daemon/cron.h"

/* "2026-03-29T01:30:00Z" <-> seconds. */
static int64_t
at(const char *iso)
{
	int y, mo, d, h, mi, s = 0;

	if (sscanf(iso, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) < 5)
		fail_msg("bad time %s", iso);
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static const char *
fmt(int64_t t, char *buf)
{
	int64_t y;
	int     m, d;

	if (t < 0)
		return "never";
	civil_from_days(t / 86400, &y, &m, &d);
	sprintf(buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
	        (int)(t % 86400 / 3600), (int)(t % 3600 / 60), (int)(t % 60));
	return buf;
}

/* Checks the fires after `from`, in zone, one after another. */
static void
expect_fires(const char *expr, const char *zone, const char *from,
             const char *const *want)
{
	struct cron c;
	struct tz  *z;
	char       *cause = NULL, a[32], b[32];
	int64_t     t = at(from);
	int         i;

	if (cron_parse(expr, &c, &cause) != 0)
		fail_msg("%s: %s", expr, cause);
	z = tz_load(zone, &cause);
	if (z == NULL)
		fail_msg("%s", cause);
	for (i = 0; want[i] != NULL; i++) {
		t = cron_next(&c, z, t);
		if (t != (strcmp(want[i], "never") ? at(want[i]) : -1))
			fail_msg("%s in %s after %s: fire %d is %s, want %s",
			         expr, zone, from, i + 1, fmt(t, a),
			         strcmp(want[i], "never") ? fmt(at(want[i]), b)
			                                  : "never");
	}
	tz_free(z);
}

#define FIRES(expr, zone, from, ...)                                           \
	do {                                                                   \
		const char *const w_[] = { __VA_ARGS__, NULL };                \
		expect_fires(expr, zone, from, w_);                            \
	} while (0)

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *expr, *want;
	} bad[] = {
		{ "0 25 * * *", "\"0 25 * * *\": hour 25 out of range 0-23" },
		{ "60 * * * *", "minute 60 out of range 0-59" },
		{ "* * 0 * *", "day-of-month 0 out of range 1-31" },
		{ "* * * 13 *", "month 13 out of range 1-12" },
		{ "* * * * 8", "day-of-week 8 out of range 0-7" },
		{ "* * * *", "expected 5 fields" },
		{ "* * * * * *", "expected 5 fields" },
		{ "", "expected 5 fields" },
		{ "5-1 * * * *", "minute: range 5-1 is backwards" },
		{ "*/0 * * * *", "minute: step 0 out of range" },
		{ "*/ * * * *", "a step needs a number" },
		{ "x * * * *", "minute: bad value \"x\"" },
		{ "* * * FOO *", "month: bad value \"FOO\"" },
		{ "* * * * MONDAY", "day-of-week: bad value \"MONDAY\"" },
		{ "1,,2 * * * *", "minute: bad value" },
		{ "1; * * * *", "minute: unexpected \";\"" },
		{ "@reboot", "unknown macro" },
		{ "99999999999 * * * *", "out of range" },
	};
	struct cron c;
	size_t      i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		char *cause = NULL;

		if (cron_parse(bad[i].expr, &c, &cause) == 0)
			fail_msg("\"%s\" accepted", bad[i].expr);
		if (strstr(cause, bad[i].want) == NULL)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", bad[i].expr,
			         cause, bad[i].want);
		free(cause);
	}
}

static void
test_parse_syntax(void **state)
{
	struct cron c;
	char       *cause = NULL;

	(void)state;
	assert_int_equal(
	    cron_parse("0,30 9-17/4 1 JAN-mar mon-FRI", &c, &cause), 0);
	assert_true(c.minute == ((1ULL << 0) | (1ULL << 30)));
	assert_int_equal(c.hour, (1 << 9) | (1 << 13) | (1 << 17));
	assert_int_equal(c.dom, 1 << 1);
	assert_int_equal(c.month, (1 << 1) | (1 << 2) | (1 << 3));
	assert_int_equal(c.dow, 0x3e);
	assert_true(c.fixed);
	assert_int_equal(cron_parse("5/20 * * * 7", &c, &cause), 0);
	assert_true(c.minute == ((1ULL << 5) | (1ULL << 25) | (1ULL << 45)));
	assert_int_equal(c.dow, 1); /* 7 is Sunday */
	assert_false(c.fixed);
	assert_int_equal(cron_parse("* * * * 5-7", &c, &cause), 0);
	assert_int_equal(c.dow, 1 | (1 << 5) | (1 << 6));
	assert_int_equal(cron_parse("@daily", &c, &cause), 0);
	assert_true(c.minute == 1 && c.hour == 1 && c.fixed);
	assert_int_equal(cron_parse("  @Weekly ", &c, &cause), 0);
	assert_int_equal(c.dow, 1);
	assert_int_equal(cron_parse("@weekly 5", &c, &cause), -1);
	free(cause);
}

static void
test_next_utc(void **state)
{
	(void)state;
	FIRES("0 9 * * *", "UTC", "2026-11-28T08:59:59Z",
	      "2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z");
	/* Strictly after: a fire at `after` itself is not the next. */
	FIRES("0 9 * * *", "UTC", "2026-11-28T09:00:00Z",
	      "2026-11-29T09:00:00Z");
	FIRES("*/15 * * * *", "UTC", "2026-12-31T23:50:00Z",
	      "2027-01-01T00:00:00Z", "2027-01-01T00:15:00Z");
	FIRES("@hourly", "UTC", "2026-11-28T09:00:30Z", "2026-11-28T10:00:00Z");
	FIRES("@yearly", "UTC", "2026-11-28T09:00:00Z", "2027-01-01T00:00:00Z",
	      "2028-01-01T00:00:00Z");
	FIRES("@weekly", "UTC", "2026-11-28T09:00:00Z", "2026-11-29T00:00:00Z");
	FIRES("0 12 29 2 *", "UTC", "2026-03-01T00:00:00Z",
	      "2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z");
	FIRES("0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z", "never");
}

static void
test_short_months(void **state)
{
	(void)state;
	/* The 31st: only months that have one. */
	FIRES("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z",
	      "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z",
	      "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z",
	      "2026-10-31T00:00:00Z", "2026-12-31T00:00:00Z");
	FIRES("30 6 30 * *", "UTC", "2027-01-31T00:00:00Z",
	      "2027-03-30T06:30:00Z");
	/* A step list running past the end of February goes on with March
	 * 1st (croniter 1.3.5 gets this one wrong). */
	FIRES("42 1 */6 * *", "UTC", "2017-02-20T00:00:00Z",
	      "2017-02-25T01:42:00Z", "2017-03-01T01:42:00Z",
	      "2017-03-07T01:42:00Z");
}

static void
test_dom_dow(void **state)
{
	(void)state;
	/* Both restricted: either matches (the 13th, or any Friday). */
	FIRES("0 0 13 * 5", "UTC", "2026-11-01T00:00:00Z",
	      "2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z",
	      "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z",
	      "2026-12-04T00:00:00Z");
	/* One is '*': the other decides. */
	FIRES("0 0 * * 5", "UTC", "2026-11-06T00:00:00Z",
	      "2026-11-13T00:00:00Z");
	FIRES("0 0 13 * *", "UTC", "2026-11-06T00:00:00Z",
	      "2026-11-13T00:00:00Z", "2026-12-13T00:00:00Z");
	/* A field starting with '*' counts as unrestricted (cronie): both
	 * must match, so odd days that are Mondays. */
	FIRES("0 0 */2 * 1", "UTC", "2026-11-01T00:00:00Z",
	      "2026-11-09T00:00:00Z", "2026-11-23T00:00:00Z",
	      "2026-12-07T00:00:00Z");
}

static void
test_dst_brussels(void **state)
{
	(void)state;
	/* 2026-03-29: 02:00 CET -> 03:00 CEST (01:00Z). 02:30 does not
	 * exist: a fixed-time job fires once, right after the jump. */
	FIRES("30 2 * * *", "Europe/Brussels", "2026-03-28T00:00:00Z",
	      "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z",
	      "2026-03-30T00:30:00Z");
	/* Two skipped times still fire once. */
	FIRES("0,30 2 * * *", "Europe/Brussels", "2026-03-29T00:00:00Z",
	      "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z");
	/* Wildcard jobs skip the missing minutes. */
	FIRES("*/30 * * * *", "Europe/Brussels", "2026-03-29T00:15:00Z",
	      "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z",
	      "2026-03-29T01:30:00Z");
	/* 2026-10-25: 03:00 CEST -> 02:00 CET (01:00Z). 02:30 happens
	 * twice: a fixed-time job fires the first time only. */
	FIRES("30 2 * * *", "Europe/Brussels", "2026-10-24T12:00:00Z",
	      "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
	/* ... also when asked from inside the repeated hour. */
	FIRES("30 2 * * *", "Europe/Brussels", "2026-10-25T01:10:00Z",
	      "2026-10-26T01:30:00Z");
	/* A wildcard job runs in both passes of the repeated hour. */
	FIRES("30 * * * *", "Europe/Brussels", "2026-10-25T00:00:00Z",
	      "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z",
	      "2026-10-25T02:30:00Z");
	/* The seed's schedule, in Brussels time across the change. */
	FIRES("0 9 * * *", "Europe/Brussels", "2026-03-28T12:00:00Z",
	      "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z");
	FIRES("0 9 * * *", "Europe/Brussels", "2026-10-24T12:00:00Z",
	      "2026-10-25T08:00:00Z");
}

static void
test_dst_new_york(void **state)
{
	(void)state;
	/* 2026-03-08: 02:00 EST -> 03:00 EDT (07:00Z). */
	FIRES("15 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
	      "2026-03-08T07:00:00Z", "2026-03-09T06:15:00Z");
	/* 2026-11-01: 02:00 EDT -> 01:00 EST (06:00Z); 01:30 repeats. */
	FIRES("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
	      "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z");
	FIRES("0 12 * * *", "America/New_York", "2026-11-01T00:00:00Z",
	      "2026-11-01T17:00:00Z");
	/* Far ahead of the table: the footer rule answers. */
	FIRES("0 12 1 7 *", "America/New_York", "2060-01-01T00:00:00Z",
	      "2060-07-01T16:00:00Z");
	FIRES("0 12 1 1 *", "Europe/Brussels", "2070-06-01T00:00:00Z",
	      "2071-01-01T11:00:00Z");
}

static void
test_zones(void **state)
{
	char      *cause = NULL;
	struct tz *z;
	int64_t    out[2], gap;

	(void)state;
	assert_null(tz_load("Nowhere/Atlantis", &cause));
	assert_non_null(
	    strstr(cause, "unknown time zone \"Nowhere/Atlantis\""));
	free(cause);
	cause = NULL;
	assert_null(tz_load("../../etc/passwd", &cause));
	assert_non_null(strstr(cause, "not a time zone name"));
	free(cause);
	z = tz_load("Europe/Brussels", &cause);
	assert_non_null(z);
	assert_int_equal(tz_offset(z, at("2026-01-15T12:00:00Z")), 3600);
	assert_int_equal(tz_offset(z, at("2026-07-15T12:00:00Z")), 7200);
	assert_int_equal(tz_resolve(z, at("2026-03-29T02:30:00Z"), out, &gap),
	                 0);
	assert_true(gap == at("2026-03-29T01:00:00Z"));
	assert_int_equal(tz_resolve(z, at("2026-10-25T02:30:00Z"), out, &gap),
	                 2);
	assert_true(out[0] == at("2026-10-25T00:30:00Z"));
	assert_true(out[1] == at("2026-10-25T01:30:00Z"));
	tz_free(z);
}

/* A minimal TZif v2 file: one type (offset, abbreviation "ZZZ"), no
 * transitions, then the footer. */
static size_t
tzif(unsigned char *buf, int off, const char *footer)
{
	static const unsigned char counts[24] = { [19] = 1, [23] = 4 };
	size_t                     n = 0;
	int                        block;

	for (block = 0; block < 2; block++) {
		memcpy(buf + n, "TZif2", 5);
		memset(buf + n + 5, 0, 15);
		memcpy(buf + n + 20, counts, sizeof counts);
		n += 44;
		buf[n++] = (unsigned char)((unsigned)off >> 24);
		buf[n++] = (unsigned char)((unsigned)off >> 16);
		buf[n++] = (unsigned char)((unsigned)off >> 8);
		buf[n++] = (unsigned char)off;
		buf[n++] = 0; /* not DST */
		buf[n++] = 0; /* abbreviation at 0 */
		memcpy(buf + n, "ZZZ", 4);
		n += 4;
	}
	n += (size_t)sprintf((char *)buf + n, "\n%s\n", footer);
	return n;
}

/* Found by fuzz-tzif: digits in a footer's rule grew a signed int past
 * its range (undefined behaviour, caught by UBSan) before the range check.
 * Such a footer is ignored; the zone keeps its table. */
static void
test_tzif_footer(void **state)
{
	static const char *const footers[] = {
		"UT888888888888888888888888888888888888888888888",
		"ZZZ-1:888888888888888888888",
		"ZZZ-1ZZY,M3.5.99999999999999999.0,M10.5.0/3",
		"ZZZ-1ZZY,J88888888888888888,M10.5.0/3",
		"ZZZ-1ZZY,M3.5.0/888888888888888888,M10.5.0/3",
	};
	unsigned char buf[512];
	struct tz    *z;
	char         *cause = NULL;
	size_t        i, n;

	(void)state;
	for (i = 0; i < nitems(footers); i++) {
		n = tzif(buf, 5400, footers[i]);
		z = tz_parse("Test/Footer", buf, n, &cause);
		if (z == NULL)
			fail_msg("%s: %s", footers[i], cause);
		assert_int_equal(tz_offset(z, at("2040-07-01T00:00:00Z")),
		                 5400);
		tz_free(z);
	}
	/* A good footer speaks after the table. */
	n = tzif(buf, 3600, "CET-1CEST,M3.5.0,M10.5.0/3");
	z = tz_parse("Test/Footer", buf, n, &cause);
	assert_non_null(z);
	assert_int_equal(tz_offset(z, at("2040-07-01T00:00:00Z")), 7200);
	tz_free(z);
	assert_null(tz_parse("Test/Short", buf, 40, &cause));
	assert_non_null(strstr(cause, "not a valid TZif file"));
	free(cause);
}

static void
test_describe(void **state)
{
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "0 9 * * *", "every day at 09:00" },
		{ "0 9,18 * * *", "every day at 09:00, 18:00" },
		{ "30 7 * * 1-5", "Mon, Tue, Wed, Thu, Fri at 07:30" },
		{ "*/15 * * * *", "every 15 minutes" },
		{ "@hourly", "every hour" },
		{ "* * * * *", "every minute" },
		{ "0 0 1 * *", "0 0 1 * *" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		char *d = cron_describe(cases[i].expr);

		assert_string_equal(d, cases[i].want);
		free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_next_utc),
		cmocka_unit_test(test_short_months),
		cmocka_unit_test(test_dom_dow),
		cmocka_unit_test(test_dst_brussels),
		cmocka_unit_test(test_dst_new_york),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_tzif_footer),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
