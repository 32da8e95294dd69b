/*
 * cron: 5-field cron expressions (minute hour day-of-month month
 * day-of-week) and the next time one fires in a time zone. Pure
 * functions; any thread.
 *
 * Syntax as cronie's: lists (1,5), ranges (1-5), steps (*\/15, 1-30/5,
 * 5/10 = 5-59/10), names (JAN-DEC, SUN-SAT, any case), 7 = Sunday, and the
 * macros @yearly @annually @monthly @weekly @daily @midnight @hourly.
 * Day-of-month and day-of-week: when both are restricted, a day matches if
 * either does; otherwise both must. A field is unrestricted when it starts
 * with '*' (as in cronie: so "*\/2" is unrestricted) or allows every
 * value anyway (0-6, 1-31).
 *
 * Daylight saving time, as cronie handles it: a fixed-time expression
 * (neither minute nor hour starts with '*') whose wall-clock time is
 * skipped by a jump forward fires once, right after the jump; one whose
 * time repeats as clocks go back fires once, the first time. Other
 * expressions follow the wall clock: skipped minutes do not fire, repeated
 * ones fire again.
 */
#ifndef HERALD_CRON_H
#define HERALD_CRON_H

#include <stdint.h>

struct tz;

struct cron {
	uint64_t minute; /* bit n: minute n */
	uint32_t hour;
	uint32_t dom;   /* bits 1..31 */
	uint16_t month; /* bits 1..12 */
	uint8_t  dow;   /* bits 0..6, 0 = Sunday */
	int      dom_star, dow_star;
	int      fixed; /* fixed-time, for DST */
};

/* Parses expr. 0, or -1 with *cause like
 * "\"0 25 * * *\": hour 25 out of range 0-23". */
int cron_parse(const char *expr, struct cron *out, char **cause);

/* The first fire strictly after `after` (UTC seconds), in zone tz; -1 if
 * it never fires in the next ten years (e.g. "0 0 30 2 *"). */
int64_t cron_next(const struct cron *, const struct tz *, int64_t after);

/* "at 09:00 and 18:00 every day"-style description, for people. */
char *cron_describe(const char *expr);

#endif
