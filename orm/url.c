/*
 * Connection URLs:
 *   sqlite:PATH  sqlite://PATH  sqlite:///abs/path  sqlite::memory:
 *   postgres://user:password@host:port/db?k=v&k2=v2  (also postgresql://)
 *   mariadb://user:password@[::1]:3306/db             (also mysql://)
 *
 * Errors name the problem and its byte offset in the URL, and never
 * contain the password (not even a fragment of it).
 */
#include "orm/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void url_error(char *errbuf, size_t errlen, const char *fmt, ...) ORM_FORMAT_PRINTF(3, 4);

static void url_error(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..len) into a new string. On a bad escape, return
 * ORM_EURL with *bad set to the escape's offset within s.
 */
static int pct_decode(char **out, const char *s, size_t len, size_t *bad)
{
	char *p, *w;
	size_t i;

	*out = NULL;
	p = orm__malloc(len + 1);
	if (!p)
		return ORM_ENOMEM;
	w = p;
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0) {
				*bad = i;
				orm__free(p);
				return ORM_EURL;
			}
			*w++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	*out = p;
	return 0;
}

void orm_url_free(orm_url *url)
{
	size_t i;

	if (!url)
		return;
	orm__free(url->scheme);
	orm__free(url->user);
	orm__free(url->password);
	orm__free(url->host);
	orm__free(url->database);
	for (i = 0; i < url->nopts; i++) {
		orm__free(url->opt_keys[i]);
		orm__free(url->opt_values[i]);
	}
	orm__free(url->opt_keys);
	orm__free(url->opt_values);
	orm__free(url);
}

const char *orm_url_opt(const orm_url *url, const char *key)
{
	size_t i;

	if (!url || !key)
		return NULL;
	for (i = 0; i < url->nopts; i++)
		if (strcmp(url->opt_keys[i], key) == 0)
			return url->opt_values[i];
	return NULL;
}

/* Parse "k=v&k2=v2" starting at url[pos] (just after '?') up to url[end]. */
static int parse_options(orm_url *u, const char *url, size_t pos, size_t end,
			 char *errbuf, size_t errlen)
{
	size_t n = 0, i, cap;
	int rc;

	/* count the options to size the arrays */
	cap = 1;
	for (i = pos; i < end; i++)
		if (url[i] == '&')
			cap++;
	u->opt_keys = orm__calloc(cap, sizeof(char *));
	u->opt_values = orm__calloc(cap, sizeof(char *));
	if (!u->opt_keys || !u->opt_values)
		return ORM_ENOMEM;

	while (pos < end) {
		size_t amp = pos, eq;
		size_t bad = 0;

		while (amp < end && url[amp] != '&')
			amp++;
		if (amp == pos) { /* empty segment "a=1&&b=2" or trailing '&' */
			pos = amp + 1;
			continue;
		}
		eq = pos;
		while (eq < amp && url[eq] != '=')
			eq++;
		if (eq == pos) {
			url_error(errbuf, errlen, "empty option name at offset %zu", pos);
			return ORM_EURL;
		}
		rc = pct_decode(&u->opt_keys[n], url + pos, eq - pos, &bad);
		if (rc == ORM_EURL) {
			url_error(errbuf, errlen, "invalid percent-encoding in option name at offset %zu",
				  pos + bad);
			return rc;
		}
		if (rc < 0)
			return rc;
		if (eq < amp) {
			/* never echo option values: one of them may be a password */
			rc = pct_decode(&u->opt_values[n], url + eq + 1, amp - eq - 1, &bad);
			if (rc == ORM_EURL)
				url_error(errbuf, errlen,
					  "invalid percent-encoding in the value of option '%s' at offset %zu",
					  u->opt_keys[n], eq + 1 + bad);
		} else {
			u->opt_values[n] = orm__strdup("");
			rc = u->opt_values[n] ? 0 : ORM_ENOMEM;
		}
		if (rc < 0) {
			orm__free(u->opt_keys[n]);
			u->opt_keys[n] = NULL;
			return rc;
		}
		n++;
		u->nopts = n;
		pos = amp + 1;
	}
	return 0;
}

static int set_empty(char **p)
{
	if (*p)
		return 0;
	*p = orm__strdup("");
	return *p ? 0 : ORM_ENOMEM;
}

/* sqlite:PATH, sqlite://PATH, sqlite:///abs, sqlite::memory: ; pos is just after "sqlite:" */
static int parse_sqlite(orm_url *u, const char *url, size_t pos, char *errbuf, size_t errlen)
{
	size_t len = strlen(url), end, bad = 0;
	const char *q;
	int rc;

	if (len - pos >= 2 && url[pos] == '/' && url[pos + 1] == '/')
		pos += 2; /* sqlite://rel.db -> rel.db, sqlite:///abs -> /abs */
	q = strchr(url + pos, '?');
	end = q ? (size_t)(q - url) : len;
	if (end == pos) {
		url_error(errbuf, errlen, "missing database path at offset %zu "
			  "(use sqlite:FILE or sqlite::memory:)", pos);
		return ORM_EURL;
	}
	rc = pct_decode(&u->database, url + pos, end - pos, &bad);
	if (rc == ORM_EURL) {
		url_error(errbuf, errlen, "invalid percent-encoding in database path at offset %zu",
			  pos + bad);
		return rc;
	}
	if (rc < 0)
		return rc;
	if (q)
		return parse_options(u, url, end + 1, len, errbuf, errlen);
	return 0;
}

/* scheme://[user[:password]@]host[:port][/database][?options] ; pos just after "scheme:" */
static int parse_server(orm_url *u, const char *url, size_t pos, char *errbuf, size_t errlen)
{
	size_t len = strlen(url), auth_end, at, i, host_start, host_end, bad = 0;
	int rc, have_at = 0;

	if (len - pos < 2 || url[pos] != '/' || url[pos + 1] != '/') {
		url_error(errbuf, errlen, "expected '//' after '%s:' at offset %zu", u->scheme, pos);
		return ORM_EURL;
	}
	pos += 2;
	/* the authority ends at the first '/', '?' or '#' */
	auth_end = pos;
	while (auth_end < len && url[auth_end] != '/' && url[auth_end] != '?' && url[auth_end] != '#')
		auth_end++;
	/* userinfo ends at the last '@' of the authority (passwords may hold '@' unencoded) */
	at = pos;
	for (i = pos; i < auth_end; i++)
		if (url[i] == '@') {
			at = i;
			have_at = 1;
		}
	if (have_at) {
		size_t colon = pos;
		while (colon < at && url[colon] != ':')
			colon++;
		rc = pct_decode(&u->user, url + pos, colon - pos, &bad);
		if (rc == ORM_EURL) {
			url_error(errbuf, errlen, "invalid percent-encoding in user name at offset %zu",
				  pos + bad);
			return rc;
		}
		if (rc < 0)
			return rc;
		if (colon < at) {
			rc = pct_decode(&u->password, url + colon + 1, at - colon - 1, &bad);
			if (rc == ORM_EURL) {
				url_error(errbuf, errlen, "invalid percent-encoding in password at offset %zu",
					  colon + 1 + bad);
				return rc;
			}
			if (rc < 0)
				return rc;
		}
		host_start = at + 1;
	} else {
		host_start = pos;
	}

	/* host: [ipv6] or name up to ':' */
	if (host_start < auth_end && url[host_start] == '[') {
		size_t close = host_start + 1;
		while (close < auth_end && url[close] != ']')
			close++;
		if (close >= auth_end) {
			url_error(errbuf, errlen, "unterminated '[' in IPv6 host at offset %zu", host_start);
			return ORM_EURL;
		}
		if (close == host_start + 1) {
			url_error(errbuf, errlen, "empty IPv6 host at offset %zu", host_start);
			return ORM_EURL;
		}
		/* hex digits, ':' and '.', then an optional zone "%25eth0" (RFC 6874) */
		for (i = host_start + 1; i < close && url[i] != '%'; i++) {
			char c = url[i];
			if (!(hexval(c) >= 0 || c == ':' || c == '.')) {
				url_error(errbuf, errlen, "invalid character '%c' in IPv6 host at offset %zu",
					  c, i);
				return ORM_EURL;
			}
		}
		rc = pct_decode(&u->host, url + host_start + 1, close - host_start - 1, &bad);
		if (rc == ORM_EURL) {
			url_error(errbuf, errlen, "invalid percent-encoding in IPv6 host at offset %zu",
				  host_start + 1 + bad);
			return rc;
		}
		if (rc < 0)
			return rc;
		host_end = close + 1;
		if (host_end < auth_end && url[host_end] != ':') {
			url_error(errbuf, errlen, "unexpected '%c' after IPv6 host at offset %zu",
				  url[host_end], host_end);
			return ORM_EURL;
		}
	} else {
		host_end = host_start;
		while (host_end < auth_end && url[host_end] != ':')
			host_end++;
		for (i = host_start; i < host_end; i++) {
			char c = url[i];
			if (c == '[' || c == ']' || c == ' ' || c == '@') {
				url_error(errbuf, errlen, "invalid character '%c' in host at offset %zu", c, i);
				return ORM_EURL;
			}
		}
		rc = pct_decode(&u->host, url + host_start, host_end - host_start, &bad);
		if (rc == ORM_EURL) {
			url_error(errbuf, errlen, "invalid percent-encoding in host at offset %zu",
				  host_start + bad);
			return rc;
		}
		if (rc < 0)
			return rc;
	}

	/* port */
	if (host_end < auth_end && url[host_end] == ':') {
		size_t p = host_end + 1;
		long port = 0;
		if (p == auth_end) {
			url_error(errbuf, errlen, "empty port at offset %zu", p);
			return ORM_EURL;
		}
		for (i = p; i < auth_end; i++) {
			if (url[i] < '0' || url[i] > '9') {
				url_error(errbuf, errlen, "invalid port '%.*s' at offset %zu (expected 1..65535)",
					  (int)(auth_end - p), url + p, p);
				return ORM_EURL;
			}
			if (port <= 65535)
				port = port * 10 + (url[i] - '0');
		}
		if (port < 1 || port > 65535) {
			url_error(errbuf, errlen, "port '%.*s' out of range at offset %zu (expected 1..65535)",
				  (int)(auth_end - p), url + p, p);
			return ORM_EURL;
		}
		u->port = (int)port;
	}

	/* database */
	pos = auth_end;
	if (pos < len && url[pos] == '/') {
		size_t dend = pos + 1;
		while (dend < len && url[dend] != '?' && url[dend] != '#')
			dend++;
		rc = pct_decode(&u->database, url + pos + 1, dend - pos - 1, &bad);
		if (rc == ORM_EURL) {
			url_error(errbuf, errlen, "invalid percent-encoding in database name at offset %zu",
				  pos + 1 + bad);
			return rc;
		}
		if (rc < 0)
			return rc;
		if (strchr(u->database, '/')) {
			url_error(errbuf, errlen, "unexpected '/' in database name at offset %zu",
				  pos + 1 + (size_t)(strchr(u->database, '/') - u->database));
			return ORM_EURL;
		}
		pos = dend;
	}
	if (pos < len && url[pos] == '#') {
		url_error(errbuf, errlen, "unexpected '#' at offset %zu", pos);
		return ORM_EURL;
	}
	if (pos < len && url[pos] == '?') {
		size_t qend = pos + 1;
		while (qend < len && url[qend] != '#')
			qend++;
		if (qend < len) {
			url_error(errbuf, errlen, "unexpected '#' at offset %zu", qend);
			return ORM_EURL;
		}
		return parse_options(u, url, pos + 1, len, errbuf, errlen);
	}
	return 0;
}

int orm_url_parse(orm_url **out, const char *url, char *errbuf, size_t errbuf_len)
{
	orm_url *u;
	size_t slen;
	int rc;

	if (errbuf && errbuf_len)
		errbuf[0] = '\0';
	if (!out)
		return ORM_EINVAL;
	*out = NULL;
	if (!url) {
		url_error(errbuf, errbuf_len, "URL is NULL");
		return ORM_EURL;
	}
	for (slen = 0; url[slen] && url[slen] != ':'; slen++) {
		char c = url[slen];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (slen > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))) {
			url_error(errbuf, errbuf_len, "invalid character in URL scheme at offset %zu "
				  "(expected sqlite:, postgres://, mariadb://, ...)", slen);
			return ORM_EURL;
		}
	}
	if (!url[slen] || slen == 0) {
		url_error(errbuf, errbuf_len, "missing URL scheme at offset 0 "
			  "(expected sqlite, postgres, postgresql, mariadb, mysql)");
		return ORM_EURL;
	}
	u = orm__calloc(1, sizeof(*u));
	if (!u)
		return ORM_ENOMEM;
	u->scheme = orm__strndup(url, slen);
	if (!u->scheme) {
		rc = ORM_ENOMEM;
		goto fail;
	}
	if (strcasecmp(u->scheme, "sqlite") == 0 || strcasecmp(u->scheme, "sqlite3") == 0) {
		u->dialect = ORM_DIALECT_SQLITE;
		rc = parse_sqlite(u, url, slen + 1, errbuf, errbuf_len);
	} else if (strcasecmp(u->scheme, "postgres") == 0 || strcasecmp(u->scheme, "postgresql") == 0) {
		u->dialect = ORM_DIALECT_POSTGRES;
		rc = parse_server(u, url, slen + 1, errbuf, errbuf_len);
	} else if (strcasecmp(u->scheme, "mariadb") == 0 || strcasecmp(u->scheme, "mysql") == 0) {
		u->dialect = ORM_DIALECT_MARIADB;
		rc = parse_server(u, url, slen + 1, errbuf, errbuf_len);
	} else {
		url_error(errbuf, errbuf_len, "unknown scheme '%.40s' "
			  "(expected sqlite, postgres, postgresql, mariadb, mysql)", u->scheme);
		rc = ORM_EURL;
	}
	if (rc < 0)
		goto fail;
	if ((rc = set_empty(&u->user)) < 0 || (rc = set_empty(&u->password)) < 0 ||
	    (rc = set_empty(&u->host)) < 0 || (rc = set_empty(&u->database)) < 0)
		goto fail;
	*out = u;
	return 0;
fail:
	if (rc == ORM_ENOMEM)
		url_error(errbuf, errbuf_len, "out of memory parsing URL");
	orm_url_free(u);
	return rc;
}

/* Whether an option key names a secret whose value must be redacted. */
static int secret_key(const char *k, size_t n)
{
	return (n == 8 && strncasecmp(k, "password", 8) == 0) ||
	       (n == 6 && strncasecmp(k, "passwd", 6) == 0) ||
	       (n == 11 && strncasecmp(k, "sslpassword", 11) == 0);
}

/*
 * Textual redaction (works on URLs that do not parse, too): the password
 * of the userinfo part and the values of password-like options become "***".
 */
int orm_url_redacted(orm_buf *out, const char *url)
{
	const char *p, *auth, *auth_end, *at = NULL, *q, *colon;
	int rc;

	if (!out || !url)
		return ORM_EINVAL;
	p = strstr(url, "://");
	if (!p || (strchr(url, '?') && strchr(url, '?') < p)) {
		auth = auth_end = url; /* no authority (sqlite:PATH) */
	} else {
		auth = p + 3;
		auth_end = auth;
		while (*auth_end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
			auth_end++;
		for (q = auth; q < auth_end; q++)
			if (*q == '@')
				at = q;
	}
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon) {
			if ((rc = orm_buf_put(out, url, (size_t)(colon + 1 - url))) < 0 ||
			    (rc = orm_buf_puts(out, "***")) < 0)
				return rc;
			p = at;
		} else {
			p = url;
		}
	} else {
		p = url;
	}
	/* copy up to the query string, then redact secret option values */
	q = strchr(auth_end, '?');
	if (!q)
		return orm_buf_puts(out, p);
	if ((rc = orm_buf_put(out, p, (size_t)(q + 1 - p))) < 0)
		return rc;
	p = q + 1;
	while (*p) {
		const char *amp = strchr(p, '&'), *eq;
		size_t seg = amp ? (size_t)(amp - p) : strlen(p);

		eq = memchr(p, '=', seg);
		if (eq && secret_key(p, (size_t)(eq - p))) {
			if ((rc = orm_buf_put(out, p, (size_t)(eq + 1 - p))) < 0 ||
			    (rc = orm_buf_puts(out, "***")) < 0)
				return rc;
		} else if ((rc = orm_buf_put(out, p, seg)) < 0) {
			return rc;
		}
		if (!amp)
			break;
		if ((rc = orm_buf_put(out, "&", 1)) < 0)
			return rc;
		p = amp + 1;
	}
	if (!out->ptr)
		return orm_buf_put(out, "", 0);
	return 0;
}
