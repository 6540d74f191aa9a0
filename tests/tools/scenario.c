// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-scenario: deterministic synthetic captures for tests, the demo
 * and benchmarks.
 *
 * Each scenario in the comma list generates its frames independently,
 * from a random stream seeded by (--seed, scenario name), into one frame
 * store. The store is sorted by (timestamp, generation order) and
 * written; the manifest is computed from what was written, after the
 * link-type conversion and timestamp rounding of the output format.
 *
 * Whether a frame is an SMTP connection attempt (DESIGN §3) is decided
 * here by construction, not by running the parser, so the tests that
 * compare the manifest with the parser's view of the capture check one
 * against the other.
 */
#include "scenario.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../lib/pktgen.h"
#include "capture_writer.h"
#include "cli.h"

#define PROG	      "mxgate-scenario"
#define DEFAULT_START 1700000000ull
#define MAX_START     4000000000ull /* pcap seconds are 32-bit */
#define SNAPLEN	      262144u
#define MAX_FRAMES    5000000u
#define MAX_ARENA     ((size_t)1 << 29)
#define MAX_SCENARIOS 16
#define MAX_PARAMS    16
#define MAX_PORTS     8
#define NSEC	      1000000000ull
#define US	      1000ull
#define MS	      1000000ull
#define MX4	      "198.51.100.25"
#define MX6	      "2001:db8:25::25"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static const uint16_t smtp_ports[] = { 25, 465, 587 };
#define N_SMTP_PORTS (sizeof(smtp_ports) / sizeof(smtp_ports[0]))

/* RFC 7042 documentation MAC addresses: upstream router and MX side. */
static const uint8_t mac_router[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t mac_mx[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x25 };

/* ------------------------------------------------------------------ */
/* Frame kinds, as the manifest names them. */

#define FRAME_KINDS(X)                                                         \
	X(syn)                                                                 \
	X(synack)                                                              \
	X(ack)                                                                 \
	X(data)                                                                \
	X(fin)                                                                 \
	X(frag4_first)                                                         \
	X(frag4_tiny)                                                          \
	X(frag4_later)                                                         \
	X(frag6_first)                                                         \
	X(frag6_tiny)                                                          \
	X(frag6_later)                                                         \
	X(frag6_atomic)                                                        \
	X(http)                                                                \
	X(dns)                                                                 \
	X(udp25)                                                               \
	X(tcp_other)                                                           \
	X(synack25)                                                            \
	X(ack25)                                                               \
	X(rst25)                                                               \
	X(icmp4)                                                               \
	X(icmp6)                                                               \
	X(arp)                                                                 \
	X(lldp)                                                                \
	X(nonip)                                                               \
	X(snap_syn_hdr)                                                        \
	X(snap_syn_opts)                                                       \
	X(snap_data)                                                           \
	X(snap_l3)                                                             \
	X(runt)                                                                \
	X(bad_version)                                                         \
	X(bad_ihl)                                                             \
	X(short_totlen)                                                        \
	X(bad_doff)                                                            \
	X(iplen_cuts_tcp)                                                      \
	X(v6_ext_cut)                                                          \
	X(v6_ext_many)                                                         \
	X(vlan3)

#define KIND_ENUM(n) K_##n,
enum frame_kind { FRAME_KINDS(KIND_ENUM) K_MAX };
#define KIND_NAME(n) #n,
static const char *const kind_names[] = { FRAME_KINDS(KIND_NAME) };

/* ------------------------------------------------------------------ */
/* Random numbers: splitmix64, one stream per scenario. */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return mix64(*s);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rng_next(s) >> 32) * n) >> 32);
}

/* Uniform in [lo, hi]. */
static uint64_t rng_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + (uint64_t)(rng_unit(s) * (double)(hi - lo + 1));
}

static double rng_exp(uint64_t *s, double mean)
{
	return -mean * log(1.0 - rng_unit(s));
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

/* ------------------------------------------------------------------ */
/* Parameters */

enum ptype {
	P_SECONDS, /* seconds, a number */
	P_RATE,	   /* N, N/s, N/min, N/h: stored per second */
	P_COUNT,   /* a whole number */
	P_FRAC,	   /* 0..1 */
	P_ADDR,	   /* IPv4 or IPv6 address */
	P_ADDR4,
	P_ADDR6,
	P_NET4, /* CIDR, host bits clear; lo/hi bound the prefix length */
	P_NET6,
	P_PORT,
	P_PORTS, /* comma list of up to MAX_PORTS ports */
};

struct param_def {
	const char *key;
	enum ptype type;
	const char *def;
	double lo, hi;
	const char *help;
};

struct pval {
	double num; /* seconds, per-second rate, count, fraction, port */
	int family; /* addresses and nets: 4 or 6 */
	unsigned int plen;
	uint8_t addr[16];
	char text[INET6_ADDRSTRLEN];
	uint16_t ports[MAX_PORTS];
	unsigned int n_ports;
};

/* Every scenario's parameters start with these two. */
enum { P_OFFSET, P_DURATION };
#define COMMON_PARAMS(dur)                                                     \
	{                                                                      \
		"offset", P_SECONDS,                                           \
		"0",	  0,                                                   \
		86400,	  "seconds after --start when the scenario begins"     \
	},                                                                     \
	{                                                                      \
		"duration", P_SECONDS, dur, 0.001, 86400,                      \
			"seconds during which it starts events "               \
			"(sessions may run past the end)"                      \
	}

static int parse_num(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && !errno && isfinite(*out) ? 0 : -EINVAL;
}

static int parse_addr(const char *s, int want, struct pval *v)
{
	if ((want == 0 || want == 4) && inet_pton(AF_INET, s, v->addr) == 1)
		v->family = 4;
	else if ((want == 0 || want == 6) &&
		 inet_pton(AF_INET6, s, v->addr) == 1)
		v->family = 6;
	else
		return -EINVAL;
	inet_ntop(v->family == 6 ? AF_INET6 : AF_INET, v->addr, v->text,
		  sizeof(v->text));
	return 0;
}

/* Parse one value; on error, 'err' says what was expected. */
static int parse_value(const struct param_def *d, const char *s, struct pval *v,
		       char *err, size_t errlen)
{
	const char *what = "";
	char buf[64], *slash, *end;
	unsigned long ul;
	double x;
	size_t i, nbytes;

	memset(v, 0, sizeof(*v));
	switch (d->type) {
	case P_SECONDS:
		what = "a number of seconds";
		if (parse_num(s, &x) || x < d->lo || x > d->hi)
			goto bad_range;
		v->num = x;
		return 0;
	case P_RATE:
		what = "a rate (N, N/s, N/min or N/h)";
		if (strlen(s) >= sizeof(buf))
			goto bad;
		strcpy(buf, s);
		slash = strchr(buf, '/');
		if (slash)
			*slash++ = '\0';
		if (parse_num(buf, &x) || x <= 0)
			goto bad;
		if (slash && !strcmp(slash, "min"))
			x /= 60;
		else if (slash && !strcmp(slash, "h"))
			x /= 3600;
		else if (slash && strcmp(slash, "s"))
			goto bad;
		if (x < d->lo || x > d->hi)
			goto bad_range;
		v->num = x;
		return 0;
	case P_COUNT:
	case P_PORT:
		what = d->type == P_PORT ? "a port" : "a whole number";
		errno = 0;
		ul = strtoul(s, &end, 10);
		if (!*s || *end || errno || *s == '-' || *s == '+' ||
		    (double)ul < d->lo || (double)ul > d->hi)
			goto bad_range;
		v->num = (double)ul;
		return 0;
	case P_FRAC:
		what = "a fraction from 0 to 1";
		if (parse_num(s, &x) || x < 0 || x > 1)
			goto bad;
		v->num = x;
		return 0;
	case P_ADDR:
	case P_ADDR4:
	case P_ADDR6:
		what = d->type == P_ADDR4 ? "an IPv4 address" :
		       d->type == P_ADDR6 ? "an IPv6 address" :
					    "an IPv4 or IPv6 address";
		if (parse_addr(s,
			       d->type == P_ADDR4 ? 4 :
			       d->type == P_ADDR6 ? 6 :
						    0,
			       v))
			goto bad;
		return 0;
	case P_NET4:
	case P_NET6:
		what = d->type == P_NET4 ? "an IPv4 CIDR" : "an IPv6 CIDR";
		if (strlen(s) >= sizeof(buf))
			goto bad;
		strcpy(buf, s);
		slash = strchr(buf, '/');
		if (!slash)
			goto bad;
		*slash++ = '\0';
		if (parse_addr(buf, d->type == P_NET4 ? 4 : 6, v))
			goto bad;
		errno = 0;
		ul = strtoul(slash, &end, 10);
		if (!*slash || *end || errno || !isdigit((unsigned char)*slash))
			goto bad;
		if ((double)ul < d->lo || (double)ul > d->hi) {
			snprintf(err, errlen,
				 "expected a prefix length from %.0f to %.0f, "
				 "got \"%s\"",
				 d->lo, d->hi, s);
			return -EINVAL;
		}
		v->plen = (unsigned int)ul;
		nbytes = v->family == 4 ? 4 : 16;
		for (i = 0; i < nbytes; i++) {
			unsigned int bit = (unsigned int)i * 8;
			uint8_t host = bit >= v->plen ? 0xff :
				       bit + 8 <= v->plen ?
							0 :
							0xff >> (v->plen - bit);

			if (v->addr[i] & host) {
				snprintf(err, errlen,
					 "host bits set in \"%s\" (the network "
					 "is %s/%u with them clear)",
					 s, v->text, v->plen);
				return -EINVAL;
			}
		}
		return 0;
	case P_PORTS:
		what = "a comma list of ports";
		if (strlen(s) >= sizeof(buf))
			goto bad;
		strcpy(buf, s);
		for (end = buf;;) {
			char *comma = strchr(end, ',');
			char *e;

			if (comma)
				*comma = '\0';
			errno = 0;
			ul = strtoul(end, &e, 10);
			if (!isdigit((unsigned char)*end) || *e || errno ||
			    ul < 1 || ul > 65535 || v->n_ports == MAX_PORTS)
				goto bad;
			v->ports[v->n_ports++] = (uint16_t)ul;
			if (!comma)
				break;
			end = comma + 1;
		}
		return 0;
	}
bad:
	snprintf(err, errlen, "expected %s, got \"%s\"", what, s);
	return -EINVAL;
bad_range:
	snprintf(err, errlen, "expected %s from %g to %g, got \"%s\"", what,
		 d->lo, d->hi, s);
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Frame store */

#define FR_ATTEMPT 0x1 /* an SMTP connection attempt (DESIGN §3) */
#define FR_OUT	   0x2 /* sent by the MX side (cooked: outgoing) */

struct frame {
	uint64_t ts;  /* ns since the epoch */
	uint64_t off; /* frame bytes in the arena */
	uint32_t seq; /* generation order, the tie-break */
	uint32_t caplen;
	uint32_t len;
	uint16_t kind;
	uint16_t dport;
	uint8_t scen;
	uint8_t flags;
	uint8_t family;
	uint8_t pad;
	uint8_t src[16];
};

struct store {
	struct frame *frames;
	size_t n, cap;
	uint8_t *arena;
	size_t used, arena_cap;
};

struct scen_def;

struct scen_ctx {
	struct store *st;
	const struct scen_def *def;
	struct pval val[MAX_PARAMS];
	unsigned int idx;
	uint64_t rng;
	uint64_t t0; /* ns since the epoch */
	char err[160];
};

struct scen_def {
	const char *name;
	const char *summary;
	const struct param_def *params;
	unsigned int n_params;
	int (*generate)(struct scen_ctx *c);
};

static int store_add(struct scen_ctx *c, uint64_t ts, const uint8_t *data,
		     uint32_t caplen, uint32_t len, int kind,
		     unsigned int flags, int family, const uint8_t *src,
		     uint16_t dport)
{
	struct store *st = c->st;
	struct frame *f;

	if (st->n == MAX_FRAMES || st->used + caplen > MAX_ARENA) {
		snprintf(c->err, sizeof(c->err),
			 "more than %u frames or %zu MiB of frames; lower the "
			 "rates or durations",
			 MAX_FRAMES, MAX_ARENA >> 20);
		return -E2BIG;
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 4096;
		struct frame *p = realloc(st->frames, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		st->frames = p;
		st->cap = cap;
	}
	if (st->used + caplen > st->arena_cap) {
		size_t cap = st->arena_cap ? st->arena_cap * 2 : 1 << 20;
		uint8_t *p;

		while (cap < st->used + caplen)
			cap *= 2;
		p = realloc(st->arena, cap);
		if (!p)
			return -ENOMEM;
		st->arena = p;
		st->arena_cap = cap;
	}
	memcpy(st->arena + st->used, data, caplen);
	f = &st->frames[st->n];
	memset(f, 0, sizeof(*f));
	f->ts = ts;
	f->off = st->used;
	f->seq = (uint32_t)st->n;
	f->caplen = caplen;
	f->len = len;
	f->kind = (uint16_t)kind;
	f->dport = dport;
	f->scen = (uint8_t)c->idx;
	f->flags = (uint8_t)flags;
	f->family = (uint8_t)family;
	if (src)
		memcpy(f->src, src, family == 6 ? 16 : 4);
	st->used += caplen;
	st->n++;
	return 0;
}

static int is_smtp_port(uint16_t port)
{
	size_t i;

	for (i = 0; i < N_SMTP_PORTS; i++)
		if (smtp_ports[i] == port)
			return 1;
	return 0;
}

static void spec_base(struct pktgen_spec *sp, int family, const char *src,
		      const char *dst, int outgoing)
{
	memset(sp, 0, sizeof(*sp));
	sp->family = family;
	sp->src = src;
	sp->dst = dst;
	memcpy(sp->src_mac, outgoing ? mac_mx : mac_router, 6);
	memcpy(sp->dst_mac, outgoing ? mac_router : mac_mx, 6);
}

/* Build a frame, record caplen of it (0: all), and store it. */
static int emit_cut(struct scen_ctx *c, uint64_t ts,
		    const struct pktgen_spec *sp, uint32_t caplen, int kind,
		    unsigned int flags)
{
	uint8_t buf[PKTGEN_MAX_FRAME], src[16] = { 0 };
	size_t n = pktgen_build(sp, buf, sizeof(buf));

	if (!n) {
		snprintf(c->err, sizeof(c->err), "frame does not build");
		return -EINVAL;
	}
	if (sp->family)
		inet_pton(sp->family == 6 ? AF_INET6 : AF_INET, sp->src, src);
	if (!caplen || caplen > n)
		caplen = (uint32_t)n;
	return store_add(c, ts, buf, caplen, (uint32_t)n, kind, flags,
			 sp->family, src, sp->dport);
}

static int emit(struct scen_ctx *c, uint64_t ts, const struct pktgen_spec *sp,
		int kind, unsigned int flags)
{
	return emit_cut(c, ts, sp, 0, kind, flags);
}

static uint64_t sec_ns(double s)
{
	return s <= 0 ? 0 : (uint64_t)llround(s * 1e9);
}

/* Events at 'rate' during 'duration': floor(rate * duration). */
static uint64_t count_of(double rate, double duration)
{
	return (uint64_t)floor(rate * duration + 1e-9);
}

/* Spread a fraction f over indexes: true for about f of them, evenly. */
static int frac_pick(unsigned int i, double f)
{
	return floor((i + 1) * f + 1e-9) > floor(i * f + 1e-9);
}

static void fmt_addr(int family, const uint8_t *a, char *out)
{
	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, out, INET6_ADDRSTRLEN);
}

/* Address 'base' with 'host' added to its last 32 bits. */
static void addr_plus(int family, const uint8_t *base, uint32_t host, char *out)
{
	uint8_t a[16];
	size_t last = family == 6 ? 12 : 0;
	uint32_t v;

	memcpy(a, base, family == 6 ? 16 : 4);
	v = (uint32_t)a[last] << 24 | (uint32_t)a[last + 1] << 16 |
	    (uint32_t)a[last + 2] << 8 | a[last + 3];
	v += host;
	a[last] = (uint8_t)(v >> 24);
	a[last + 1] = (uint8_t)(v >> 16);
	a[last + 2] = (uint8_t)(v >> 8);
	a[last + 3] = (uint8_t)v;
	fmt_addr(family, a, out);
}

/*
 * Source addresses of the scenarios with fixed sender ranges: IPv4
 * base + v4_first + j for the j-th IPv4 sender, and base6:(j+1)::10 for
 * the j-th IPv6 sender.
 */
struct sender_range {
	const char *base4;
	unsigned int v4_first, v4_max;
	uint16_t net6_group; /* 2001:db8:<group>:<j+1>::10 */
};

static void sender_addr(const struct sender_range *r, int family,
			unsigned int j, char *out)
{
	uint8_t a[16] = { 0 };

	if (family == 4) {
		inet_pton(AF_INET, r->base4, a);
		addr_plus(4, a, r->v4_first + j, out);
		return;
	}
	snprintf(out, INET6_ADDRSTRLEN, "2001:db8:%x:%x::10", r->net6_group,
		 j + 1);
}

/* ------------------------------------------------------------------ */
/* TCP sessions */

enum { CLI = 0, SRV = 1 };

struct session {
	struct scen_ctx *c;
	int family;
	const char *addr[2]; /* [CLI], [SRV] */
	uint16_t port[2];
	uint32_t seq[2]; /* next sequence number of each side */
	uint16_t mss;
	uint8_t n_tags;
	uint16_t tpid[2], tci[2];
	int tls; /* payloads are TLS records of random bytes */
	int err;
};

static void sess_send(struct session *s, uint64_t ts, int from, uint8_t flags,
		      const uint8_t *data, size_t n)
{
	static const uint8_t syn_opts[12] = { 2, 4, 0x05, 0xb4, 1, 3,
					      3, 7, 1,	  1,	4, 2 };
	struct pktgen_spec sp;
	uint8_t opts[12];
	unsigned int fl = 0, i;
	int kind;

	if (s->err)
		return;
	spec_base(&sp, s->family, s->addr[from], s->addr[!from], from == SRV);
	sp.n_vlans = s->n_tags;
	for (i = 0; i < s->n_tags; i++) {
		sp.vlan_tpid[i] = s->tpid[i];
		sp.vlan_tci[i] = s->tci[i];
	}
	sp.sport = s->port[from];
	sp.dport = s->port[!from];
	sp.seq = s->seq[from];
	sp.ack = (flags & TCP_ACK) ? s->seq[!from] : 0;
	sp.tcp_flags = flags;
	sp.window = (flags & TCP_SYN) ? (from == SRV ? 65160 : 64240) : 502;
	if (flags & TCP_SYN) {
		memcpy(opts, syn_opts, sizeof(opts));
		opts[2] = (uint8_t)(s->mss >> 8);
		opts[3] = (uint8_t)s->mss;
		sp.doff_words = 8;
		sp.tcp_opts = opts;
	}
	sp.payload = data;
	sp.payload_len = (uint16_t)n;
	if (flags & TCP_SYN)
		kind = (flags & TCP_ACK) ? K_synack : K_syn;
	else if (flags & TCP_FIN)
		kind = K_fin;
	else
		kind = n ? K_data : K_ack;
	if (from == SRV)
		fl |= FR_OUT;
	else if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
		 is_smtp_port(s->port[SRV]))
		fl |= FR_ATTEMPT;
	s->err = emit(s->c, ts, &sp, kind, fl);
	s->seq[from] += (uint32_t)n + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
}

/* Random bytes shaped as TLS application-data records. */
static void tls_fill(uint64_t *rng, uint8_t *out, size_t n)
{
	size_t i, rec = 0;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)rng_next(rng);
	while (rec + 5 <= n) {
		size_t len = n - rec - 5 > 16401 ? 16401 : n - rec - 5;

		out[rec] = 0x17;
		out[rec + 1] = 0x03;
		out[rec + 2] = 0x03;
		out[rec + 3] = (uint8_t)(len >> 8);
		out[rec + 4] = (uint8_t)len;
		rec += 5 + len;
	}
}

/*
 * Send n bytes in MSS segments, slow start from ten segments; the
 * receiver ACKs every second segment (40 us later if it is the MX, an
 * RTT later, as seen at the edge, if it is the client). Returns when
 * the last ACK passes the edge.
 */
static uint64_t sess_stream(struct session *s, uint64_t ts, int from,
			    const uint8_t *data, size_t n, uint64_t rtt)
{
	uint64_t round_start = ts, t = ts, last = ts;
	uint64_t ack_delay = from == CLI ? 40 * US : rtt;
	size_t off = 0, cwnd = 10, in_round = 0, unacked = 0;

	while (off < n && !s->err) {
		size_t m = n - off < s->mss ? n - off : s->mss;
		int end = off + m == n;

		t = round_start + in_round * 12 * US;
		sess_send(s, t, from, TCP_ACK | (end ? TCP_PSH : 0), data + off,
			  m);
		off += m;
		unacked++;
		in_round++;
		if (unacked == 2 || end) {
			last = t + ack_delay;
			sess_send(s, last, !from, TCP_ACK, NULL, 0);
			unacked = 0;
		}
		if (in_round == cwnd) {
			round_start += rtt;
			if (round_start < t + 12 * US)
				round_start = t + 12 * US;
			in_round = 0;
			cwnd *= 2;
		}
	}
	return last;
}

/* One SMTP line (or its TLS-wrapped stand-in) in one segment. */
static void sess_say(struct session *s, uint64_t ts, int from, const char *text)
{
	uint8_t buf[1500];
	size_t n = strlen(text);

	if (!s->tls) {
		sess_send(s, ts, from, TCP_ACK | TCP_PSH, (const uint8_t *)text,
			  n);
		return;
	}
	n += 22; /* record header, content type, AEAD tag */
	tls_fill(&s->c->rng, buf, n);
	sess_send(s, ts, from, TCP_ACK | TCP_PSH, buf, n);
}

/* Client command an RTT later; the MX replies after 'proc'. */
static void sess_cmd(struct session *s, uint64_t *t, uint64_t rtt,
		     const char *cmd, const char *reply, uint64_t proc)
{
	*t += rtt;
	sess_say(s, *t, CLI, cmd);
	*t += proc;
	sess_say(s, *t, SRV, reply);
}

static const char *const body_words[] = {
	"the",	   "quarterly", "report",   "is",     "attached",  "please",
	"review",  "and",	"reply",    "before", "friday",	   "meeting",
	"notes",   "from",	"our",	    "team",   "with",	   "updates",
	"on",	   "delivery",	"schedule", "for",    "customers", "in",
	"several", "regions",	"thanks",   "regards"
};

/* An RFC 5322 message of about 'target' bytes ending in CRLF.CRLF. */
static size_t make_body(struct scen_ctx *c, unsigned int cli, size_t target,
			uint8_t *out)
{
	size_t n, line = 0;

	n = (size_t)snprintf((char *)out, target,
			     "From: <news@mail%u.example.org>\r\n"
			     "To: <user%u@example.net>\r\n"
			     "Subject: Newsletter %u\r\n"
			     "Message-ID: <%016" PRIx64 "@example.org>\r\n"
			     "MIME-Version: 1.0\r\n"
			     "Content-Type: text/plain; charset=us-ascii\r\n"
			     "\r\n",
			     cli, rng_below(&c->rng, 1000),
			     rng_below(&c->rng, 100000), rng_next(&c->rng));
	while (n + 16 + 5 < target) {
		const char *w = body_words[rng_below(
			&c->rng, sizeof(body_words) / sizeof(body_words[0]))];
		size_t wl = strlen(w);

		if (line)
			out[n++] = ' ';
		memcpy(out + n, w, wl);
		n += wl;
		line += wl + 1;
		if (line > 64) {
			out[n++] = '\r';
			out[n++] = '\n';
			line = 0;
		}
	}
	memcpy(out + n, "\r\n.\r\n", 5);
	return n + 5;
}

struct session_cfg {
	int family;
	const char *cli, *srv;
	unsigned int cli_id; /* names the client in the dialogue */
	uint16_t dport;
	uint64_t rtt; /* ns */
	size_t msg_len;
	uint8_t n_tags;
	uint16_t tpid[2], tci[2];
};

/*
 * A complete SMTP session as seen at the MX edge: handshake, greeting,
 * EHLO (AUTH on 587), MAIL, RCPT (1-3), DATA with the message, QUIT and
 * both FINs. Port 465 is implicit TLS: a handshake-sized exchange, then
 * the same dialogue as TLS records of random bytes.
 */
static int smtp_session(struct scen_ctx *c, uint64_t t,
			const struct session_cfg *cfg)
{
	struct session s;
	uint64_t rtt = cfg->rtt, *rng = &c->rng;
	char cmd[160], reply[400];
	uint8_t *body, hello[3000];
	size_t body_len, cap, i, n_rcpt;
	int ret;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.family = cfg->family;
	s.addr[CLI] = cfg->cli;
	s.addr[SRV] = cfg->srv;
	s.port[CLI] = (uint16_t)rng_range(rng, 32768, 60999);
	s.port[SRV] = cfg->dport;
	s.seq[CLI] = (uint32_t)rng_next(rng);
	s.seq[SRV] = (uint32_t)rng_next(rng);
	s.mss = cfg->family == 6 ? 1440 : 1460;
	s.n_tags = cfg->n_tags;
	for (i = 0; i < cfg->n_tags; i++) {
		s.tpid[i] = cfg->tpid[i];
		s.tci[i] = cfg->tci[i];
	}
	s.tls = cfg->dport == 465;

	cap = cfg->msg_len + 64 + 22 * (cfg->msg_len / 16384 + 1);
	body = malloc(cap);
	if (!body)
		return -ENOMEM;

	sess_send(&s, t, CLI, TCP_SYN, NULL, 0);
	t += rng_range(rng, 50 * US, 300 * US);
	sess_send(&s, t, SRV, TCP_SYN | TCP_ACK, NULL, 0);
	t += rtt;
	sess_send(&s, t, CLI, TCP_ACK, NULL, 0);
	if (s.tls) {
		/* ClientHello; ServerHello..Finished; client Finished. */
		tls_fill(rng, hello, 517);
		hello[0] = 0x16;
		sess_send(&s, t + 20 * US, CLI, TCP_ACK | TCP_PSH, hello, 517);
		t += rng_range(rng, 300 * US, 2 * MS);
		tls_fill(rng, hello, 2900);
		hello[0] = 0x16;
		t = sess_stream(&s, t, SRV, hello, 2900, rtt);
		tls_fill(rng, hello, 80);
		hello[0] = 0x14;
		sess_send(&s, t + 20 * US, CLI, TCP_ACK | TCP_PSH, hello, 80);
		t += 20 * US + rng_range(rng, 100 * US, 500 * US);
	} else {
		t += rng_range(rng, 200 * US, 2 * MS);
	}
	sess_say(&s, t, SRV, "220 mx.example.net ESMTP\r\n");

	snprintf(cmd, sizeof(cmd), "EHLO mail%u.example.org\r\n", cfg->cli_id);
	snprintf(reply, sizeof(reply),
		 "250-mx.example.net\r\n250-PIPELINING\r\n"
		 "250-SIZE 52428800\r\n%s250-ENHANCEDSTATUSCODES\r\n"
		 "250-8BITMIME\r\n250 SMTPUTF8\r\n",
		 cfg->dport == 587 ? "250-AUTH PLAIN LOGIN\r\n" :
		 cfg->dport == 25  ? "250-STARTTLS\r\n" :
				     "");
	sess_cmd(&s, &t, rtt, cmd, reply, rng_range(rng, 100 * US, 1 * MS));
	if (cfg->dport == 587)
		sess_cmd(&s, &t, rtt, "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n",
			 "235 2.7.0 Authentication successful\r\n",
			 rng_range(rng, 1 * MS, 10 * MS));
	body_len = make_body(c, cfg->cli_id, cfg->msg_len, body);
	snprintf(cmd, sizeof(cmd),
		 "MAIL FROM:<news@mail%u.example.org> SIZE=%zu\r\n",
		 cfg->cli_id, body_len);
	sess_cmd(&s, &t, rtt, cmd, "250 2.1.0 Ok\r\n",
		 rng_range(rng, 200 * US, 3 * MS));
	n_rcpt = 1 + rng_below(rng, 3);
	for (i = 0; i < n_rcpt; i++) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<user%u@example.net>\r\n",
			 rng_below(rng, 1000));
		sess_cmd(&s, &t, rtt, cmd, "250 2.1.5 Ok\r\n",
			 rng_range(rng, 500 * US, 20 * MS));
	}
	sess_cmd(&s, &t, rtt, "DATA\r\n",
		 "354 End data with <CR><LF>.<CR><LF>\r\n",
		 rng_range(rng, 100 * US, 1 * MS));

	if (s.tls) {
		body_len += 22 * (body_len / 16384 + 1);
		tls_fill(rng, body, body_len);
	}
	t = sess_stream(&s, t + rtt, CLI, body, body_len, rtt);
	t += rng_range(rng, 5 * MS, 50 * MS);
	snprintf(reply, sizeof(reply),
		 "250 2.0.0 Ok: queued as %010" PRIX64 "\r\n",
		 (uint64_t)(rng_next(rng) & 0xffffffffffull));
	sess_say(&s, t, SRV, reply);
	sess_cmd(&s, &t, rtt, "QUIT\r\n", "221 2.0.0 Bye\r\n",
		 rng_range(rng, 50 * US, 300 * US));
	t += 50 * US;
	sess_send(&s, t, SRV, TCP_FIN | TCP_ACK, NULL, 0);
	t += rtt;
	sess_send(&s, t, CLI, TCP_FIN | TCP_ACK, NULL, 0);
	t += 40 * US;
	sess_send(&s, t, SRV, TCP_ACK, NULL, 0);

	ret = s.err;
	free(body);
	return ret;
}

/* ------------------------------------------------------------------ */
/* legit */

enum {
	LG_SENDERS = 2,
	LG_V6,
	LG_RATE,
	LG_PORTS,
	LG_DST,
	LG_DST6,
	LG_RTT,
	LG_MSG_MIN,
	LG_MSG_MAX,
	LG_N
};

static const struct param_def legit_params[] = {
	COMMON_PARAMS("60"),
	[LG_SENDERS] = { "senders", P_COUNT, "20", 1, 5000,
			 "number of senders (IPv4 192.0.2.10-249, IPv6 "
			 "2001:db8:1:N::10)" },
	[LG_V6] = { "v6", P_FRAC, "0.25", 0, 1,
		    "fraction of senders that use IPv6" },
	[LG_RATE] = { "rate", P_RATE, "2/min", 1e-6, 100,
		      "sessions per second per sender (Poisson; the first "
		      "at a random phase within 1/rate)" },
	[LG_PORTS] = { "ports", P_PORTS, "25,465,587", 0, 0,
		       "destination ports: the first takes 70% of sessions, "
		       "the others share the rest" },
	[LG_DST] = { "dst", P_ADDR4, MX4, 0, 0, "MX address, IPv4" },
	[LG_DST6] = { "dst6", P_ADDR6, MX6, 0, 0, "MX address, IPv6" },
	[LG_RTT] = { "rtt", P_SECONDS, "0.04", 0.0001, 5,
		     "mean round-trip time; each sender gets 0.5-1.5 times it" },
	[LG_MSG_MIN] = { "msg_min", P_COUNT, "1000", 500, 1000000,
			 "smallest message, bytes (log-uniform)" },
	[LG_MSG_MAX] = { "msg_max", P_COUNT, "30000", 500, 1000000,
			 "largest message, bytes" },
};

static uint16_t pick_port(uint64_t *rng, const struct pval *ports)
{
	if (ports->n_ports == 1 || rng_unit(rng) < 0.7)
		return ports->ports[0];
	return ports->ports[1 + rng_below(rng, ports->n_ports - 1)];
}

static size_t pick_msg_len(uint64_t *rng, double lo, double hi)
{
	return (size_t)llround(
		exp(log(lo) + rng_unit(rng) * (log(hi) - log(lo))));
}

/* Session start times of one sender: Poisson, first at a random phase. */
static int next_session(uint64_t *rng, double rate, double duration, double *t,
			int first)
{
	*t = first ? rng_unit(rng) / rate : *t + rng_exp(rng, 1 / rate);
	return *t < duration;
}

static int gen_legit(struct scen_ctx *c)
{
	static const struct sender_range range = { "192.0.2.0", 10, 240, 1 };
	const struct pval *v = c->val;
	unsigned int senders = (unsigned int)v[LG_SENDERS].num, i, j4 = 0,
		     j6 = 0;
	char src[INET6_ADDRSTRLEN];
	struct session_cfg cfg;
	double t;
	int ret;

	if (v[LG_MSG_MIN].num > v[LG_MSG_MAX].num) {
		snprintf(c->err, sizeof(c->err), "msg_min is above msg_max");
		return -EINVAL;
	}
	for (i = 0; i < senders; i++)
		j4 += !frac_pick(i, v[LG_V6].num);
	if (j4 > range.v4_max) {
		snprintf(c->err, sizeof(c->err),
			 "%u IPv4 senders; at most %u (raise v6 or lower "
			 "senders)",
			 j4, range.v4_max);
		return -EINVAL;
	}
	j4 = 0;
	for (i = 0; i < senders; i++) {
		int v6 = frac_pick(i, v[LG_V6].num);
		uint64_t rtt =
			sec_ns(v[LG_RTT].num * (0.5 + rng_unit(&c->rng)));

		sender_addr(&range, v6 ? 6 : 4, v6 ? j6++ : j4++, src);
		for (int first = 1; next_session(&c->rng, v[LG_RATE].num,
						 v[P_DURATION].num, &t, first);
		     first = 0) {
			memset(&cfg, 0, sizeof(cfg));
			cfg.family = v6 ? 6 : 4;
			cfg.cli = src;
			cfg.srv = v6 ? v[LG_DST6].text : v[LG_DST].text;
			cfg.cli_id = i;
			cfg.dport = pick_port(&c->rng, &v[LG_PORTS]);
			cfg.rtt = rtt;
			cfg.msg_len = pick_msg_len(&c->rng, v[LG_MSG_MIN].num,
						   v[LG_MSG_MAX].num);
			ret = smtp_session(c, c->t0 + sec_ns(t), &cfg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* flood, spoofed, botnet24, v6rotate: bare SYNs */

static int emit_syn(struct scen_ctx *c, uint64_t ts, int family,
		    const char *src, const char *dst, uint16_t dport)
{
	struct pktgen_spec sp;

	spec_base(&sp, family, src, dst, 0);
	sp.sport = (uint16_t)rng_range(&c->rng, 1024, 65535);
	sp.dport = dport;
	sp.seq = (uint32_t)rng_next(&c->rng);
	sp.tcp_flags = TCP_SYN;
	sp.window = 1024;
	return emit(c, ts, &sp, K_syn, is_smtp_port(dport) ? FR_ATTEMPT : 0);
}

static int check_count(struct scen_ctx *c, uint64_t n)
{
	if (n <= MAX_FRAMES)
		return 0;
	snprintf(c->err, sizeof(c->err),
		 "%" PRIu64 " frames, more than the limit of %u", n,
		 MAX_FRAMES);
	return -E2BIG;
}

enum { FL_SRC = 2, FL_DST, FL_DST6, FL_DPORT, FL_RATE, FL_JITTER, FL_N };

static const struct param_def flood_params[] = {
	COMMON_PARAMS("10"),
	[FL_SRC] = { "src", P_ADDR, "203.0.113.7", 0, 0,
		     "the one source, IPv4 or IPv6" },
	[FL_DST] = { "dst", P_ADDR4, MX4, 0, 0, "MX address, IPv4" },
	[FL_DST6] = { "dst6", P_ADDR6, MX6, 0, 0, "MX address, IPv6" },
	[FL_DPORT] = { "dport", P_PORT, "25", 1, 65535, "destination port" },
	[FL_RATE] = { "rate", P_RATE, "1000/s", 1e-6, 1e7,
		      "SYNs per second: SYN i at offset + i/rate" },
	[FL_JITTER] = { "jitter", P_FRAC, "0", 0, 1,
			"each SYN moves by up to +-jitter/2 of the period" },
};

static int gen_flood(struct scen_ctx *c)
{
	const struct pval *v = c->val;
	uint64_t n = count_of(v[FL_RATE].num, v[P_DURATION].num), i;
	double period = 1e9 / v[FL_RATE].num;
	int family = v[FL_SRC].family, ret;

	ret = check_count(c, n);
	for (i = 0; i < n && !ret; i++) {
		double at =
			(double)i * period +
			v[FL_JITTER].num * (rng_unit(&c->rng) - 0.5) * period;

		ret = emit_syn(c, c->t0 + (at > 0 ? (uint64_t)llround(at) : 0),
			       family, v[FL_SRC].text,
			       family == 6 ? v[FL_DST6].text : v[FL_DST].text,
			       (uint16_t)v[FL_DPORT].num);
	}
	return ret;
}

enum { SP_RATE = 2, SP_V6, SP_DPORT, SP_DST, SP_DST6, SP_N };

static const struct param_def spoofed_params[] = {
	COMMON_PARAMS("5"),
	[SP_RATE] = { "rate", P_RATE, "2000/s", 1e-6, 1e7,
		      "SYNs per second, evenly spaced, each from a random "
		      "source" },
	[SP_V6] = { "v6", P_FRAC, "0.2", 0, 1,
		    "probability that a SYN is IPv6 (source uniform over "
		    "all 2^128; IPv4 over all 2^32)" },
	[SP_DPORT] = { "dport", P_PORT, "25", 1, 65535, "destination port" },
	[SP_DST] = { "dst", P_ADDR4, MX4, 0, 0, "MX address, IPv4" },
	[SP_DST6] = { "dst6", P_ADDR6, MX6, 0, 0, "MX address, IPv6" },
};

static int gen_spoofed(struct scen_ctx *c)
{
	const struct pval *v = c->val;
	uint64_t n = count_of(v[SP_RATE].num, v[P_DURATION].num), i, r;
	double period = 1e9 / v[SP_RATE].num;
	char src[INET6_ADDRSTRLEN];
	uint8_t a[16];
	int ret, family;

	ret = check_count(c, n);
	for (i = 0; i < n && !ret; i++) {
		family = rng_unit(&c->rng) < v[SP_V6].num ? 6 : 4;
		r = rng_next(&c->rng);
		memcpy(a, &r, 8);
		r = rng_next(&c->rng);
		memcpy(a + 8, &r, 8);
		fmt_addr(family, a, src);
		ret = emit_syn(c, c->t0 + (uint64_t)llround((double)i * period),
			       family, src,
			       family == 6 ? v[SP_DST6].text : v[SP_DST].text,
			       (uint16_t)v[SP_DPORT].num);
	}
	return ret;
}

enum { BN_NET = 2, BN_HOSTS, BN_RATE, BN_DPORT, BN_DST, BN_N };

static const struct param_def botnet24_params[] = {
	COMMON_PARAMS("60"),
	[BN_NET] = { "net", P_NET4, "198.18.24.0/24", 8, 30,
		     "the bots' network (RFC 2544 benchmarking range, a "
		     "different /24 from the flood)" },
	[BN_HOSTS] = { "hosts", P_COUNT, "254", 1, 65534,
		       "bots: the first hosts of net (.1 upwards)" },
	[BN_RATE] = { "rate", P_RATE, "6/min", 1e-6, 1000,
		      "SYNs per second per bot; bots take turns, so each bot "
		      "sends exactly floor(rate*duration) SYNs 1/rate apart "
		      "and the /24 sends hosts*rate per second" },
	[BN_DPORT] = { "dport", P_PORT, "25", 1, 65535, "destination port" },
	[BN_DST] = { "dst", P_ADDR4, MX4, 0, 0, "MX address" },
};

static int gen_botnet24(struct scen_ctx *c)
{
	const struct pval *v = c->val;
	uint32_t hosts = (uint32_t)v[BN_HOSTS].num, *perm, i, j, tmp;
	uint64_t rounds = count_of(v[BN_RATE].num, v[P_DURATION].num);
	uint64_t n = rounds * hosts, k;
	double period = 1e9 / (v[BN_RATE].num * hosts);
	char src[INET6_ADDRSTRLEN];
	int ret;

	if (v[BN_NET].plen < 32 &&
	    hosts > (1ull << (32 - v[BN_NET].plen)) - 2) {
		snprintf(c->err, sizeof(c->err), "%u hosts do not fit in %s/%u",
			 hosts, v[BN_NET].text, v[BN_NET].plen);
		return -EINVAL;
	}
	ret = check_count(c, n);
	if (ret)
		return ret;
	perm = malloc(hosts * sizeof(*perm));
	if (!perm)
		return -ENOMEM;
	for (i = 0; i < hosts; i++)
		perm[i] = i + 1;
	for (i = hosts - 1; i > 0; i--) {
		j = rng_below(&c->rng, i + 1);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (k = 0; k < n && !ret; k++) {
		addr_plus(4, v[BN_NET].addr, perm[k % hosts], src);
		ret = emit_syn(c, c->t0 + (uint64_t)llround((double)k * period),
			       4, src, v[BN_DST].text,
			       (uint16_t)v[BN_DPORT].num);
	}
	free(perm);
	return ret;
}

enum { V6R_NET = 2, V6R_RATE, V6R_DPORT, V6R_DST6, V6R_N };

static const struct param_def v6rotate_params[] = {
	COMMON_PARAMS("10"),
	[V6R_NET] = { "net", P_NET6, "2001:db8:bad:64::/64", 1, 64,
		      "the /64 (the low 64 bits vary, so every SYN has a "
		      "different source)" },
	[V6R_RATE] = { "rate", P_RATE, "50/s", 1e-6, 1e7,
		       "SYNs per second, evenly spaced" },
	[V6R_DPORT] = { "dport", P_PORT, "25", 1, 65535, "destination port" },
	[V6R_DST6] = { "dst6", P_ADDR6, MX6, 0, 0, "MX address" },
};

static int gen_v6rotate(struct scen_ctx *c)
{
	const struct pval *v = c->val;
	uint64_t n = count_of(v[V6R_RATE].num, v[P_DURATION].num), k, iid;
	uint64_t salt = rng_next(&c->rng);
	double period = 1e9 / v[V6R_RATE].num;
	char src[INET6_ADDRSTRLEN];
	uint8_t a[16];
	int ret, i;

	ret = check_count(c, n);
	for (k = 0; k < n && !ret; k++) {
		/* mix64 is a bijection: distinct k, distinct addresses. */
		iid = mix64(salt + k);
		memcpy(a, v[V6R_NET].addr, 16);
		for (i = 0; i < 8; i++)
			a[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
		fmt_addr(6, a, src);
		ret = emit_syn(c, c->t0 + (uint64_t)llround((double)k * period),
			       6, src, v[V6R_DST6].text,
			       (uint16_t)v[V6R_DPORT].num);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* vlan */

enum {
	VL_SENDERS = 2,
	VL_V6,
	VL_RATE,
	VL_SESSIONS,
	VL_QINQ,
	VL_VID,
	VL_SVID,
	VL_PORTS,
	VL_DST,
	VL_DST6,
	VL_MSG_MAX,
	VL_N
};

static const struct param_def vlan_params[] = {
	COMMON_PARAMS("60"),
	[VL_SENDERS] = { "senders", P_COUNT, "8", 1, 100,
			 "senders (IPv4 198.51.100.100+, IPv6 "
			 "2001:db8:2:N::10), each on one VLAN or QinQ path" },
	[VL_V6] = { "v6", P_FRAC, "0.3", 0, 1,
		    "fraction of senders that use IPv6" },
	[VL_RATE] = { "rate", P_RATE, "6/min", 1e-6, 100,
		      "events per second per sender (Poisson)" },
	[VL_SESSIONS] = { "sessions", P_FRAC, "0.5", 0, 1,
			  "fraction of events that are full sessions; the "
			  "others are bare SYNs" },
	[VL_QINQ] = { "qinq", P_FRAC, "0.5", 0, 1,
		      "fraction of senders behind QinQ (802.1ad svid + "
		      "802.1Q vid); the others have one 802.1Q tag" },
	[VL_VID] = { "vid", P_COUNT, "100", 1, 4094, "802.1Q VLAN id" },
	[VL_SVID] = { "svid", P_COUNT, "10", 1, 4094,
		      "802.1ad service VLAN id" },
	[VL_PORTS] = { "ports", P_PORTS, "25,587", 0, 0,
		       "destination ports, chosen uniformly" },
	[VL_DST] = { "dst", P_ADDR4, MX4, 0, 0, "MX address, IPv4" },
	[VL_DST6] = { "dst6", P_ADDR6, MX6, 0, 0, "MX address, IPv6" },
	[VL_MSG_MAX] = { "msg_max", P_COUNT, "4000", 600, 1000000,
			 "largest message of a session, bytes (smallest "
			 "500)" },
};

static int gen_vlan(struct scen_ctx *c)
{
	static const struct sender_range range = { "198.51.100.0", 100, 100,
						   2 };
	const struct pval *v = c->val;
	unsigned int senders = (unsigned int)v[VL_SENDERS].num, i, j4 = 0,
		     j6 = 0;
	char src[INET6_ADDRSTRLEN];
	struct session_cfg cfg;
	struct pktgen_spec sp;
	double t;
	int ret = 0;

	for (i = 0; i < senders && !ret; i++) {
		int v6 = frac_pick(i, v[VL_V6].num);
		int qinq = frac_pick(senders - 1 - i, v[VL_QINQ].num);

		sender_addr(&range, v6 ? 6 : 4, v6 ? j6++ : j4++, src);
		memset(&cfg, 0, sizeof(cfg));
		cfg.family = v6 ? 6 : 4;
		cfg.cli = src;
		cfg.srv = v6 ? v[VL_DST6].text : v[VL_DST].text;
		cfg.cli_id = 100 + i;
		cfg.rtt = sec_ns(0.015 + 0.03 * rng_unit(&c->rng));
		cfg.n_tags = qinq ? 2 : 1;
		cfg.tpid[0] = qinq ? 0x88a8 : 0x8100;
		cfg.tci[0] = (uint16_t)(qinq ? v[VL_SVID].num : v[VL_VID].num);
		cfg.tpid[1] = 0x8100;
		cfg.tci[1] = (uint16_t)v[VL_VID].num;
		for (int first = 1;
		     !ret && next_session(&c->rng, v[VL_RATE].num,
					  v[P_DURATION].num, &t, first);
		     first = 0) {
			cfg.dport = v[VL_PORTS].ports[rng_below(
				&c->rng, v[VL_PORTS].n_ports)];
			if (rng_unit(&c->rng) < v[VL_SESSIONS].num) {
				cfg.msg_len = pick_msg_len(&c->rng, 500,
							   v[VL_MSG_MAX].num);
				ret = smtp_session(c, c->t0 + sec_ns(t), &cfg);
				continue;
			}
			spec_base(&sp, cfg.family, cfg.cli, cfg.srv, 0);
			sp.n_vlans = cfg.n_tags;
			memcpy(sp.vlan_tpid, cfg.tpid, sizeof(cfg.tpid));
			memcpy(sp.vlan_tci, cfg.tci, sizeof(cfg.tci));
			sp.sport = (uint16_t)rng_range(&c->rng, 32768, 60999);
			sp.dport = cfg.dport;
			sp.seq = (uint32_t)rng_next(&c->rng);
			sp.tcp_flags = TCP_SYN;
			ret = emit(c, c->t0 + sec_ns(t), &sp, K_syn,
				   is_smtp_port(cfg.dport) ? FR_ATTEMPT : 0);
		}
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* fragments */

enum {
	FR_SENDERS = 2,
	FR_V6,
	FR_RATE,
	FR_TINY,
	FR_ATOMIC,
	FR_OTHER_PORT,
	FR_REORDER,
	FR_LOOKALIKE,
	FR_DPORT,
	FR_DST,
	FR_DST6,
	FR_N
};

static const struct param_def fragments_params[] = {
	COMMON_PARAMS("30"),
	[FR_SENDERS] = { "senders", P_COUNT, "6", 1, 50,
			 "senders (IPv4 198.51.100.200+, IPv6 "
			 "2001:db8:3:N::10)" },
	[FR_V6] = { "v6", P_FRAC, "0.5", 0, 1,
		    "fraction of senders that use IPv6" },
	[FR_RATE] = { "rate", P_RATE, "12/min", 1e-6, 1000,
		      "fragmented SYNs per second per sender (Poisson)" },
	[FR_TINY] = { "tiny", P_FRAC, "0.4", 0, 1,
		      "fraction split after 8 TCP bytes: the first fragment "
		      "has the ports but not the flags (RFC 1858); the rest "
		      "have 24 TCP bytes in the first fragment" },
	[FR_ATOMIC] = { "atomic", P_FRAC, "0.1", 0, 1,
			"fraction of IPv6 non-tiny SYNs sent as an atomic "
			"fragment (offset 0, M clear; RFC 6946)" },
	[FR_OTHER_PORT] = { "other_port", P_FRAC, "0.2", 0, 1,
			    "fraction sent to port 80 instead of dport "
			    "(not attempts)" },
	[FR_REORDER] = { "reorder", P_FRAC, "0.1", 0, 1,
			 "fraction whose later fragment arrives first" },
	[FR_LOOKALIKE] = { "lookalike", P_FRAC, "0.1", 0, 1,
			   "fraction followed by an orphan non-first fragment "
			   "whose bytes look like a SYN to port 25 (not an "
			   "attempt)" },
	[FR_DPORT] = { "dport", P_PORT, "25", 1, 65535, "destination port" },
	[FR_DST] = { "dst", P_ADDR4, MX4, 0, 0, "MX address, IPv4" },
	[FR_DST6] = { "dst6", P_ADDR6, MX6, 0, 0, "MX address, IPv6" },
};

/* Store a fragment built by pktgen_fragment. */
static int store_frag(struct scen_ctx *c, uint64_t ts, const uint8_t *buf,
		      size_t n, int family, const char *src, int kind,
		      uint16_t dport, int attempt)
{
	uint8_t a[16] = { 0 };

	if (!n) {
		snprintf(c->err, sizeof(c->err), "fragment does not build");
		return -EINVAL;
	}
	inet_pton(family == 6 ? AF_INET6 : AF_INET, src, a);
	return store_add(c, ts, buf, (uint32_t)n, (uint32_t)n, kind,
			 attempt ? FR_ATTEMPT : 0, family, a, dport);
}

/*
 * An orphan non-first fragment at offset 8 whose first bytes are a TCP
 * header for a SYN to port 25. It must pass: only a first fragment has
 * a TCP header.
 */
static int emit_lookalike(struct scen_ctx *c, uint64_t ts, int family,
			  const char *src, const char *dst)
{
	uint8_t l4[28] = { 0 }, whole[256], frag[256];
	struct pktgen_spec sp;
	size_t n;
	uint16_t sport = (uint16_t)rng_range(&c->rng, 1024, 65535), sum;
	uint32_t seq = (uint32_t)rng_next(&c->rng);

	l4[8] = (uint8_t)(sport >> 8);
	l4[9] = (uint8_t)sport;
	l4[11] = 25;
	memcpy(l4 + 12, &seq, 4);
	l4[20] = 5 << 4;
	l4[21] = TCP_SYN;
	l4[22] = 0xff;
	l4[23] = 0xff;
	spec_base(&sp, family, src, dst, 0);
	sp.proto = 253; /* experimental; made TCP after cutting */
	sp.l4_len = sizeof(l4);
	sp.payload = l4;
	n = pktgen_build(&sp, whole, sizeof(whole));
	n = pktgen_fragment(whole, n, 8, sizeof(l4), 0,
			    (uint32_t)rng_next(&c->rng), frag, sizeof(frag));
	if (n && family == 4) {
		frag[14 + 9] = 6;
		frag[14 + 10] = frag[14 + 11] = 0;
		sum = (uint16_t)~pktgen_csum_fold(
			pktgen_csum_add(0, frag + 14, 20));
		frag[14 + 10] = (uint8_t)(sum >> 8);
		frag[14 + 11] = (uint8_t)sum;
	} else if (n) {
		frag[14 + 40] = 6;
	}
	return store_frag(c, ts, frag, n, family, src,
			  family == 6 ? K_frag6_later : K_frag4_later, 0, 0);
}

static int gen_fragments(struct scen_ctx *c)
{
	static const struct sender_range range = { "198.51.100.0", 200, 50, 3 };
	/* MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes. */
	static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					  0, 1, 0,    0,    0, 0, 1, 3,	 3, 7 };
	const struct pval *v = c->val;
	unsigned int senders = (unsigned int)v[FR_SENDERS].num, i, j4 = 0,
		     j6 = 0;
	char src[INET6_ADDRSTRLEN];
	uint8_t whole[256], frag[256];
	struct pktgen_spec sp;
	double t;
	int ret = 0;

	for (i = 0; i < senders && !ret; i++) {
		int v6 = frac_pick(i, v[FR_V6].num), family = v6 ? 6 : 4;
		const char *dst = v6 ? v[FR_DST6].text : v[FR_DST].text;

		sender_addr(&range, family, v6 ? j6++ : j4++, src);
		for (int first = 1;
		     !ret && next_session(&c->rng, v[FR_RATE].num,
					  v[P_DURATION].num, &t, first);
		     first = 0) {
			uint64_t ts = c->t0 + sec_ns(t), t_first = ts,
				 t_later = ts + 15 * US;
			uint16_t dport = rng_unit(&c->rng) <
							 v[FR_OTHER_PORT].num ?
						 80 :
						 (uint16_t)v[FR_DPORT].num;
			int tiny = rng_unit(&c->rng) < v[FR_TINY].num;
			int atomic = v6 && !tiny &&
				     rng_unit(&c->rng) < v[FR_ATOMIC].num;
			int attempt = is_smtp_port(dport);
			uint32_t id = (uint32_t)rng_next(&c->rng);
			size_t n, cut = tiny ? 8 : 24;

			if (rng_unit(&c->rng) < v[FR_REORDER].num) {
				t_first = t_later;
				t_later = ts;
			}
			spec_base(&sp, family, src, dst, 0);
			sp.sport = (uint16_t)rng_range(&c->rng, 32768, 60999);
			sp.dport = dport;
			sp.seq = (uint32_t)rng_next(&c->rng);
			sp.tcp_flags = TCP_SYN;
			sp.doff_words = 10;
			sp.tcp_opts = opts;
			sp.window = 64240;
			n = pktgen_build(&sp, whole, sizeof(whole));
			if (atomic) {
				n = pktgen_fragment(whole, n, 0, 40, 0, id,
						    frag, sizeof(frag));
				ret = store_frag(c, ts, frag, n, 6, src,
						 K_frag6_atomic, dport,
						 attempt);
				continue;
			}
			ret = store_frag(
				c, t_first, frag,
				pktgen_fragment(whole, n, 0, cut, 1, id, frag,
						sizeof(frag)),
				family, src,
				tiny ? (v6 ? K_frag6_tiny : K_frag4_tiny) :
				       (v6 ? K_frag6_first : K_frag4_first),
				dport, attempt);
			if (!ret)
				ret = store_frag(
					c, t_later, frag,
					pktgen_fragment(whole, n, cut, 40, 0,
							id, frag, sizeof(frag)),
					family, src,
					v6 ? K_frag6_later : K_frag4_later, 0,
					0);
			if (!ret && rng_unit(&c->rng) < v[FR_LOOKALIKE].num)
				ret = emit_lookalike(c, ts + 500 * US, family,
						     src, dst);
		}
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* noise */

enum { NZ_RATE = 2, NZ_V6, NZ_N };

static const struct param_def noise_params[] = {
	COMMON_PARAMS("60"),
	[NZ_RATE] = { "rate", P_RATE, "20/s", 1e-6, 1e6,
		      "frames per second (Poisson), each one of: HTTP, DNS, "
		      "UDP to 25, SYN to a non-SMTP port, SYN-ACK/ACK/RST to "
		      "25, ICMP echo, ARP, LLDP, ethertype 0x88b5" },
	[NZ_V6] = { "v6", P_FRAC, "0.3", 0, 1,
		    "fraction of IP frames that are IPv6" },
};

/* A DNS query or response for mx.example.net. */
static size_t dns_message(uint64_t *rng, int response, int v6, uint8_t *out)
{
	static const uint8_t qname[] = "\2mx\7example\3net";
	size_t n = 12;

	memset(out, 0, 64);
	out[0] = (uint8_t)rng_next(rng);
	out[1] = (uint8_t)rng_next(rng);
	out[2] = response ? 0x81 : 0x01;
	out[3] = response ? 0x80 : 0x00;
	out[5] = 1;
	out[7] = response ? 1 : 0;
	memcpy(out + n, qname, sizeof(qname));
	n += sizeof(qname);
	out[n + 1] = v6 ? 28 : 1;
	out[n + 3] = 1;
	n += 4;
	if (!response)
		return n;
	out[n] = 0xc0;
	out[n + 1] = 12;
	out[n + 3] = v6 ? 28 : 1;
	out[n + 5] = 1;
	out[n + 8] = 1;
	out[n + 9] = 0x2c;
	out[n + 11] = v6 ? 16 : 4;
	n += 12;
	if (v6)
		inet_pton(AF_INET6, MX6, out + n);
	else
		inet_pton(AF_INET, MX4, out + n);
	return n + (v6 ? 16 : 4);
}

static int gen_noise(struct scen_ctx *c)
{
	static const uint16_t other_ports[] = { 2525, 110, 143, 993, 8080 };
	static const char get[] =
		"GET /index.html HTTP/1.1\r\n"
		"Host: www.example.net\r\n"
		"User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
	const struct pval *v = c->val;
	uint64_t *rng = &c->rng;
	double t = rng_exp(rng, 1 / v[NZ_RATE].num);
	char cli[INET6_ADDRSTRLEN];
	uint8_t pl[600];
	struct pktgen_spec sp;
	int ret = 0;

	while (t < v[P_DURATION].num && !ret) {
		int v6 = rng_unit(rng) < v[NZ_V6].num, family = v6 ? 6 : 4;
		unsigned int what = rng_below(rng, 11), i;
		uint64_t ts = c->t0 + sec_ns(t);
		const char *web = v6 ? "2001:db8:80::80" : "198.51.100.80";
		const char *dns = v6 ? "2001:db8:53::53" : "198.51.100.53";
		const char *mx = v6 ? MX6 : MX4;
		int kind = K_http;
		unsigned int flags = 0;
		uint32_t seq, ack;

		if (v6)
			snprintf(cli, sizeof(cli), "2001:db8:4::%x",
				 1 + rng_below(rng, 5));
		else
			snprintf(cli, sizeof(cli), "192.0.2.%u",
				 250 + rng_below(rng, 5));
		seq = (uint32_t)rng_next(rng);
		ack = (uint32_t)rng_next(rng);
		spec_base(&sp, family, cli, mx, 0);
		sp.sport = (uint16_t)rng_range(rng, 32768, 60999);
		switch (what) {
		case 0: { /* HTTP: SYN, SYN-ACK, request or response */
			unsigned int step = rng_below(rng, 4);

			sp.dst = web;
			sp.dport = rng_below(rng, 2) ? 443 : 80;
			sp.tcp_flags = TCP_SYN;
			if (step == 1 || step == 3) {
				spec_base(&sp, family, web, cli, 1);
				sp.sport = 80;
				sp.dport =
					(uint16_t)rng_range(rng, 32768, 60999);
				sp.tcp_flags = TCP_SYN | TCP_ACK;
				flags = FR_OUT;
			}
			if (step == 2) {
				sp.dport = 80;
				sp.tcp_flags = TCP_ACK | TCP_PSH;
				sp.payload = (const uint8_t *)get;
				sp.payload_len = sizeof(get) - 1;
			} else if (step == 3) {
				sp.tcp_flags = TCP_ACK | TCP_PSH;
				sp.payload_len =
					(uint16_t)rng_range(rng, 200, 1400);
			}
			break;
		}
		case 1: { /* DNS query or response */
			int resp = rng_below(rng, 2);

			kind = K_dns;
			sp.proto = 17;
			sp.l4_len =
				(uint16_t)(8 + dns_message(rng, resp, v6, pl));
			sp.payload = pl;
			if (resp) {
				spec_base(&sp, family, dns, cli, 1);
				sp.proto = 17;
				sp.l4_len = (uint16_t)(8 + dns_message(rng, 1,
								       v6, pl));
				sp.payload = pl;
				sp.sport = 53;
				sp.dport =
					(uint16_t)rng_range(rng, 1024, 65535);
				flags = FR_OUT;
			} else {
				sp.dst = dns;
				sp.dport = 53;
			}
			break;
		}
		case 2: /* UDP to port 25 */
			kind = K_udp25;
			sp.proto = 17;
			sp.dport = 25;
			memset(pl, 'u', 32);
			sp.payload = pl;
			sp.l4_len = 8 + 32;
			break;
		case 3:
			kind = K_tcp_other;
			sp.dport = other_ports[rng_below(
				rng,
				sizeof(other_ports) / sizeof(*other_ports))];
			sp.tcp_flags = TCP_SYN;
			break;
		case 4:
			kind = K_synack25;
			sp.dport = 25;
			sp.tcp_flags = TCP_SYN | TCP_ACK;
			break;
		case 5:
			kind = K_ack25;
			sp.dport = 25;
			sp.tcp_flags = TCP_ACK;
			break;
		case 6:
			kind = K_rst25;
			sp.dport = 25;
			sp.tcp_flags = TCP_RST | TCP_ACK;
			break;
		case 7: /* echo request */
			kind = v6 ? K_icmp6 : K_icmp4;
			sp.proto = v6 ? 58 : 1;
			memset(pl, 0, 40);
			pl[0] = v6 ? 128 : 8;
			pl[5] = (uint8_t)rng_next(rng);
			pl[7] = (uint8_t)rng_next(rng);
			for (i = 8; i < 40; i++)
				pl[i] = (uint8_t)i;
			sp.payload = pl;
			sp.l4_len = 40;
			break;
		case 8: /* ARP who-has the MX */
			kind = K_arp;
			spec_base(&sp, 0, NULL, NULL, 0);
			memset(sp.dst_mac, 0xff, 6);
			sp.ethertype = 0x0806;
			memcpy(pl, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
			memcpy(pl + 8, mac_router, 6);
			inet_pton(AF_INET, "198.51.100.1", pl + 14);
			memset(pl + 18, 0, 6);
			inet_pton(AF_INET, MX4, pl + 24);
			sp.payload = pl;
			sp.payload_len = 28;
			break;
		case 9: /* LLDP: chassis id, port id, TTL, end */
			kind = K_lldp;
			spec_base(&sp, 0, NULL, NULL, 0);
			memcpy(sp.dst_mac, "\x01\x80\xc2\x00\x00\x0e", 6);
			sp.ethertype = 0x88cc;
			memcpy(pl, "\x02\x07\x04", 3);
			memcpy(pl + 3, mac_router, 6);
			memcpy(pl + 9,
			       "\x04\x05\x05"
			       "eth0",
			       7);
			memcpy(pl + 16, "\x06\x02\x00\x78\x00\x00", 6);
			sp.payload = pl;
			sp.payload_len = 22;
			break;
		default: /* IEEE local experimental ethertype */
			kind = K_nonip;
			spec_base(&sp, 0, NULL, NULL, 0);
			sp.ethertype = 0x88b5;
			for (i = 0; i < 46; i++)
				pl[i] = (uint8_t)rng_next(rng);
			sp.payload = pl;
			sp.payload_len = 46;
			break;
		}
		if (sp.family && !sp.proto) {
			sp.seq = seq;
			sp.ack = (sp.tcp_flags & TCP_ACK) ? ack : 0;
		}
		ret = emit(c, ts, &sp, kind, flags);
		t += rng_exp(rng, 1 / v[NZ_RATE].num);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* truncated */

enum { TR_RATE = 2, TR_SENDERS, TR_N };

static const struct param_def truncated_params[] = {
	COMMON_PARAMS("10"),
	[TR_RATE] = { "rate", P_RATE, "10/s", 1e-6, 1e6,
		      "frames per second, evenly spaced, cycling through the "
		      "13 kinds (see README)" },
	[TR_SENDERS] = { "senders", P_COUNT, "8", 1, 100,
			 "sources, in turn (203.0.113.100+, "
			 "2001:db8:bad:99::100+)" },
};

static const uint8_t truncated_kinds[] = {
	K_snap_syn_hdr, K_snap_syn_opts,  K_snap_data,	K_snap_l3,
	K_runt,		K_bad_version,	  K_bad_ihl,	K_short_totlen,
	K_bad_doff,	K_iplen_cuts_tcp, K_v6_ext_cut, K_v6_ext_many,
	K_vlan3,
};

static int gen_truncated(struct scen_ctx *c)
{
	static const uint8_t opts20[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2,
		3, 4, 0,    0,	  0, 0, 1, 3,  3, 7
	};
	const size_t n_kinds = sizeof(truncated_kinds);
	const struct pval *v = c->val;
	uint64_t n = count_of(v[TR_RATE].num, v[P_DURATION].num), k;
	unsigned int senders = (unsigned int)v[TR_SENDERS].num;
	double period = 1e9 / v[TR_RATE].num;
	char src[INET6_ADDRSTRLEN];
	struct pktgen_spec sp;
	int ret;

	ret = check_count(c, n);
	for (k = 0; k < n && !ret; k++) {
		int kind = truncated_kinds[k % n_kinds];
		int v6 = kind == K_v6_ext_cut || kind == K_v6_ext_many;
		unsigned int who = (unsigned int)(k % senders);
		uint64_t ts = c->t0 + (uint64_t)llround((double)k * period);
		uint32_t caplen = 0;
		unsigned int flags = 0;

		if (v6)
			snprintf(src, sizeof(src), "2001:db8:bad:99::%x",
				 0x100 + who);
		else
			snprintf(src, sizeof(src), "203.0.113.%u", 100 + who);
		spec_base(&sp, v6 ? 6 : 4, src, v6 ? MX6 : MX4, 0);
		sp.sport = (uint16_t)rng_range(&c->rng, 1024, 65535);
		sp.dport = 25;
		sp.seq = (uint32_t)rng_next(&c->rng);
		sp.tcp_flags = TCP_SYN;
		switch (kind) {
		case K_snap_syn_hdr:
			/* SYN with options and 100 bytes of data, cut at
			 * 68: every header is there, so it is an attempt. */
			sp.doff_words = 8;
			sp.tcp_opts = opts20;
			sp.payload_len = 100;
			caplen = 68;
			flags = FR_ATTEMPT;
			break;
		case K_snap_syn_opts:
			/* Cut inside the TCP options: unparsed. */
			sp.doff_words = 10;
			sp.tcp_opts = opts20;
			caplen = 64;
			break;
		case K_snap_data:
			sp.tcp_flags = TCP_ACK | TCP_PSH;
			sp.ack = (uint32_t)rng_next(&c->rng);
			sp.payload_len = 1000;
			caplen = 96;
			break;
		case K_snap_l3:
			caplen = 30;
			break;
		case K_runt:
			sp.cut = 10;
			break;
		case K_bad_version:
			sp.version_override = 5;
			break;
		case K_bad_ihl:
			sp.ihl_override = 3;
			break;
		case K_short_totlen:
			sp.ip_len_delta = -24; /* total length 16 < IHL */
			break;
		case K_bad_doff:
			sp.doff_words = 2;
			sp.payload_len = 32;
			break;
		case K_iplen_cuts_tcp:
			/* The SYN's bytes are all in the frame, but the IP
			 * length ends the packet 10 bytes into TCP. */
			sp.ip_len_delta = -10;
			sp.eth_pad = 10;
			break;
		case K_v6_ext_cut:
			sp.n_ext = 1;
			sp.ext[0] = PKTGEN_EXT_DSTOPTS;
			sp.ext_len8[0] = 3;
			sp.cut = 14 + 40 + 16;
			break;
		case K_v6_ext_many:
			sp.n_ext = 9;
			memset(sp.ext, PKTGEN_EXT_DSTOPTS, 9);
			break;
		default: /* K_vlan3 */
			sp.n_vlans = 3;
			sp.vlan_tci[0] = 10;
			sp.vlan_tci[1] = 100;
			sp.vlan_tci[2] = 200;
			break;
		}
		ret = emit_cut(c, ts, &sp, caplen, kind, flags);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* The scenario table and presets */

#define SCEN(n, s)                                                             \
	{                                                                      \
#n, s, n##_params, sizeof(n##_params) / sizeof(n##_params[0]), \
			gen_##n                                                \
	}

static const struct scen_def scenarios[] = {
	SCEN(legit, "legitimate senders: complete SMTP sessions (handshake, "
		    "dialogue, message, FINs) to ports 25/465/587"),
	SCEN(flood, "one source sending SYNs to port 25 at a fixed rate"),
	SCEN(botnet24, "a /24 of bots taking turns: each host modest, the "
		       "prefix fast"),
	SCEN(v6rotate, "SYNs from a new address of one IPv6 /64 each time"),
	SCEN(spoofed, "SYN flood from uniformly random IPv4 and IPv6 sources"),
	SCEN(vlan, "802.1Q and QinQ tagged SMTP sessions and SYNs"),
	SCEN(fragments, "fragmented SYNs: first, tiny first (RFC 1858), "
			"non-first, IPv6 atomic, orphan lookalikes"),
	SCEN(noise, "non-SMTP traffic: HTTP, DNS, UDP/25, other ports, "
		    "SYN-ACK/ACK/RST to 25, ICMP, ARP, LLDP, non-IP"),
	SCEN(truncated, "snaplen-cut records (caplen < len) and malformed "
			"headers"),
};
#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

struct preset {
	const char *name;
	const char *summary;
	const char *list;
	const char *const *params;
};

static const char *const demo_params[] = {
	"legit.senders=40",	 "legit.rate=2/min",
	"flood.offset=15",	 "flood.duration=20",
	"flood.src=198.18.99.7", "v6rotate.net=2001:db8:beef:64::/64",
	"flood.rate=200/s",	 "botnet24.rate=6/min",
	"v6rotate.offset=10",	 "v6rotate.duration=30",
	"v6rotate.rate=20/s",	 "spoofed.offset=40",
	"spoofed.duration=4",	 "spoofed.rate=4000/s",
	"noise.rate=20/s",	 "vlan.duration=60",
	"fragments.duration=60", "truncated.duration=60",
	"truncated.rate=2/s",	 NULL,
};

static const char *const demo_small_params[] = {
	"duration=10",		"legit.senders=8",
	"legit.rate=6/min",	"legit.msg_max=6000",
	"flood.offset=2",	"flood.duration=5",
	"flood.rate=100/s",	"botnet24.hosts=32",
	"botnet24.rate=0.3/s",	"v6rotate.offset=3",
	"v6rotate.duration=4",	"v6rotate.rate=25/s",
	"spoofed.offset=6",	"spoofed.duration=2",
	"spoofed.rate=50/s",	"noise.rate=10/s",
	"vlan.senders=4",	"vlan.rate=12/min",
	"vlan.msg_max=2000",	"fragments.rate=30/min",
	"truncated.rate=2.6/s", NULL,
};

#define DEMO_LIST                                                              \
	"legit,flood,botnet24,v6rotate,spoofed,noise,vlan,fragments,truncated"

static const struct preset presets[] = {
	{ "demo",
	  "every scenario over 60 s (flood 15-35 s, v6rotate 10-40 s, a "
	  "4000/s spoofed flood 40-44 s), about 28,000 frames and 4 MB: the "
	  "make demo capture",
	  DEMO_LIST, demo_params },
	{ "demo-small",
	  "every scenario over 10 s, under 200 KB: "
	  "tests/captures/demo-small.pcap",
	  DEMO_LIST, demo_small_params },
};
#define N_PRESETS (sizeof(presets) / sizeof(presets[0]))

/* ------------------------------------------------------------------ */
/* Manifest statistics */

struct src_stat {
	uint8_t used;
	uint8_t family;
	uint8_t addr[16];
	uint64_t count, first, last, iat_min, iat_max;
};

struct src_table {
	struct src_stat *slots;
	size_t cap, n;
};

struct run_stats {
	uint64_t frames, bytes, attempts, first, last;
	uint64_t kind[K_MAX], skipped[K_MAX], dport[N_SMTP_PORTS];
	struct src_table srcs;
};

static size_t src_hash(int family, const uint8_t *a)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	return (size_t)mix64(x ^ mix64(y ^ (uint64_t)family));
}

static struct src_stat *src_lookup(struct src_table *t, int family,
				   const uint8_t *addr)
{
	size_t i, mask;

	if (2 * (t->n + 1) > t->cap) {
		struct src_table bigger = { NULL, t->cap ? 2 * t->cap : 64, 0 };

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return NULL;
		for (i = 0; i < t->cap; i++) {
			struct src_stat *s = &t->slots[i];
			size_t j, m = bigger.cap - 1;

			if (!s->used)
				continue;
			for (j = src_hash(s->family, s->addr) & m;
			     bigger.slots[j].used; j = (j + 1) & m)
				;
			bigger.slots[j] = *s;
		}
		bigger.n = t->n;
		free(t->slots);
		*t = bigger;
	}
	mask = t->cap - 1;
	for (i = src_hash(family, addr) & mask; t->slots[i].used;
	     i = (i + 1) & mask)
		if (t->slots[i].family == family &&
		    !memcmp(t->slots[i].addr, addr, 16))
			return &t->slots[i];
	t->slots[i].used = 1;
	t->slots[i].family = (uint8_t)family;
	memcpy(t->slots[i].addr, addr, 16);
	t->n++;
	return &t->slots[i];
}

static int stats_add(struct run_stats *st, const struct frame *f, uint64_t ts,
		     uint32_t caplen, int written)
{
	struct src_stat *s;
	size_t i;

	if (!written) {
		st->skipped[f->kind]++;
		return 0;
	}
	if (!st->frames)
		st->first = ts;
	st->last = ts;
	st->frames++;
	st->bytes += caplen;
	st->kind[f->kind]++;
	if (!(f->flags & FR_ATTEMPT))
		return 0;
	st->attempts++;
	for (i = 0; i < N_SMTP_PORTS; i++)
		if (smtp_ports[i] == f->dport)
			st->dport[i]++;
	s = src_lookup(&st->srcs, f->family, f->src);
	if (!s)
		return -ENOMEM;
	if (s->count) {
		uint64_t iat = ts - s->last;

		if (s->count == 1 || iat < s->iat_min)
			s->iat_min = iat;
		if (iat > s->iat_max)
			s->iat_max = iat;
	} else {
		s->first = ts;
	}
	s->last = ts;
	s->count++;
	return 0;
}

static int cmp_src(const void *a, const void *b)
{
	const struct src_stat *x = *(const struct src_stat *const *)a;
	const struct src_stat *y = *(const struct src_stat *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

static double ts_sec(uint64_t ns)
{
	return (double)(ns / NSEC) + (double)(ns % NSEC) / 1e9;
}

/* The counters of one run_stats into obj; NULL on allocation failure. */
static cJSON *stats_json(cJSON *obj, const struct run_stats *st,
			 uint64_t start_ns)
{
	cJSON *kinds, *skipped, *dports, *srcs, *e;
	struct src_stat **list;
	char addr[INET6_ADDRSTRLEN], port[8];
	size_t i, n = 0;
	uint64_t nskipped = 0;

	cJSON_AddNumberToObject(obj, "frames", (double)st->frames);
	cJSON_AddNumberToObject(obj, "bytes", (double)st->bytes);
	cJSON_AddNumberToObject(obj, "attempts", (double)st->attempts);
	if (st->frames) {
		cJSON_AddNumberToObject(obj, "first", ts_sec(st->first));
		cJSON_AddNumberToObject(obj, "last", ts_sec(st->last));
	}
	kinds = cJSON_AddObjectToObject(obj, "frames_by_kind");
	skipped = cJSON_AddObjectToObject(obj, "skipped_by_kind");
	dports = cJSON_AddObjectToObject(obj, "attempts_by_dport");
	if (!kinds || !skipped || !dports)
		return NULL;
	for (i = 0; i < K_MAX; i++) {
		if (st->kind[i])
			cJSON_AddNumberToObject(kinds, kind_names[i],
						(double)st->kind[i]);
		if (st->skipped[i])
			cJSON_AddNumberToObject(skipped, kind_names[i],
						(double)st->skipped[i]);
		nskipped += st->skipped[i];
	}
	cJSON_AddNumberToObject(obj, "skipped", (double)nskipped);
	for (i = 0; i < N_SMTP_PORTS; i++) {
		snprintf(port, sizeof(port), "%u", smtp_ports[i]);
		cJSON_AddNumberToObject(dports, port, (double)st->dport[i]);
	}
	cJSON_AddNumberToObject(obj, "distinct_sources", (double)st->srcs.n);

	list = malloc((st->srcs.n + 1) * sizeof(*list));
	srcs = cJSON_AddArrayToObject(obj, "sources");
	if (!list || !srcs) {
		free(list);
		return NULL;
	}
	for (i = 0; i < st->srcs.cap; i++)
		if (st->srcs.slots[i].used)
			list[n++] = &st->srcs.slots[i];
	qsort(list, n, sizeof(*list), cmp_src);
	for (i = 0; i < n; i++) {
		const struct src_stat *s = list[i];

		e = cJSON_CreateObject();
		if (!e) {
			free(list);
			return NULL;
		}
		cJSON_AddItemToArray(srcs, e);
		fmt_addr(s->family, s->addr, addr);
		cJSON_AddStringToObject(e, "src", addr);
		cJSON_AddNumberToObject(e, "attempts", (double)s->count);
		cJSON_AddNumberToObject(e, "first", ts_sec(s->first));
		cJSON_AddNumberToObject(e, "last", ts_sec(s->last));
		cJSON_AddNumberToObject(e, "first_ns",
					(double)(s->first - start_ns));
		cJSON_AddNumberToObject(e, "last_ns",
					(double)(s->last - start_ns));
		if (s->count > 1) {
			cJSON_AddNumberToObject(e, "iat_min",
						(double)s->iat_min / 1e9);
			cJSON_AddNumberToObject(e, "iat_mean",
						(double)(s->last - s->first) /
							(double)(s->count - 1) /
							1e9);
			cJSON_AddNumberToObject(e, "iat_max",
						(double)s->iat_max / 1e9);
		}
	}
	free(list);
	return obj;
}

static void params_json(cJSON *obj, const struct scen_ctx *c)
{
	const struct scen_def *d = c->def;
	unsigned int i, j;
	char net[INET6_ADDRSTRLEN + 8];

	for (i = 0; i < d->n_params; i++) {
		const struct param_def *p = &d->params[i];
		const struct pval *v = &c->val[i];
		cJSON *a;

		switch (p->type) {
		case P_ADDR:
		case P_ADDR4:
		case P_ADDR6:
			cJSON_AddStringToObject(obj, p->key, v->text);
			break;
		case P_NET4:
		case P_NET6:
			snprintf(net, sizeof(net), "%s/%u", v->text, v->plen);
			cJSON_AddStringToObject(obj, p->key, net);
			break;
		case P_PORTS:
			a = cJSON_AddArrayToObject(obj, p->key);
			for (j = 0; a && j < v->n_ports; j++)
				cJSON_AddItemToArray(
					a, cJSON_CreateNumber(v->ports[j]));
			break;
		default:
			cJSON_AddNumberToObject(obj, p->key, v->num);
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* The run */

struct run {
	enum capw_format format;
	enum capw_link link;
	uint64_t seed;
	uint64_t start;
	const char *manifest;
	const char *out;
	struct scen_ctx ctx[MAX_SCENARIOS];
	unsigned int n_ctx;
	char list[256];
	char comment[1024];
	int argc;
	char **argv;
};

static int cmp_frame(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int write_manifest(const struct run *r, const struct run_stats *total,
			  const struct run_stats *per)
{
	cJSON *root, *a, *o, *p;
	char *text = NULL;
	FILE *f = NULL;
	unsigned int i;
	int ret = -ENOMEM;

	root = cJSON_CreateObject();
	if (!root)
		return -ENOMEM;
	cJSON_AddStringToObject(root, "generator", PROG);
	cJSON_AddNumberToObject(root, "manifest_version", 1);
	a = cJSON_AddArrayToObject(root, "command");
	for (i = 0; a && i < (unsigned int)r->argc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->argv[i]));
	cJSON_AddStringToObject(root, "output", r->out);
	cJSON_AddStringToObject(root, "format", capw_format_name(r->format));
	cJSON_AddStringToObject(root, "ts_precision",
				r->format == CAPW_PCAP ? "us" : "ns");
	cJSON_AddStringToObject(root, "linktype", capw_link_name(r->link));
	cJSON_AddNumberToObject(root, "linktype_number",
				capw_link_type(r->link));
	cJSON_AddNumberToObject(root, "snaplen", SNAPLEN);
	cJSON_AddNumberToObject(root, "seed", (double)r->seed);
	cJSON_AddNumberToObject(root, "start", (double)r->start);
	a = cJSON_AddArrayToObject(root, "smtp_ports");
	for (i = 0; a && i < N_SMTP_PORTS; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(smtp_ports[i]));
	if (!stats_json(root, total, r->start * NSEC))
		goto free_root;
	a = cJSON_AddArrayToObject(root, "scenarios");
	if (!a)
		goto free_root;
	for (i = 0; i < r->n_ctx; i++) {
		const struct scen_ctx *c = &r->ctx[i];

		o = cJSON_CreateObject();
		if (!o)
			goto free_root;
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "name", c->def->name);
		p = cJSON_AddObjectToObject(o, "params");
		if (!p)
			goto free_root;
		params_json(p, c);
		cJSON_AddNumberToObject(o, "begin", ts_sec(c->t0));
		cJSON_AddNumberToObject(
			o, "end",
			ts_sec(c->t0 + sec_ns(c->val[P_DURATION].num)));
		if (!stats_json(o, &per[i], r->start * NSEC))
			goto free_root;
	}
	text = cJSON_Print(root);
	if (!text)
		goto free_root;
	f = fopen(r->manifest, "w");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", r->manifest,
			strerror(errno));
		ret = -EIO;
		goto free_text;
	}
	ret = 0;
	if (fputs(text, f) < 0 || fputc('\n', f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -EIO;
	if (ret)
		fprintf(stderr, PROG ": %s: write failed\n", r->manifest);
free_text:
	free(text);
free_root:
	cJSON_Delete(root);
	return ret;
}

/* Sort, convert, write and count. Returns an exit status. */
static int write_capture(struct run *r, struct store *st)
{
	struct run_stats *total, *per;
	uint64_t q = capw_quantum_ns(r->format);
	uint8_t buf[PKTGEN_MAX_FRAME + CAPW_SLL2_HLEN];
	struct capw *w = NULL;
	char err[256];
	size_t i;
	unsigned int j;
	int ret = SCEN_EXIT_IO, rc;

	total = calloc(r->n_ctx + 1, sizeof(*total));
	if (!total) {
		fprintf(stderr, PROG ": out of memory\n");
		return SCEN_EXIT_IO;
	}
	per = total + 1;
	qsort(st->frames, st->n, sizeof(*st->frames), cmp_frame);
	if (capw_open(&w, r->out, r->format, r->link, SNAPLEN, r->comment, err,
		      sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		goto free_stats;
	}
	for (i = 0; i < st->n; i++) {
		const struct frame *f = &st->frames[i];
		uint32_t caplen, len;
		uint64_t ts = f->ts / q * q;

		rc = capw_convert(r->link, st->arena + f->off, f->caplen,
				  f->len,
				  (f->flags & FR_OUT) ? CAPW_F_OUTGOING : 0,
				  buf, sizeof(buf), &caplen, &len);
		if (rc < 0) {
			fprintf(stderr, PROG ": frame conversion failed\n");
			goto close_writer;
		}
		if (rc && capw_write(w, ts, buf, caplen, len)) {
			fprintf(stderr, PROG ": %s: write failed\n", r->out);
			goto close_writer;
		}
		if (stats_add(total, f, ts, caplen, rc) ||
		    stats_add(&per[f->scen], f, ts, caplen, rc)) {
			fprintf(stderr, PROG ": out of memory\n");
			goto close_writer;
		}
	}
	rc = capw_close(w);
	w = NULL;
	if (rc) {
		fprintf(stderr, PROG ": %s: write failed\n", r->out);
		goto free_stats;
	}
	if (r->manifest && write_manifest(r, total, per))
		goto free_stats;
	ret = SCEN_EXIT_OK;
close_writer:
	capw_close(w);
free_stats:
	for (j = 0; j <= r->n_ctx; j++)
		free(total[j].srcs.slots);
	free(total);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Command line */

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	return SCEN_EXIT_USAGE;
}

static const char *type_hint(enum ptype t)
{
	switch (t) {
	case P_SECONDS:
		return "s";
	case P_RATE:
		return "rate";
	case P_FRAC:
		return "0..1";
	case P_PORTS:
		return "list";
	default:
		return "";
	}
}

static void print_help(FILE *out)
{
	unsigned int i, j;

	fputs("Usage: " PROG
	      " [OPTIONS] SCENARIO[,SCENARIO...] [KEY=VALUE ...] OUT\n"
	      "\n"
	      "Writes a deterministic capture of synthetic traffic for tests, the demo\n"
	      "and benchmarks. The scenarios of the comma list are generated\n"
	      "independently (each from its own random stream of --seed) and merged in\n"
	      "timestamp order. OUT is the last argument; \"-\" is stdout.\n"
	      "\n"
	      "Options:\n"
	      "  --format pcap|pcap-ns|pcapng\n"
	      "        pcap: microsecond timestamps (the default); pcap-ns and pcapng:\n"
	      "        nanoseconds. Timestamps are generated in nanoseconds and\n"
	      "        truncated to microseconds for pcap.\n"
	      "  --linktype eth|sll|sll2|raw\n"
	      "        Ethernet (default), Linux cooked v1/v2, or raw IP. Frames that\n"
	      "        have no equivalent are left out and counted as skipped in the\n"
	      "        manifest (cooked: runts; raw: non-IP, three tags, runts).\n"
	      "  --seed N         random seed, default 1: the same arguments give the\n"
	      "                   same bytes\n"
	      "  --start EPOCH    capture time 0, seconds since 1970 (default\n"
	      "                   1700000000)\n"
	      "  --manifest FILE  write a JSON account of what was written: parameters,\n"
	      "                   frames by kind, and per source the SMTP connection\n"
	      "                   attempts with first/last times and inter-arrivals\n"
	      "                   (tests/tools/README.md)\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "Parameters: KEY=VALUE sets KEY in every listed scenario that has it;\n"
	      "SCENARIO.KEY=VALUE sets it in one. They apply in order, after a preset's.\n"
	      "Rates are N, N/s, N/min or N/h; times are seconds; fractions 0..1.\n"
	      "Attempts are SYNs without ACK (and tiny first fragments) to 25, 465, 587.\n"
	      "\n"
	      "Scenarios (parameter=default):\n",
	      out);
	for (i = 0; i < N_SCENARIOS; i++) {
		const struct scen_def *d = &scenarios[i];

		fprintf(out, "\n  %s:", d->name);
		mxg_cli_wrap(out, 3 + (unsigned int)strlen(d->name), 4,
			     d->summary);
		for (j = 0; j < d->n_params; j++) {
			const struct param_def *p = &d->params[j];
			char kv[64], help[512];

			snprintf(kv, sizeof(kv), "%s=%s", p->key, p->def);
			snprintf(help, sizeof(help), "%s%s%s%s", p->help,
				 *type_hint(p->type) ? " [" : "",
				 type_hint(p->type),
				 *type_hint(p->type) ? "]" : "");
			if (fprintf(out, "    %-24s ", kv) > 29)
				fprintf(out, "\n%29s", "");
			mxg_cli_wrap(out, 29, 29, help);
		}
	}
	fputs("\nPresets (use as a scenario name; their parameters come first):\n",
	      out);
	for (i = 0; i < N_PRESETS; i++) {
		fprintf(out, "  %-11s ", presets[i].name);
		mxg_cli_wrap(out, 14, 14, presets[i].summary);
	}
	fputs("\nExamples:\n"
	      "  " PROG " flood rate=500/s duration=30 flood.pcap\n"
	      "  " PROG " --format pcapng --manifest m.json \\\n"
	      "      legit,botnet24 duration=120 mix.pcapng\n"
	      "  " PROG " --linktype sll2 demo demo-sll2.pcap\n"
	      "\nExit status: 0 written; 1 a file could not be written; 2 bad "
	      "arguments.\n",
	      out);
}

static const struct scen_def *find_scenario(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < N_SCENARIOS; i++)
		if (strlen(scenarios[i].name) == len &&
		    !strncmp(scenarios[i].name, name, len))
			return &scenarios[i];
	return NULL;
}

static int add_scenario(struct run *r, const struct scen_def *d)
{
	struct scen_ctx *c;
	unsigned int i;
	char err[160];

	for (i = 0; i < r->n_ctx; i++)
		if (r->ctx[i].def == d)
			return usage_error("scenario %s is listed twice",
					   d->name);
	c = &r->ctx[r->n_ctx];
	memset(c, 0, sizeof(*c));
	c->def = d;
	c->idx = r->n_ctx++;
	for (i = 0; i < d->n_params; i++)
		if (parse_value(&d->params[i], d->params[i].def, &c->val[i],
				err, sizeof(err)))
			return usage_error("%s.%s: bad default: %s", d->name,
					   d->params[i].key, err);
	return 0;
}

/* Apply one KEY=VALUE or SCENARIO.KEY=VALUE. */
static int apply_param(struct run *r, const char *arg)
{
	const char *eq = strchr(arg, '='), *dot, *key;
	unsigned int i, j, hits = 0;
	const struct scen_def *only = NULL;
	char err[160];
	size_t klen;

	if (!eq || eq == arg)
		return usage_error("expected KEY=VALUE, got \"%s\" (OUT is the "
				   "last argument)",
				   arg);
	dot = memchr(arg, '.', (size_t)(eq - arg));
	key = dot ? dot + 1 : arg;
	klen = (size_t)(eq - key);
	if (dot) {
		only = find_scenario(arg, (size_t)(dot - arg));
		if (!only)
			return usage_error("%.*s: unknown scenario",
					   (int)(dot - arg), arg);
	}
	for (i = 0; i < r->n_ctx; i++) {
		struct scen_ctx *c = &r->ctx[i];

		if (only && c->def != only)
			continue;
		for (j = 0; j < c->def->n_params; j++) {
			const struct param_def *p = &c->def->params[j];

			if (strlen(p->key) != klen ||
			    strncmp(p->key, key, klen))
				continue;
			if (parse_value(p, eq + 1, &c->val[j], err,
					sizeof(err)))
				return usage_error("%s.%s: %s", c->def->name,
						   p->key, err);
			hits++;
		}
	}
	if (hits)
		return 0;
	if (only) {
		for (i = 0; i < r->n_ctx; i++)
			if (r->ctx[i].def == only)
				break;
		if (i == r->n_ctx)
			return usage_error("%.*s: scenario %s is not in the "
					   "list",
					   (int)(eq - arg), arg, only->name);
		return usage_error("%s has no parameter %.*s", only->name,
				   (int)klen, key);
	}
	return usage_error("no listed scenario has a parameter %.*s", (int)klen,
			   key);
}

static int parse_list(struct run *r, const char *list)
{
	const char *p = list;
	unsigned int i, k;
	int ret;

	if (strlen(list) >= sizeof(r->list))
		return usage_error("scenario list too long");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const struct scen_def *d = find_scenario(p, len);

		if (!len)
			return usage_error("empty scenario name in \"%s\"",
					   list);
		if (d) {
			if (r->n_ctx == MAX_SCENARIOS)
				return usage_error("too many scenarios");
			ret = add_scenario(r, d);
			if (ret)
				return ret;
		} else {
			for (i = 0; i < N_PRESETS; i++)
				if (strlen(presets[i].name) == len &&
				    !strncmp(presets[i].name, p, len))
					break;
			if (i == N_PRESETS)
				return usage_error("unknown scenario \"%.*s\"",
						   (int)len, p);
			ret = parse_list(r, presets[i].list);
			for (k = 0; !ret && presets[i].params[k]; k++)
				ret = apply_param(r, presets[i].params[k]);
			if (ret)
				return ret;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void free_store(struct store *st)
{
	free(st->frames);
	free(st->arena);
}

int scen_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "linktype", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 't' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store st = { 0 };
	struct run *r;
	int opt, ret, n_pos, i;
	size_t len;

	r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, PROG ": out of memory\n");
		return SCEN_EXIT_IO;
	}
	r->seed = 1;
	r->start = DEFAULT_START;
	r->argc = argc;
	r->argv = argv;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			ret = capw_format_from_name(optarg);
			if (ret < 0) {
				ret = usage_error(
					"--format: expected pcap, "
					"pcap-ns or pcapng, got \"%s\"",
					optarg);
				goto free_run;
			}
			r->format = (enum capw_format)ret;
			break;
		case 'l':
			ret = capw_link_from_name(optarg);
			if (ret < 0) {
				ret = usage_error(
					"--linktype: expected eth, "
					"sll, sll2 or raw, got \"%s\"",
					optarg);
				goto free_run;
			}
			r->link = (enum capw_link)ret;
			break;
		case 's':
			if (parse_u64(optarg, UINT64_MAX, &r->seed)) {
				ret = usage_error("--seed: expected a "
						  "non-negative integer, got "
						  "\"%s\"",
						  optarg);
				goto free_run;
			}
			break;
		case 't':
			if (parse_u64(optarg, MAX_START, &r->start)) {
				ret = usage_error("--start: expected seconds "
						  "since 1970 up to %llu, got "
						  "\"%s\"",
						  MAX_START, optarg);
				goto free_run;
			}
			break;
		case 'm':
			r->manifest = optarg;
			break;
		case 'h':
			print_help(stdout);
			ret = SCEN_EXIT_OK;
			goto free_run;
		case ':':
			ret = usage_error("%s needs a value", argv[optind - 1]);
			goto free_run;
		default:
			ret = usage_error("unknown option \"%s\"",
					  argv[optind - 1]);
			goto free_run;
		}
	}
	n_pos = argc - optind;
	if (n_pos < 2) {
		ret = usage_error(n_pos ? "missing OUT" :
					  "missing SCENARIO and OUT");
		goto free_run;
	}
	ret = parse_list(r, argv[optind]);
	for (i = optind + 1; !ret && i < argc - 1; i++)
		ret = apply_param(r, argv[i]);
	if (ret)
		goto free_run;
	r->out = argv[argc - 1];
	if (strchr(r->out, '=') && !strchr(r->out, '/'))
		fprintf(stderr, PROG ": note: writing to a file named \"%s\"\n",
			r->out);

	/* The pcapng comment: everything but file names. */
	len = (size_t)snprintf(r->comment, sizeof(r->comment),
			       PROG " --seed %" PRIu64 " --start %" PRIu64
				    " %s",
			       r->seed, r->start, argv[optind]);
	for (i = optind + 1; i < argc - 1 && len < sizeof(r->comment); i++)
		len += (size_t)snprintf(r->comment + len,
					sizeof(r->comment) - len, " %s",
					argv[i]);

	for (i = 0; i < (int)r->n_ctx; i++) {
		struct scen_ctx *c = &r->ctx[i];
		double end = (double)r->start + c->val[P_OFFSET].num +
			     c->val[P_DURATION].num;

		if (end > (double)MAX_START) {
			ret = usage_error("%s ends after %llu s since 1970",
					  c->def->name, MAX_START);
			goto free_store;
		}
		c->st = &st;
		c->rng = mix64(r->seed ^ mix64(fnv1a(c->def->name)));
		c->t0 = r->start * NSEC + sec_ns(c->val[P_OFFSET].num);
		ret = c->def->generate(c);
		if (ret == -ENOMEM) {
			fprintf(stderr, PROG ": out of memory\n");
			ret = SCEN_EXIT_IO;
			goto free_store;
		}
		if (ret) {
			ret = usage_error("%s: %s", c->def->name,
					  c->err[0] ? c->err : strerror(-ret));
			goto free_store;
		}
	}
	ret = write_capture(r, &st);
free_store:
	free_store(&st);
free_run:
	free(r);
	return ret;
}
