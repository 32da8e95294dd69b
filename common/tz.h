/*
 * tz: IANA time zones read from the system's TZif files (tzdata), without
 * touching the process-wide TZ (setenv + localtime is not thread-safe). A
 * loaded zone is immutable: any thread may use it.
 *
 * Times here are seconds: `utc` since the epoch, `wall` the local wall
 * clock expressed as if it were UTC (so civil-time arithmetic works on it).
 */
#ifndef HERALD_TZ_H
#define HERALD_TZ_H

#include <stdint.h>

struct tz;

/* "UTC" (or "Etc/UTC") is built in; other names are read from $TZDIR or
 * /usr/share/zoneinfo. NULL with *cause for an unknown or corrupt zone. */
struct tz *tz_load(const char *name, char **cause);
/* The zone in the len bytes of a TZif file (RFC 8536) at buf, called
 * name. NULL with *cause for anything that is not a valid TZif file.
 * Pure: tz_load reads the file, the TZif fuzz target feeds bytes. */
struct tz  *tz_parse(const char *name, const unsigned char *buf, size_t len,
                     char **cause);
void        tz_free(struct tz *);
const char *tz_name(const struct tz *);

/* The offset from UTC, in seconds, in force at utc. */
int tz_offset(const struct tz *, int64_t utc);

/* The UTC instants whose local time is wall: returns how many (0, 1, or 2
 * when the wall time repeats as clocks go back) into out, earliest first.
 * When there are none (clocks jumped over wall), *gap_end is set to the
 * instant the jump happened, the first moment after the skipped span. */
int tz_resolve(const struct tz *, int64_t wall, int64_t out[2],
               int64_t *gap_end);

/* Civil time helpers (proleptic Gregorian, UTC). */
int64_t days_from_civil(int64_t y, int m, int d);
void    civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
