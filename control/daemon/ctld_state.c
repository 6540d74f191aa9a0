// SPDX-License-Identifier: BSD-3-Clause
/*
 * Dynamic entries (block, allow, the brake) and the state file that keeps
 * them across restarts.
 *
 * The entries are kept sorted by (kind, CIDR), so a lookup is a binary
 * search and a load is one sort. The state file is text, one entry a
 * line, sealed by a last line holding the count and an FNV-1a 64
 * checksum of everything before it:
 *
 *   mxgated-state 1
 *   block 203.0.113.0/24 1700003600 1700000000 flood%20from%20AS64500
 *   allow 192.0.2.7/32 0 1700000000 -
 *   block 198.51.100.0/24 1700007200 1700003600 auto%3A%20... auto
 *   brake 100/s 100 1700000600 1700000000 list%20loop
 *   end 3 8c1f0e8a4d5b2e71
 *
 * (times are unix seconds, 0 = no expiry; the reason is %-encoded, "-"
 * when empty; a block made by auto_block ends in " auto"). A file without a valid end line is torn or corrupt: it is
 * refused, and left where it is for inspection.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mxgated.h"

#define STATE_MAGIC_LINE "mxgated-state 1\n"
#define STATE_FILE_MAX	 (512u * 1024 * 1024)

int dyn_cidr_parse(const char *in, char *out, size_t out_len, char *why,
		   size_t why_len)
{
	char addr[INET6_ADDRSTRLEN + 8], txt[INET6_ADDRSTRLEN];
	uint8_t b[16];
	const char *slash = strchr(in, '/');
	size_t alen = slash ? (size_t)(slash - in) : strlen(in);
	int fam, bits, plen, i;
	char *end;

	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(why, why_len, "\"%.60s\" is not a CIDR", in);
		return -EINVAL;
	}
	memcpy(addr, in, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, b) == 1)
		fam = AF_INET, bits = 32;
	else if (inet_pton(AF_INET6, addr, b) == 1)
		fam = AF_INET6, bits = 128;
	else {
		snprintf(why, why_len, "\"%.60s\" is not an IP address", addr);
		return -EINVAL;
	}
	plen = bits;
	if (slash) {
		long v;

		errno = 0;
		v = strtol(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno ||
		    v < 0 || v > bits) {
			snprintf(why, why_len,
				 "\"%.60s\": prefix length must be 0..%d", in,
				 bits);
			return -EINVAL;
		}
		plen = (int)v;
	}
	for (i = plen; i < bits; i++) {
		if (b[i / 8] & (0x80 >> (i % 8))) {
			uint8_t m[16];
			int k;

			memcpy(m, b, sizeof(m));
			for (k = plen; k < bits; k++)
				m[k / 8] &= (uint8_t) ~(0x80 >> (k % 8));
			inet_ntop(fam, m, txt, sizeof(txt));
			snprintf(why, why_len,
				 "\"%.60s\" has host bits set (did you mean "
				 "%s/%d?)",
				 in, txt, plen);
			return -EINVAL;
		}
	}
	inet_ntop(fam, b, txt, sizeof(txt));
	if ((size_t)snprintf(out, out_len, "%s/%d", txt, plen) >= out_len)
		return -EINVAL;
	return 0;
}

double dyn_rate_parse(const char *in)
{
	double v, div = 1;
	char *end;

	if (!isdigit((unsigned char)in[0]))
		return -1;
	errno = 0;
	v = strtod(in, &end);
	if (errno || v <= 0 || v > 1e9)
		return -1;
	if (!*end)
		return v;
	if (!strcmp(end, "/s"))
		div = 1;
	else if (!strcmp(end, "/min"))
		div = 60;
	else if (!strcmp(end, "/h"))
		div = 3600;
	else
		return -1;
	return v / div;
}

int64_t dyn_ttl_parse(const char *in)
{
	long long v;
	char *end;
	int64_t mul = 1;

	if (!isdigit((unsigned char)in[0]))
		return -1;
	errno = 0;
	v = strtoll(in, &end, 10);
	if (errno || v <= 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60;
	else if (!strcmp(end, "h"))
		mul = 3600;
	else if (!strcmp(end, "d"))
		mul = 86400;
	else
		return -1;
	if (v > (int64_t)10 * 365 * 86400 / mul)
		return -1;
	return (int64_t)v * mul;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct dyn_entry *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->cidr, y->cidr);
}

/* Index of (kind, cidr), or -(insertion point) - 1. */
static ssize_t dyn_find(const struct dyn_state *s, int kind, const char *cidr)
{
	size_t lo = 0, hi = s->n;
	struct dyn_entry key;

	key.kind = (uint8_t)kind;
	snprintf(key.cidr, sizeof(key.cidr), "%s", cidr);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = entry_cmp(&s->v[mid], &key);

		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

static int dyn_reserve(struct dyn_state *s, size_t want)
{
	struct dyn_entry *nv;
	size_t cap = s->cap ? s->cap : 64;

	if (want <= s->cap)
		return 0;
	if (want > DYN_MAX)
		return -E2BIG;
	while (cap < want)
		cap *= 2;
	nv = realloc(s->v, cap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->v = nv;
	s->cap = cap;
	return 0;
}

int dyn_add(struct dyn_state *s, int kind, const char *cidr, int64_t expires,
	    int64_t created, const char *reason)
{
	ssize_t at = dyn_find(s, kind, cidr);
	struct dyn_entry *e;
	int rc;

	if (at >= 0) {
		e = &s->v[at];
		e->expires = expires;
		e->origin = DYN_ORIGIN_LOCAL;
		snprintf(e->reason, sizeof(e->reason), "%s",
			 reason ? reason : "");
		return 1;
	}
	rc = dyn_reserve(s, s->n + 1);
	if (rc)
		return rc;
	at = -at - 1;
	memmove(&s->v[at + 1], &s->v[at], (s->n - (size_t)at) * sizeof(*e));
	e = &s->v[at];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	snprintf(e->cidr, sizeof(e->cidr), "%s", cidr);
	e->expires = expires;
	e->created = created;
	snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
	s->n++;
	return 0;
}

int dyn_remove(struct dyn_state *s, int kind, const char *cidr)
{
	ssize_t at = dyn_find(s, kind, cidr);

	if (at < 0)
		return -ENOENT;
	memmove(&s->v[at], &s->v[at + 1],
		(s->n - (size_t)at - 1) * sizeof(s->v[0]));
	s->n--;
	return 0;
}

struct dyn_entry *dyn_get(struct dyn_state *s, int kind, const char *cidr)
{
	ssize_t at = dyn_find(s, kind, cidr);

	return at < 0 ? NULL : &s->v[at];
}

size_t dyn_count_origin(const struct dyn_state *s, int kind, int origin)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->v[i].kind == kind && s->v[i].origin == origin;
	return n;
}

size_t dyn_count(const struct dyn_state *s, int kind)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->v[i].kind == kind;
	return n;
}

size_t dyn_expire(struct dyn_state *s, int64_t now)
{
	size_t i, j = 0, gone;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].expires && s->v[i].expires <= now)
			continue;
		if (i != j)
			s->v[j] = s->v[i];
		j++;
	}
	gone = s->n - j;
	s->n = j;
	if (s->brake.active && s->brake.expires && s->brake.expires <= now) {
		memset(&s->brake, 0, sizeof(s->brake));
		gone++;
	}
	return gone;
}

int64_t dyn_next_expiry(const struct dyn_state *s)
{
	int64_t t = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].expires && (!t || s->v[i].expires < t))
			t = s->v[i].expires;
	if (s->brake.active && s->brake.expires && (!t || s->brake.expires < t))
		t = s->brake.expires;
	return t;
}

void dyn_free(struct dyn_state *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- the state file ---- */

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}
#define FNV64_INIT 14695981039346656037ULL

static void enc_reason(FILE *f, const char *r)
{
	if (!*r) {
		fputc('-', f);
		return;
	}
	if (!strcmp(r, "-")) {
		fputs("%2D", f);
		return;
	}
	for (; *r; r++) {
		unsigned char c = (unsigned char)*r;

		if (c <= 0x20 || c == '%' || c >= 0x7f)
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

static int dec_reason(const char *in, char *out, size_t out_len)
{
	size_t n = 0;

	if (!strcmp(in, "-")) {
		out[0] = '\0';
		return 0;
	}
	while (*in) {
		unsigned int c;

		if (n + 1 >= out_len)
			return -EINVAL;
		if (*in == '%') {
			if (!isxdigit((unsigned char)in[1]) ||
			    !isxdigit((unsigned char)in[2]) ||
			    sscanf(in + 1, "%2x", &c) != 1 || !c)
				return -EINVAL;
			out[n++] = (char)c;
			in += 3;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return 0;
}

int state_save(const char *path, const struct dyn_state *s)
{
	char tmp[4096], dirbuf[4096];
	char *buf = NULL;
	size_t len = 0, i, lines = 0;
	int fd = -1, dfd, rc = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fputs(STATE_MAGIC_LINE, f);
	for (i = 0; i < s->n; i++) {
		const struct dyn_entry *e = &s->v[i];

		fprintf(f, "%s %s %" PRId64 " %" PRId64 " ",
			e->kind == DYN_BLOCK ? "block" : "allow", e->cidr,
			e->expires, e->created);
		enc_reason(f, e->reason);
		if (e->origin == DYN_ORIGIN_AUTO)
			fputs(" auto", f);
		fputc('\n', f);
		lines++;
	}
	if (s->brake.active) {
		fprintf(f, "brake %s %u %" PRId64 " %" PRId64 " ",
			s->brake.rate, s->brake.burst, s->brake.expires,
			s->brake.created);
		enc_reason(f, s->brake.reason);
		fputc('\n', f);
		lines++;
	}
	fflush(f);
	fprintf(f, "end %zu %016" PRIx64 "\n", lines,
		fnv64(FNV64_INIT, buf, len));
	if (fclose(f))
		return -ENOMEM;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		rc = -ENAMETOOLONG;
		goto free_buf;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto free_buf;
	}
	for (i = 0; i < len;) {
		ssize_t n = write(fd, buf + i, len - i);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			goto remove_tmp;
		}
		i += (size_t)n;
	}
	if (fsync(fd)) {
		rc = -errno;
		goto remove_tmp;
	}
	if (close(fd)) {
		fd = -1;
		rc = -errno;
		goto remove_tmp;
	}
	fd = -1;
	if (rename(tmp, path)) {
		rc = -errno;
		goto remove_tmp;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd))
			rc = -errno;
		close(dfd);
	} else {
		rc = -errno;
	}
	goto free_buf;

remove_tmp:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
free_buf:
	free(buf);
	return rc;
}

/* Split a line into at most max fields on single spaces. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	while (*line && n < max) {
		f[n++] = line;
		line = strchr(line, ' ');
		if (!line)
			break;
		*line++ = '\0';
	}
	return line && *line ? max + 1 : n;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end || x < 0)
		return -EINVAL;
	*v = x;
	return 0;
}

#define BAD(...)                                                               \
	do {                                                                   \
		snprintf(why, why_len, __VA_ARGS__);                           \
		rc = -EBADMSG;                                                 \
		goto free_all;                                                 \
	} while (0)

int state_load(const char *path, struct dyn_state *s, int64_t now, char *why,
	       size_t why_len)
{
	char *buf = NULL, *p, *end_line, *nl;
	struct stat st;
	size_t len = 0, lines = 0, lineno = 1, declared;
	uint64_t sum, want;
	int fd, rc = 0;
	struct dyn_state in;

	memset(&in, 0, sizeof(in));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > STATE_FILE_MAX) {
		close(fd);
		snprintf(why, why_len, "%s: not a regular file under %u bytes",
			 path, STATE_FILE_MAX);
		return -EBADMSG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len < strlen(STATE_MAGIC_LINE) ||
	    memcmp(buf, STATE_MAGIC_LINE, strlen(STATE_MAGIC_LINE)))
		BAD("%s:1: not an mxgated state file (expected \"%.*s\")", path,
		    (int)strlen(STATE_MAGIC_LINE) - 1, STATE_MAGIC_LINE);
	if (memchr(buf, '\0', len))
		BAD("%s: NUL bytes in the file: corrupt", path);
	if (buf[len - 1] != '\n')
		BAD("%s: last line unterminated: the file is torn", path);
	buf[len - 1] = '\0';
	end_line = strrchr(buf, '\n');
	if (!end_line || strncmp(end_line + 1, "end ", 4))
		BAD("%s: no \"end\" line: the file is torn", path);
	end_line++;
	{
		char hex[17];
		char extra;

		if (sscanf(end_line, "end %zu %16[0-9a-f]%c", &declared, hex,
			   &extra) != 2 ||
		    strlen(hex) != 16)
			BAD("%s: bad \"end\" line: the file is torn or corrupt",
			    path);
		want = strtoull(hex, NULL, 16);
	}
	sum = fnv64(FNV64_INIT, buf, (size_t)(end_line - buf));
	if (sum != want)
		BAD("%s: checksum mismatch (%016" PRIx64 ", end line says "
		    "%016" PRIx64 "): the file is corrupt",
		    path, sum, want);
	end_line[-1] = '\0';
	for (p = buf + strlen(STATE_MAGIC_LINE); p < end_line - 1; p = nl + 1) {
		char *f[7], reason[DYN_REASON_LEN], cidr[DYN_CIDR_LEN];
		char w[160];
		int64_t exp, created;
		int nf, is_auto;

		nl = strchr(p, '\n');
		if (!nl)
			nl = end_line - 1;
		*nl = '\0';
		lineno++;
		lines++;
		nf = split(p, f, 6);
		if (nf >= 2 &&
		    (!strcmp(f[0], "block") || !strcmp(f[0], "allow"))) {
			is_auto = nf == 6 && f[0][0] == 'b' &&
				  !strcmp(f[5], "auto");
			if ((nf != 5 && !is_auto) ||
			    dyn_cidr_parse(f[1], cidr, sizeof(cidr), w,
					   sizeof(w)) ||
			    strcmp(cidr, f[1]) || parse_i64(f[2], &exp) ||
			    parse_i64(f[3], &created) ||
			    dec_reason(f[4], reason, sizeof(reason)))
				BAD("%s:%zu: bad %s entry", path, lineno, f[0]);
			if (exp && exp <= now)
				continue;
			rc = dyn_reserve(&in, in.n + 1);
			if (rc) {
				snprintf(why, why_len, "%s: %s", path,
					 strerror(-rc));
				goto free_all;
			}
			memset(&in.v[in.n], 0, sizeof(in.v[0]));
			in.v[in.n].kind = f[0][0] == 'b' ? DYN_BLOCK :
							   DYN_ALLOW;
			memcpy(in.v[in.n].cidr, cidr, sizeof(cidr));
			in.v[in.n].expires = exp;
			in.v[in.n].created = created;
			memcpy(in.v[in.n].reason, reason, sizeof(reason));
			in.v[in.n].origin = is_auto ? DYN_ORIGIN_AUTO :
						      DYN_ORIGIN_LOCAL;
			in.n++;
		} else if (nf >= 1 && !strcmp(f[0], "brake")) {
			int64_t burst;

			if (nf != 6 || dyn_rate_parse(f[1]) <= 0 ||
			    strlen(f[1]) >= DYN_RATE_LEN ||
			    parse_i64(f[2], &burst) || burst < 1 ||
			    burst > UINT32_MAX || parse_i64(f[3], &exp) ||
			    parse_i64(f[4], &created) ||
			    dec_reason(f[5], reason, sizeof(reason)))
				BAD("%s:%zu: bad brake entry", path, lineno);
			if (exp && exp <= now)
				continue;
			in.brake.active = 1;
			snprintf(in.brake.rate, sizeof(in.brake.rate), "%s",
				 f[1]);
			in.brake.per_second = dyn_rate_parse(f[1]);
			in.brake.burst = (uint32_t)burst;
			in.brake.expires = exp;
			in.brake.created = created;
			memcpy(in.brake.reason, reason, sizeof(reason));
		} else {
			BAD("%s:%zu: unknown entry kind", path, lineno);
		}
	}
	if (lines != declared)
		BAD("%s: %zu entries, the end line says %zu: the file is "
		    "corrupt",
		    path, lines, declared);
	qsort(in.v, in.n, sizeof(in.v[0]), entry_cmp);
	{
		size_t i, j = 0;

		for (i = 0; i < in.n; i++) {
			if (j && !entry_cmp(&in.v[j - 1], &in.v[i])) {
				in.v[j - 1] = in.v[i];
				continue;
			}
			in.v[j++] = in.v[i];
		}
		in.n = j;
	}
	dyn_free(s);
	*s = in;
	memset(&in, 0, sizeof(in));
free_all:
	dyn_free(&in);
	free(buf);
	return rc;
}
