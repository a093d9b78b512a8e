/*
 * Text forms of values shared by the drivers: calendar arithmetic, the
 * canonical UTC form of a timestamp with time zone, and decimals padded
 * or rounded to a column's scale. Pure functions, no allocation except
 * through the orm_buf the caller passes.
 */
#include "internal.h"

#include <string.h>
#include <stdio.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t orm__days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void orm__civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Exactly n digits at *p. */
static int digits(const char **p, const char *end, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

int orm__tstz_parse(const char *s, size_t len, orm__tstz *t)
{
	const char *p = s, *end = s + len;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, os = 0, sign = 0;
	int64_t days, secs;

	memset(t, 0, sizeof(*t));
	if (digits(&p, end, 4, &y) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &mo) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &d) < 0 || p >= end || (*p != ' ' && *p != 'T') ||
	    (p++, digits(&p, end, 2, &h)) < 0 || p >= end || *p++ != ':' ||
	    digits(&p, end, 2, &mi) < 0 || p >= end || *p++ != ':' ||
	    digits(&p, end, 2, &sec) < 0)
		return -1;
	if (p < end && *p == '.') {
		t->frac = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		t->fraclen = (size_t)(p - t->frac);
		if (!t->fraclen)
			return -1;
	}
	if (p < end && *p == ' ')
		p++;
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
		t->has_offset = 1;
	} else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, end, 2, &oh) < 0)
			return -1;
		if (p < end && *p == ':')
			p++;
		if (p < end && digits(&p, end, 2, &om) < 0)
			return -1;
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &os) < 0)
				return -1;
		}
		t->has_offset = 1;
	}
	if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59 || os > 59)
		return -1;
	secs = (int64_t)h * 3600 + mi * 60 + sec - (int64_t)sign * (oh * 3600 + om * 60 + os);
	days = orm__days_from_civil(y, mo, d);
	while (secs < 0) {
		secs += 86400;
		days--;
	}
	days += secs / 86400;
	secs %= 86400;
	orm__civil_from_days(days, &t->year, &t->month, &t->day);
	t->hour = (int)(secs / 3600);
	t->minute = (int)(secs % 3600 / 60);
	t->second = (int)(secs % 60);
	return 0;
}

int orm__tstz_utc_text(const char *s, size_t len, char *out, size_t cap)
{
	orm__tstz t;
	int n;
	size_t fl;

	if (orm__tstz_parse(s, len, &t) < 0 || !t.has_offset || t.year < 0 || t.year > 9999)
		return -1;
	fl = t.fraclen > 9 ? 9 : t.fraclen;
	if (cap < 36)
		return -1;
	n = snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d", (int)t.year, t.month, t.day,
		     t.hour, t.minute, t.second);
	if (n < 0)
		return -1;
	if (fl) {
		out[n++] = '.';
		memcpy(out + n, t.frac, fl);
		n += (int)fl;
	}
	memcpy(out + n, "+00:00", 7);
	return n + 6;
}

int orm__decimal_rescale(const char *s, size_t len, int scale, orm_buf *out)
{
	const char *p = s, *end = s + len, *ip, *fp = NULL;
	char digs[160], res[168];
	size_t il, fl = 0, i, nd = 0, intlen, skip = 0, n = 0;
	int neg = 0, carry = 0, zero = 1;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	ip = p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	il = (size_t)(p - ip);
	if (p < end && *p == '.') {
		fp = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		fl = (size_t)(p - fp);
	}
	if (p != end || (il == 0 && fl == 0) || scale < 0 || il + (size_t)scale + 1 > sizeof(digs))
		return 1;
	/* a leading 0 takes the carry of 9.99 -> 10.00 */
	digs[nd++] = '0';
	memcpy(digs + nd, ip, il);
	nd += il;
	for (i = 0; i < (size_t)scale; i++)
		digs[nd++] = i < fl ? fp[i] : '0';
	if (fl > (size_t)scale && fp[scale] >= '5')
		carry = 1; /* round half away from zero */
	for (i = nd; carry && i-- > 0;) {
		if (digs[i] == '9') {
			digs[i] = '0';
		} else {
			digs[i]++;
			carry = 0;
		}
	}
	intlen = nd - (size_t)scale;
	while (skip + 1 < intlen && digs[skip] == '0')
		skip++;
	for (i = 0; i < nd; i++)
		if (digs[i] != '0')
			zero = 0;
	if (neg && !zero)
		res[n++] = '-';
	memcpy(res + n, digs + skip, intlen - skip);
	n += intlen - skip;
	if (scale > 0) {
		res[n++] = '.';
		memcpy(res + n, digs + intlen, (size_t)scale);
		n += (size_t)scale;
	}
	orm_buf_clear(out);
	return orm_buf_put(out, res, n) < 0 ? ORM_ENOMEM : 0;
}
