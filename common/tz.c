/*
 * tz: a TZif (RFC 8536) reader and the POSIX TZ rules of its footer.
 *
 * The transition table answers for the times it covers; after its last
 * transition the footer rule (e.g. "CET-1CEST,M3.5.0,M10.5.0/3") does, so
 * "slim" tzdata files and dates past 2037 work too. Leap-second records are
 * skipped (tzdata's "right/" zones are not supported).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"
#include "common/util.h"

#define TZ_MAX_FILE (1024 * 1024)

/* A POSIX TZ rule date: Mm.w.d, Jn or n, with a time of day (seconds,
 * may be negative or past 24 h). */
struct rule_date {
	char kind; /* 'M', 'J' or 'D' */
	int  m, w, d, n;
	int  time;
};

struct posix_tz {
	int              std_off; /* seconds east of UTC */
	int              dst_off;
	int              has_dst;
	struct rule_date start, end;
};

struct tz {
	char           *name;
	int64_t        *trans; /* transition instants, ascending */
	unsigned char  *idx;   /* the type in force from each transition */
	int            *type_off;
	int            *type_dst;
	int             ntrans, ntypes;
	int             has_footer;
	struct posix_tz footer;
};

int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	int     yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era;
	int     doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* POSIX TZ strings. */

static const char *
parse_name(const char *s)
{
	if (*s == '<') {
		while (*s != '\0' && *s != '>')
			s++;
		return *s == '>' ? s + 1 : NULL;
	}
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return NULL;
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	return s;
}

/* [+-]hh[:mm[:ss]] into seconds. */
static const char *
parse_hms(const char *s, int *out)
{
	int sign = 1, h = 0, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (*s < '0' || *s > '9')
		return NULL;
	/* Each field stops growing once it is out of range, so a long run
	 * of digits cannot overflow. */
	while (*s >= '0' && *s <= '9' && h <= 167)
		h = h * 10 + (*s++ - '0');
	if (*s == ':') {
		s++;
		while (*s >= '0' && *s <= '9' && m <= 59)
			m = m * 10 + (*s++ - '0');
		if (*s == ':') {
			s++;
			while (*s >= '0' && *s <= '9' && sec <= 59)
				sec = sec * 10 + (*s++ - '0');
		}
	}
	if (h > 167 || m > 59 || sec > 59)
		return NULL;
	*out = sign * (h * 3600 + m * 60 + sec);
	return s;
}

static const char *
parse_num(const char *s, int *out)
{
	int n = 0;

	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s++ - '0');
		if (n > 9999) /* no rule number is this large */
			return NULL;
	}
	*out = n;
	return s;
}

static const char *
parse_rule_date(const char *s, struct rule_date *rd)
{
	memset(rd, 0, sizeof *rd);
	rd->time = 2 * 3600;
	if (*s == 'M') {
		rd->kind = 'M';
		if ((s = parse_num(s + 1, &rd->m)) == NULL || *s++ != '.' ||
		    (s = parse_num(s, &rd->w)) == NULL || *s++ != '.' ||
		    (s = parse_num(s, &rd->d)) == NULL)
			return NULL;
		if (rd->m < 1 || rd->m > 12 || rd->w < 1 || rd->w > 5 ||
		    rd->d > 6)
			return NULL;
	} else if (*s == 'J') {
		rd->kind = 'J';
		if ((s = parse_num(s + 1, &rd->n)) == NULL || rd->n < 1 ||
		    rd->n > 365)
			return NULL;
	} else {
		rd->kind = 'D';
		if ((s = parse_num(s, &rd->n)) == NULL || rd->n > 365)
			return NULL;
	}
	if (*s == '/' && (s = parse_hms(s + 1, &rd->time)) == NULL)
		return NULL;
	return s;
}

static int
parse_posix(const char *s, struct posix_tz *p)
{
	int v;

	memset(p, 0, sizeof *p);
	if ((s = parse_name(s)) == NULL || (s = parse_hms(s, &v)) == NULL)
		return -1;
	p->std_off = -v; /* POSIX counts west of Greenwich as positive */
	if (*s == '\0')
		return 0;
	if ((s = parse_name(s)) == NULL)
		return -1;
	p->has_dst = 1;
	p->dst_off = p->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = parse_hms(s, &v)) == NULL)
			return -1;
		p->dst_off = -v;
	}
	if (*s != ',') /* no rule: POSIX's default is US rules; none here */
		return -1;
	if ((s = parse_rule_date(s + 1, &p->start)) == NULL || *s != ',' ||
	    (s = parse_rule_date(s + 1, &p->end)) == NULL || *s != '\0')
		return -1;
	return 0;
}

/* The day (days since the epoch) a rule date falls on in year y. */
static int64_t
rule_day(const struct rule_date *rd, int64_t y)
{
	int64_t first, day;
	int     dow, mdays;

	switch (rd->kind) {
	case 'J': /* 1..365, February 29 never counted */
		day = days_from_civil(y, 1, 1) + rd->n - 1;
		if (is_leap(y) && rd->n >= 60)
			day++;
		return day;
	case 'D':
		return days_from_civil(y, 1, 1) + rd->n;
	default:
		first = days_from_civil(y, rd->m, 1);
		dow = (int)(((first % 7) + 11) % 7); /* 1970-01-01: Thursday */
		day = first + ((rd->d - dow + 7) % 7) + 7 * (rd->w - 1);
		mdays = (int)(days_from_civil(rd->m == 12 ? y + 1 : y,
		                              rd->m == 12 ? 1 : rd->m + 1, 1) -
		              first);
		while (day - first >= mdays)
			day -= 7;
		return day;
	}
}

static int
posix_offset(const struct posix_tz *p, int64_t utc)
{
	int64_t y, start, end;
	int     m, d;

	if (!p->has_dst)
		return p->std_off;
	civil_from_days((utc + p->std_off) / 86400 -
	                    ((utc + p->std_off) % 86400 < 0),
	                &y, &m, &d);
	/* Start is given in standard time, end in daylight time. */
	start = rule_day(&p->start, y) * 86400 + p->start.time - p->std_off;
	end = rule_day(&p->end, y) * 86400 + p->end.time - p->dst_off;
	if (start < end)
		return utc >= start && utc < end ? p->dst_off : p->std_off;
	return utc >= end && utc < start ? p->std_off : p->dst_off;
}

/* TZif files. */

static int64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int      i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	if (n == 4)
		return (int64_t)(int32_t)(uint32_t)v;
	return (int64_t)v;
}

static int
parse_tzif(struct tz *z, const unsigned char *buf, size_t len, char **cause)
{
	const unsigned char *p = buf, *end = buf + len;
	int64_t              cnt[6];
	size_t               need;
	int                  version, i, tsize = 4;

	if (len < 44 || memcmp(buf, "TZif", 4) != 0)
		goto bad;
	version = buf[4] == 0 ? 1 : buf[4] - '0';
	for (;;) {
		if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
			goto bad;
		for (i = 0; i < 6; i++)
			cnt[i] = be(p + 20 + 4 * i, 4);
		for (i = 0; i < 6; i++)
			if (cnt[i] < 0 || cnt[i] > 100000)
				goto bad;
		/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
		need = (size_t)(cnt[3] * tsize + cnt[3] + cnt[4] * 6 + cnt[5] +
		                cnt[2] * (tsize + 4) + cnt[1] + cnt[0]);
		p += 44;
		if ((size_t)(end - p) < need)
			goto bad;
		if (version >= 2 && tsize == 4) {
			/* Skip the 32-bit block; read the 64-bit one. */
			p += need;
			tsize = 8;
			continue;
		}
		break;
	}
	if (cnt[4] < 1)
		goto bad;
	z->ntrans = (int)cnt[3];
	z->ntypes = (int)cnt[4];
	z->trans = xcalloc((size_t)z->ntrans + 1, sizeof *z->trans);
	z->idx = xcalloc((size_t)z->ntrans + 1, 1);
	z->type_off = xcalloc((size_t)z->ntypes, sizeof *z->type_off);
	z->type_dst = xcalloc((size_t)z->ntypes, sizeof *z->type_dst);
	for (i = 0; i < z->ntrans; i++)
		z->trans[i] = be(p + (size_t)i * (size_t)tsize, tsize);
	p += (size_t)z->ntrans * (size_t)tsize;
	for (i = 0; i < z->ntrans; i++) {
		z->idx[i] = p[i];
		if (p[i] >= z->ntypes)
			goto bad;
	}
	p += z->ntrans;
	for (i = 0; i < z->ntypes; i++) {
		z->type_off[i] = (int)be(p + 6 * i, 4);
		z->type_dst[i] = p[6 * i + 4];
	}
	p += 6 * z->ntypes;
	p += cnt[5] + cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
	if (tsize == 8 && p < end && *p == '\n') {
		const unsigned char *nl =
		    memchr(p + 1, '\n', (size_t)(end - p - 1));
		char *s;

		if (nl != NULL && nl > p + 1) {
			s = xstrndup((const char *)p + 1, (size_t)(nl - p - 1));
			if (parse_posix(s, &z->footer) == 0)
				z->has_footer = 1;
			free(s);
		}
	}
	return 0;
bad:
	xasprintf(cause, "time zone %s: not a valid TZif file", z->name);
	return -1;
}

struct tz *
tz_parse(const char *name, const unsigned char *buf, size_t len, char **cause)
{
	struct tz *z = xcalloc(1, sizeof *z);

	z->name = xstrdup(name);
	if (parse_tzif(z, buf, len, cause) != 0) {
		tz_free(z);
		return NULL;
	}
	return z;
}

struct tz *
tz_load(const char *name, char **cause)
{
	struct tz     *z = xcalloc(1, sizeof *z);
	const char    *dir = getenv("TZDIR");
	unsigned char *buf = NULL;
	char          *path = NULL;
	FILE          *f = NULL;
	size_t         n;

	z->name = xstrdup(name);
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
	    strcmp(name, "Z") == 0) {
		z->ntypes = 1;
		z->type_off = xcalloc(1, sizeof *z->type_off);
		z->type_dst = xcalloc(1, sizeof *z->type_dst);
		return z;
	}
	/* A name, not a path: no "..", no leading "/". */
	if (*name == '\0' || *name == '/' || strstr(name, "..") != NULL ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789/_+-") != strlen(name)) {
		xasprintf(cause, "\"%s\" is not a time zone name", name);
		goto fail;
	}
	xasprintf(&path, "%s/%s",
	          dir != NULL && *dir != '\0' ? dir : "/usr/share/zoneinfo",
	          name);
	if ((f = fopen(path, "rb")) == NULL) {
		xasprintf(cause, "unknown time zone \"%s\" (%s: %s)", name,
		          path, strerror(errno));
		goto fail;
	}
	buf = xmalloc(TZ_MAX_FILE);
	n = fread(buf, 1, TZ_MAX_FILE, f);
	tz_free(z);
	z = tz_parse(name, buf, n, cause);
	free(buf);
	free(path);
	fclose(f);
	return z;
fail:
	free(buf);
	free(path);
	if (f != NULL)
		fclose(f);
	tz_free(z);
	return NULL;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->trans);
	free(z->idx);
	free(z->type_off);
	free(z->type_dst);
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z->name;
}

int
tz_offset(const struct tz *z, int64_t utc)
{
	int lo = 0, hi = z->ntrans - 1, i;

	if (z->ntrans == 0 || utc < z->trans[0]) {
		if (z->ntrans == 0 && z->has_footer)
			return posix_offset(&z->footer, utc);
		/* Before the first transition: the first standard type. */
		for (i = 0; i < z->ntypes; i++)
			if (!z->type_dst[i])
				return z->type_off[i];
		return z->type_off[0];
	}
	if (utc >= z->trans[z->ntrans - 1] && z->has_footer)
		return posix_offset(&z->footer, utc);
	while (lo < hi) { /* the last transition <= utc */
		int mid = (lo + hi + 1) / 2;

		if (z->trans[mid] <= utc)
			lo = mid;
		else
			hi = mid - 1;
	}
	return z->type_off[z->idx[lo]];
}

int
tz_resolve(const struct tz *z, int64_t wall, int64_t out[2], int64_t *gap_end)
{
	int     offs[2], n = 0, i, k;
	int64_t lo, hi, u;

	/* Offsets change at most once within a day around wall, so the two
	 * offsets a day either side are the only candidates. */
	offs[0] = tz_offset(z, wall - 86400);
	offs[1] = tz_offset(z, wall + 86400);
	for (i = 0; i < 2; i++) {
		if (i == 1 && offs[1] == offs[0])
			break;
		u = wall - offs[i];
		if (tz_offset(z, u) != offs[i])
			continue;
		for (k = 0; k < n; k++)
			if (out[k] == u)
				break;
		if (k == n)
			out[n++] = u;
	}
	if (n == 2 && out[0] > out[1]) {
		u = out[0];
		out[0] = out[1];
		out[1] = u;
	}
	if (n == 0) {
		/* A gap: find the transition between the two readings. */
		lo = wall - (offs[0] > offs[1] ? offs[0] : offs[1]);
		hi = wall - (offs[0] < offs[1] ? offs[0] : offs[1]);
		while (lo < hi) {
			int64_t mid = lo + (hi - lo) / 2;

			if (tz_offset(z, mid) == offs[1])
				hi = mid;
			else
				lo = mid + 1;
		}
		*gap_end = lo;
	}
	return n;
}
