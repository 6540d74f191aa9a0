// SPDX-License-Identifier: BSD-3-Clause
/*
 * Prefix sets: CIDR syntax, and set files.
 *
 * A CIDR is "addr/len" or a bare address (/32, /128). Errors say what is
 * wrong: a zone index, a prefix length out of range, host bits set (which
 * ones, and the network that was probably meant), or plain garbage.
 *
 * Set file formats, both tolerant of CRLF and trailing white space:
 *   spamhaus-drop  "CIDR ; SBLnnnn" lines; ';' starts a comment, on its
 *                  own line or after the CIDR; blank lines are ignored.
 *   plain          one CIDR or address per line; '#' starts a comment.
 * A line that does not parse is an error reported as FILE:LINE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_types.h"

#define CIDR_TEXT_MAX 64 /* longer than any CIDR, zone index included */

int pol_prefix_list_add(struct pol_prefix_list *l, const struct pol_prefix *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct pol_prefix *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *p;
	if (p->family == 4)
		l->n4++;
	else
		l->n6++;
	return 0;
}

void pol_prefix_list_free(struct pol_prefix_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * IPv6 text as RFC 5952 has it, but always in hex groups: inet_ntop
 * writes addresses with 96 leading zero bits (host parts, in messages)
 * in the old IPv4-compatible form "::0.1.0.0".
 */
static void format6(const uint8_t a[16], char *buf, size_t len)
{
	unsigned int g[8], i, best = 8, best_n = 0, used = 0;

	for (i = 0; i < 8; i++)
		g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8;) {
		unsigned int j = i;

		while (j < 8 && !g[j])
			j++;
		if (j - i > best_n && j - i >= 2) {
			best = i;
			best_n = j - i;
		}
		i = j > i ? j : i + 1;
	}
	buf[0] = '\0';
	for (i = 0; i < 8 && used < len; i++) {
		if (i == best) {
			used += (size_t)snprintf(buf + used, len - used, "::");
			i += best_n - 1;
			continue;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%x",
					 i && i != best + best_n ? ":" : "",
					 g[i]);
	}
}

static void format_addr(int af, const uint8_t *a, char *buf, size_t len)
{
	if (af == AF_INET)
		inet_ntop(AF_INET, a, buf, (socklen_t)len);
	else
		format6(a, buf, len);
}

void pol_prefix_format(const struct pol_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	format_addr(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

static int cidr_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F') || ch == '.' || ch == ':' || ch == '/';
}

int pol_cidr_parse(const char *s, size_t len, struct pol_prefix *out, char *why,
		   size_t why_len)
{
	char buf[CIDR_TEXT_MAX + 1], *slash, *pct;
	unsigned int plen, max, i, bytes;
	uint8_t host[16];
	int af, host_set = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		snprintf(why, why_len, "empty, expected a CIDR or an address");
		return -EINVAL;
	}
	if (len > CIDR_TEXT_MAX) {
		snprintf(why, why_len, "too long for a CIDR");
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	pct = memchr(buf, '%', len);
	if (pct) {
		char zone[CIDR_TEXT_MAX + 8];
		char *end = strchr(pct, '/');

		pol_quote(zone, sizeof(zone), pct,
			  end ? (size_t)(end - pct) : strlen(pct), 20);
		snprintf(
			why, why_len,
			"zone index %s is not allowed: a prefix names addresses, not an interface",
			zone);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!cidr_char(buf[i])) {
			snprintf(why, why_len,
				 "not an IPv4 or IPv6 address or CIDR");
			return -EINVAL;
		}
	}
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	max = af == AF_INET ? 32 : 128;
	out->family = af == AF_INET ? 4 : 6;
	if (inet_pton(af, buf, out->addr) != 1) {
		snprintf(why, why_len, "%s is not a valid %s address", buf,
			 af == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	plen = max;
	if (slash) {
		const char *d = slash + 1;
		size_t nd = strlen(d);

		if (nd == 0) {
			snprintf(why, why_len,
				 "missing prefix length after '/'");
			return -EINVAL;
		}
		for (i = 0; i < nd; i++) {
			if (d[i] < '0' || d[i] > '9') {
				snprintf(why, why_len,
					 "bad prefix length \"%.8s\"", d);
				return -EINVAL;
			}
		}
		if (nd > 1 && d[0] == '0') {
			snprintf(
				why, why_len,
				"bad prefix length \"%.8s\" (no leading zeros)",
				d);
			return -EINVAL;
		}
		if (nd > 3) {
			snprintf(
				why, why_len,
				"prefix length \"%.8s\" out of range for %s (0..%u)",
				d, af == AF_INET ? "IPv4" : "IPv6", max);
			return -EINVAL;
		}
		plen = (unsigned int)strtoul(d, NULL, 10);
		if (plen > max) {
			snprintf(why, why_len,
				 "prefix length %u out of range for %s (0..%u)",
				 plen, af == AF_INET ? "IPv4" : "IPv6", max);
			return -EINVAL;
		}
	}
	out->len = (uint8_t)plen;
	bytes = max / 8;
	memset(host, 0, sizeof(host));
	for (i = 0; i < bytes; i++) {
		unsigned int keep = plen > 8 * i ? plen - 8 * i : 0;
		uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff00u >> keep);

		host[i] = out->addr[i] & (uint8_t)~mask;
		if (host[i])
			host_set = 1;
	}
	if (host_set) {
		char h[INET6_ADDRSTRLEN], net[CIDR_TEXT_MAX];
		struct pol_prefix fixed = *out;

		for (i = 0; i < bytes; i++)
			fixed.addr[i] &= (uint8_t)~host[i];
		format_addr(af, host, h, sizeof(h));
		pol_prefix_format(&fixed, net, sizeof(net));
		snprintf(why, why_len,
			 "host bits set: %s is past the /%u; did you mean %s?",
			 h, plen, net);
		return -EINVAL;
	}
	return 0;
}

int pol_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	size_t cap, n = 0;
	struct stat st;
	char *b;
	int fd, rc, flags;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO must not hang us; it is refused below. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto close_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto close_fd;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = -EFBIG;
		goto close_fd;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	/* The size may change under us (or be 0 in /proc): read to EOF. */
	cap = (size_t)st.st_size + 1;
	if (cap < 4096)
		cap = 4096;
	if (cap > max + 1)
		cap = max + 1;
	b = malloc(cap + 1);
	if (!b) {
		rc = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				rc = -EFBIG;
				goto free_buf;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				rc = -ENOMEM;
				goto free_buf;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto free_buf;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		rc = -EFBIG;
		goto free_buf;
	}
	b[n] = '\0';
	close(fd);
	*buf = b;
	*len = n;
	return 0;

free_buf:
	free(b);
close_fd:
	close(fd);
	return rc;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

int pol_set_parse_text(struct pol_ctx *c, struct pol_policy *p,
		       struct pol_set *set, const char *file, const char *text,
		       size_t len)
{
	char comment = set->format == POL_FORMAT_SPAMHAUS_DROP ? ';' : '#';
	char path[POL_PATH_MAX], why[160], q[96];
	struct pol_path pp = { .len = 0 };
	unsigned long lineno = 0;
	size_t pos = 0;
	int rc;

	pp.s[0] = '\0';
	pol_path_key(&pp, "sets");
	pol_path_key(&pp, set->name);
	snprintf(path, sizeof(path), "%s", pp.s);
	while (pos < len) {
		const char *line = text + pos, *nl, *end, *cut;
		struct pol_prefix pfx;
		size_t i, n;

		nl = memchr(line, '\n', len - pos);
		end = nl ? nl : text + len;
		pos = (size_t)(end - text) + (nl ? 1 : 0);
		lineno++;
		cut = memchr(line, comment, (size_t)(end - line));
		if (cut)
			end = cut;
		while (line < end && is_space(*line))
			line++;
		while (end > line && is_space(end[-1]))
			end--;
		n = (size_t)(end - line);
		if (!n)
			continue;
		for (i = 0; i < n; i++)
			if (is_space(line[i]))
				break;
		if (i < n) {
			pol_quote(q, sizeof(q), line, n, 60);
			pol_error_file(
				c, set->file_f.off, file, lineno, path,
				"expected one CIDR per line%s, got %s",
				comment == ';' ? " (then \"; comment\")" : "",
				q);
			set->ok = 0;
			continue;
		}
		if (pol_cidr_parse(line, n, &pfx, why, sizeof(why))) {
			pol_quote(q, sizeof(q), line, n, 60);
			pol_error_file(c, set->file_f.off, file, lineno, path,
				       "bad CIDR %s: %s", q, why);
			set->ok = 0;
			continue;
		}
		if (p->n_prefixes_given >= MXG_PREFIXES_MAX) {
			pol_error_file(c, set->file_f.off, file, lineno, path,
				       "more than %u prefixes in all sets",
				       MXG_PREFIXES_MAX);
			set->ok = 0;
			return 0;
		}
		rc = pol_prefix_list_add(&set->list, &pfx);
		if (rc)
			return rc;
		p->n_prefixes_given++;
	}
	return 0;
}

static int set_file_path(const struct pol_ctx *c, const char *file, char *out,
			 size_t out_len)
{
	int n;

	if (file[0] == '/' || !c->base_dir || !c->base_dir[0])
		n = snprintf(out, out_len, "%s", file);
	else
		n = snprintf(out, out_len, "%s/%s", c->base_dir, file);
	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

int pol_sets_load(struct pol_ctx *c, struct pol_policy *p)
{
	char path[4096], q[96], qp[96];
	unsigned int i;
	int rc;

	for (i = 0; i < p->n_sets; i++) {
		struct pol_set *set = &p->sets[i];
		struct pol_path pp = { .len = 0 };
		char *text;
		size_t len;

		if (!set->is_file || !set->file_f.ok || !set->format_f.ok)
			continue;
		pp.s[0] = '\0';
		pol_path_key(&pp, "sets");
		pol_path_key(&pp, set->name);
		pol_path_key(&pp, "file");
		pol_quote(q, sizeof(q), set->file, strlen(set->file), 80);
		if (set_file_path(c, set->file, path, sizeof(path))) {
			pol_error(c, set->file_f.off, pp.s,
				  "path %s is too long", q);
			set->ok = 0;
			continue;
		}
		pol_quote(qp, sizeof(qp), path, strlen(path), 80);
		rc = pol_read_file(path, MXG_SET_FILE_MAX, &text, &len);
		if (rc == -ENOMEM)
			return rc;
		if (rc == -EFBIG) {
			pol_error(c, set->file_f.off, pp.s,
				  "set file %s is larger than %llu bytes", qp,
				  (unsigned long long)MXG_SET_FILE_MAX);
		} else if (rc == -EINVAL) {
			pol_error(c, set->file_f.off, pp.s,
				  "set file %s is not a regular file", qp);
		} else if (rc) {
			pol_error(c, set->file_f.off, pp.s,
				  "cannot read set file %s: %s", qp,
				  strerror(-rc));
		}
		if (rc) {
			set->ok = 0;
			continue;
		}
		rc = pol_set_parse_text(c, p, set, path, text, len);
		free(text);
		if (rc)
			return rc;
	}
	return 0;
}
