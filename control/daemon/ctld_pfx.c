// SPDX-License-Identifier: BSD-3-Clause
/*
 * Prefixes for the BGP export and the feeds: parse, compare, overlap, and
 * the set of prefixes a compiled image says must never be announced (the
 * sources of allow rules, the protected destinations). The image is the
 * one truth: it already holds the file's sets, the set files and the
 * dynamic allows, compiled and checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctld_ext.h"

static unsigned int fam_bits(const struct pfx *p)
{
	return p->fam == 4 ? 32 : 128;
}

int pfx_parse(const char *cidr, struct pfx *p)
{
	char canon[DYN_CIDR_LEN], why[160], addr[INET6_ADDRSTRLEN];
	const char *slash;

	if (dyn_cidr_parse(cidr, canon, sizeof(canon), why, sizeof(why)))
		return -EINVAL;
	slash = strchr(canon, '/');
	if (!slash || (size_t)(slash - canon) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, canon, (size_t)(slash - canon));
	addr[slash - canon] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, addr, p->a) == 1)
		p->fam = 4;
	else if (inet_pton(AF_INET6, addr, p->a) == 1)
		p->fam = 6;
	else
		return -EINVAL;
	p->len = (uint8_t)atoi(slash + 1);
	return 0;
}

void pfx_format(const struct pfx *p, char *out, size_t out_len)
{
	char txt[INET6_ADDRSTRLEN];

	inet_ntop(p->fam == 4 ? AF_INET : AF_INET6, p->a, txt, sizeof(txt));
	snprintf(out, out_len, "%s/%u", txt, p->len);
}

int pfx_cmp(const struct pfx *x, const struct pfx *y)
{
	int c;

	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	c = memcmp(x->a, y->a, x->fam == 4 ? 4 : 16);
	if (c)
		return c;
	return (int)x->len - (int)y->len;
}

/* The first 'len' bits of a and b are equal. */
static int same_bits(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(a, b, full))
		return 0;
	if (!rest)
		return 1;
	return !((a[full] ^ b[full]) & (uint8_t)(0xff00 >> rest));
}

int pfx_contains(const struct pfx *outer, const struct pfx *inner)
{
	return outer->fam == inner->fam && outer->len <= inner->len &&
	       same_bits(outer->a, inner->a, outer->len);
}

int pfx_overlaps(const struct pfx *x, const struct pfx *y)
{
	return pfx_contains(x, y) || pfx_contains(y, x);
}

int pfx_set_add(struct pfx_set *s, const struct pfx *p)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct pfx *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *p;
	return 0;
}

static int pfx_qcmp(const void *a, const void *b)
{
	return pfx_cmp(a, b);
}

void pfx_set_sort(struct pfx_set *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), pfx_qcmp);
}

/* Index of the first element >= p. */
static size_t lower_bound(const struct pfx_set *s, const struct pfx *p)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pfx_cmp(&s->v[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Overlap is either a prefix of s inside p (sorted by address, the first
 * one at or after p's address tells) or one covering p: one exact search
 * per shorter length.
 */
int pfx_set_overlaps(const struct pfx_set *s, const struct pfx *p)
{
	struct pfx q = *p;
	size_t i;
	int len;

	if (!s->n)
		return 0;
	q.len = 0;
	i = lower_bound(s, &q);
	if (i < s->n && pfx_contains(p, &s->v[i]))
		return 1;
	for (len = p->len; len >= 0; len--) {
		unsigned int b = (unsigned int)len;

		q = *p;
		q.len = (uint8_t)len;
		for (; b < fam_bits(p); b++)
			q.a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
		i = lower_bound(s, &q);
		if (i < s->n && !pfx_cmp(&s->v[i], &q))
			return 1;
	}
	return 0;
}

void pfx_set_free(struct pfx_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- the never-announce sets of an image ---- */

static int mask_hits(const struct mxg_setmask *m, const struct mxg_setmask *w)
{
	unsigned int i;

	for (i = 0; i < MXG_SETS_MAX / 64; i++)
		if (m->w[i] & w->w[i])
			return 1;
	return 0;
}

int no_announce_from_image(const struct mxg_policy_header *image,
			   struct no_announce *na)
{
	const struct mxg_rule *rules = mxg_policy_rules(image);
	const struct mxg_setmask *classes = mxg_policy_classes(image);
	const struct mxg_prefix4 *v4 = mxg_policy_v4(image);
	const struct mxg_prefix6 *v6 = mxg_policy_v6(image);
	struct mxg_setmask allow = { { 0 } }, prot = { { 0 } };
	struct no_announce out = { 0 };
	struct pfx p;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < image->n_rules; i++)
		if (rules[i].action == MXG_ACTION_ALLOW &&
		    rules[i].src_set < MXG_SETS_MAX)
			allow.w[rules[i].src_set / 64] |=
				1ULL << (rules[i].src_set % 64);
	if (image->has_protected)
		prot.w[0] |= 1ULL << MXG_SET_PROTECTED;
	/* A prefix's class holds the sets of every prefix covering it, so
	 * this keeps each prefix inside an allow or protected set; the
	 * overlap search needs no more. */
	for (i = 0; i < image->n_v4 && !rc; i++) {
		const struct mxg_setmask *m = &classes[v4[i].class_id];
		uint32_t a = htonl(v4[i].addr);

		memset(&p, 0, sizeof(p));
		p.fam = 4;
		p.len = v4[i].len;
		memcpy(p.a, &a, 4);
		if (mask_hits(m, &allow))
			rc = pfx_set_add(&out.allow, &p);
		if (!rc && mask_hits(m, &prot))
			rc = pfx_set_add(&out.protect, &p);
	}
	for (i = 0; i < image->n_v6 && !rc; i++) {
		const struct mxg_setmask *m = &classes[v6[i].class_id];

		memset(&p, 0, sizeof(p));
		p.fam = 6;
		p.len = v6[i].len;
		memcpy(p.a, v6[i].addr, 16);
		if (mask_hits(m, &allow))
			rc = pfx_set_add(&out.allow, &p);
		if (!rc && mask_hits(m, &prot))
			rc = pfx_set_add(&out.protect, &p);
	}
	if (rc) {
		no_announce_free(&out);
		return rc;
	}
	pfx_set_sort(&out.allow);
	pfx_set_sort(&out.protect);
	out.n_ports = image->n_smtp_ports < 16 ? image->n_smtp_ports : 16;
	for (i = 0; i < out.n_ports; i++)
		out.ports[i] = image->smtp_ports[i];
	no_announce_free(na);
	*na = out;
	return 0;
}

void no_announce_free(struct no_announce *na)
{
	pfx_set_free(&na->allow);
	pfx_set_free(&na->protect);
	na->n_ports = 0;
}

const char *no_announce_why(const struct no_announce *na, const struct pfx *p)
{
	if (pfx_set_overlaps(&na->protect, p))
		return "protected";
	if (pfx_set_overlaps(&na->allow, p))
		return "allow";
	return NULL;
}
