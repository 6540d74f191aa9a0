// SPDX-License-Identifier: BSD-3-Clause
/*
 * Prefixes: CIDR syntax, lists of prefixes, and their text form.
 *
 * A CIDR is "addr/len" or a bare address (/32, /128). Errors say what is
 * wrong: a zone index, a prefix length out of range, host bits set (which
 * ones, and the network that was probably meant), or plain garbage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_cidr.h"
#include "policy_path.h"

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
