// SPDX-License-Identifier: BSD-3-Clause
/*
 * The scenario generator and the hostile capture files, checked from
 * the outside: every capture is read back with libpcap, every frame is
 * parsed with the engine's parser (include/mxgate/pkt.h), and what the
 * parser sees is compared with the manifest's claims and with what the
 * scenario parameters imply. The generator runs in-process, so ASan and
 * UBSan watch it too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>
#include <pcap/pcap.h>

#include "../lib/pktgen.h"
#include "../tools/badpcap.h"
#include "../tools/scenario.h"
#include "mxgate/pkt.h"

static const uint16_t smtp_ports[3] = { 25, 465, 587 };

static int is_smtp_port(uint16_t port)
{
	return port == 25 || port == 465 || port == 587;
}
static char tmpdir[64];

#define START_NS (1700000000ull * 1000000000ull)

/* ------------------------------------------------------------------ */
/* Running the generator */

static char *path_in_tmp(const char *name)
{
	static char bufs[8][256];
	static unsigned int next;
	char *p = bufs[next++ % 8];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

/*
 * Run mxgate-scenario with a space-separated command line (no quoting),
 * stderr captured into 'err' (errlen bytes). Returns the exit status.
 */
static int run_capture_err(char *err, size_t errlen, const char *fmt, ...)
{
	char line[2048], *argv[64], *tok, *save = NULL;
	int argc = 0, ret, saved, fd;
	const char *errpath = path_in_tmp("stderr.txt");
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = "mxgate-scenario";
	for (tok = strtok_r(line, " ", &save); tok && argc < 63;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;

	fflush(stderr);
	saved = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	ret = scen_main(argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	fd = open(errpath, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, err, errlen - 1);
	close(fd);
	err[n > 0 ? n : 0] = '\0';
	return ret;
}

#define run(...)                                                               \
	({                                                                     \
		char err_[1024];                                               \
		int rc_ = run_capture_err(err_, sizeof(err_), __VA_ARGS__);    \
		if (rc_)                                                       \
			fprintf(stderr, "%s", err_);                           \
		rc_;                                                           \
	})

/* ------------------------------------------------------------------ */
/* Reading captures */

struct rec {
	uint64_t ts; /* ns */
	uint32_t caplen, len;
	uint8_t *data;
};

struct cap {
	int dlt;
	int precision;
	size_t n;
	struct rec *r;
};

static void cap_free(struct cap *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->r[i].data);
	free(c->r);
	memset(c, 0, sizeof(*c));
}

static void cap_read_prec(const char *path, unsigned int prec, struct cap *c)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t cap = 0;
	pcap_t *p;
	int rc;

	memset(c, 0, sizeof(*c));
	p = pcap_open_offline_with_tstamp_precision(path, prec, errbuf);
	if (!p)
		fail_msg("%s: %s", path, errbuf);
	c->dlt = pcap_datalink(p);
	c->precision = pcap_get_tstamp_precision(p);
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		struct rec *r;

		if (c->n == cap) {
			cap = cap ? 2 * cap : 1024;
			c->r = realloc(c->r, cap * sizeof(*c->r));
			assert_non_null(c->r);
		}
		r = &c->r[c->n++];
		r->ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
			(uint64_t)h->ts.tv_usec *
				(prec == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000);
		r->caplen = h->caplen;
		r->len = h->len;
		r->data = malloc(h->caplen ? h->caplen : 1);
		assert_non_null(r->data);
		memcpy(r->data, d, h->caplen);
	}
	assert_int_equal(rc, PCAP_ERROR_BREAK); /* -2: end of file */
	pcap_close(p);
}

static void cap_read(const char *path, struct cap *c)
{
	cap_read_prec(path, PCAP_TSTAMP_PRECISION_NANO, c);
}

/*
 * Parse a record the way a reader of this link type would: cooked and
 * raw records are rebuilt as Ethernet (the cooked protocol field is the
 * ethertype and tags follow it, as in Ethernet), raw IP goes to the L3
 * entry point. The copy is exactly the record's size, for ASan.
 */
static void parse_rec(int dlt, const struct rec *r, struct mxg_pkt *p)
{
	size_t n = r->caplen, hl = 0;
	uint8_t *b;

	if (dlt == DLT_RAW) {
		b = malloc(n ? n : 1);
		assert_non_null(b);
		memcpy(b, r->data, n);
		mxg_pkt_reset(p);
		mxg_parse_l3(b, b + n, 0, 0, p);
		free(b);
		return;
	}
	if (dlt == DLT_LINUX_SLL)
		hl = 16;
	else if (dlt == DLT_LINUX_SLL2)
		hl = 20;
	if (!hl) {
		b = malloc(n ? n : 1);
		assert_non_null(b);
		memcpy(b, r->data, n);
	} else {
		assert_true(n >= hl);
		n = n - hl + 14;
		b = calloc(1, n);
		assert_non_null(b);
		memcpy(b + 12, r->data + (dlt == DLT_LINUX_SLL ? 14 : 0), 2);
		memcpy(b + 14, r->data + hl, r->caplen - hl);
	}
	mxg_parse_eth(b, b + n, p);
	free(b);
}

static int rec_is_attempt(int dlt, const struct rec *r, struct mxg_pkt *p)
{
	parse_rec(dlt, r, p);
	return mxg_pkt_is_smtp_syn(p, smtp_ports, 3, 3);
}

/* ------------------------------------------------------------------ */
/* Manifests */

static cJSON *manifest_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	cJSON *j;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v))
		fail_msg("manifest: no number \"%s\"", key);
	return v->valuedouble;
}

static const cJSON *item(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		fail_msg("manifest: no \"%s\"", key);
	return v;
}

static const cJSON *scenario(const cJSON *m, const char *name)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, item(m, "scenarios"))
	{
		if (!strcmp(item(s, "name")->valuestring, name))
			return s;
	}
	fail_msg("manifest: no scenario %s", name);
	return NULL;
}

static double kind_count(const cJSON *o, const char *kind)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		item(o, "frames_by_kind"), kind);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Attempts, per source, as the parser sees them. */
struct attempt {
	uint8_t family;
	uint8_t addr[16];
	uint64_t ts;
};

static int cmp_attempt(const void *a, const void *b)
{
	const struct attempt *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

struct src_view {
	char addr[INET6_ADDRSTRLEN];
	uint64_t count, first, last, iat_min, iat_max;
	double per_scenario; /* sum of the scenarios' claims */
};

static int cmp_view(const void *a, const void *b)
{
	return strcmp(((const struct src_view *)a)->addr,
		      ((const struct src_view *)b)->addr);
}

/* Group the capture's attempts by source; returns the number of sources. */
static size_t sources_of(const struct cap *c, struct src_view **out,
			 uint64_t *n_attempts)
{
	struct attempt *a = calloc(c->n + 1, sizeof(*a));
	struct src_view *v = calloc(c->n + 1, sizeof(*v));
	struct mxg_pkt p;
	size_t i, n = 0, ns = 0;

	assert_true(a && v);
	for (i = 0; i < c->n; i++) {
		if (!rec_is_attempt(c->dlt, &c->r[i], &p))
			continue;
		a[n].family = p.family;
		memcpy(a[n].addr, p.src, 16);
		a[n].ts = c->r[i].ts;
		n++;
	}
	qsort(a, n, sizeof(*a), cmp_attempt);
	for (i = 0; i < n; i++) {
		struct src_view *s;

		if (i == 0 || a[i].family != a[i - 1].family ||
		    memcmp(a[i].addr, a[i - 1].addr, 16)) {
			s = &v[ns++];
			inet_ntop(a[i].family == 6 ? AF_INET6 : AF_INET,
				  a[i].addr, s->addr, sizeof(s->addr));
			s->first = a[i].ts;
			s->iat_min = UINT64_MAX;
		} else {
			uint64_t iat;

			s = &v[ns - 1];
			iat = a[i].ts - s->last;
			if (iat < s->iat_min)
				s->iat_min = iat;
			if (iat > s->iat_max)
				s->iat_max = iat;
		}
		s->last = a[i].ts;
		s->count++;
	}
	free(a);
	qsort(v, ns, sizeof(*v), cmp_view);
	*out = v;
	*n_attempts = n;
	return ns;
}

static struct src_view *find_src(struct src_view *v, size_t n, const char *addr)
{
	struct src_view key;

	snprintf(key.addr, sizeof(key.addr), "%s", addr);
	return bsearch(&key, v, n, sizeof(*v), cmp_view);
}

/* Sum of a counter over the scenarios. */
static double sum_scenarios(const cJSON *m, const char *key)
{
	const cJSON *s;
	double t = 0;

	cJSON_ArrayForEach(s, item(m, "scenarios")) t += num(s, key);
	return t;
}

static double sum_object(const cJSON *o)
{
	const cJSON *v;
	double t = 0;

	cJSON_ArrayForEach(v, o) t += v->valuedouble;
	return t;
}

static int expected_dlt(const char *linktype)
{
	if (!strcmp(linktype, "sll"))
		return DLT_LINUX_SLL;
	if (!strcmp(linktype, "sll2"))
		return DLT_LINUX_SLL2;
	if (!strcmp(linktype, "raw"))
		return DLT_RAW;
	return DLT_EN10MB;
}

/*
 * Every claim of the manifest against the capture: counts, kinds,
 * per-source attempts with first/last/inter-arrival times, ordering,
 * link type. Returns the manifest (caller frees) and leaves the capture
 * in *c.
 */
static cJSON *check_manifest(const char *pcap_path, const char *json_path,
			     struct cap *c)
{
	cJSON *m = manifest_load(json_path);
	const cJSON *e, *s;
	struct src_view *v;
	uint64_t n_att, quantum, start;
	size_t ns, i, listed = 0;

	cap_read(pcap_path, c);
	start = (uint64_t)num(m, "start") * 1000000000ull;
	quantum = !strcmp(item(m, "ts_precision")->valuestring, "us") ? 1000 :
									1;
	assert_int_equal(c->dlt,
			 expected_dlt(item(m, "linktype")->valuestring));
	assert_int_equal(c->n, (size_t)num(m, "frames"));
	assert_true(sum_object(item(m, "frames_by_kind")) == num(m, "frames"));
	assert_true(sum_scenarios(m, "frames") == num(m, "frames"));
	assert_true(sum_scenarios(m, "attempts") == num(m, "attempts"));
	assert_true(sum_scenarios(m, "skipped") == num(m, "skipped"));
	assert_true(sum_object(item(m, "attempts_by_dport")) ==
		    num(m, "attempts"));
	for (i = 0; i < c->n; i++) {
		assert_true(c->r[i].ts % quantum == 0);
		assert_true(c->r[i].caplen <= c->r[i].len);
		if (i)
			assert_true(c->r[i].ts >= c->r[i - 1].ts);
	}
	if (c->n) {
		assert_true(fabs(num(m, "first") - c->r[0].ts / 1e9) < 1e-6);
		assert_true(fabs(num(m, "last") - c->r[c->n - 1].ts / 1e9) <
			    1e-6);
	}

	ns = sources_of(c, &v, &n_att);
	assert_int_equal(n_att, (uint64_t)num(m, "attempts"));
	assert_int_equal(ns, (size_t)num(m, "distinct_sources"));
	/* The per-scenario lists add up to the capture's. */
	cJSON_ArrayForEach(s, item(m, "scenarios"))
	{
		const cJSON *x;

		cJSON_ArrayForEach(x, item(s, "sources"))
		{
			struct src_view *sv =
				find_src(v, ns, item(x, "src")->valuestring);

			if (!sv)
				fail_msg("%s: source %s has no attempts",
					 item(s, "name")->valuestring,
					 item(x, "src")->valuestring);
			sv->per_scenario += num(x, "attempts");
		}
	}
	cJSON_ArrayForEach(e, item(m, "sources"))
	{
		const char *addr = item(e, "src")->valuestring;
		const struct src_view *sv = find_src(v, ns, addr);

		if (!sv)
			fail_msg("manifest source %s has no attempts", addr);
		listed++;
		assert_int_equal(sv->count, (uint64_t)num(e, "attempts"));
		assert_int_equal(sv->first - start,
				 (uint64_t)num(e, "first_ns"));
		assert_int_equal(sv->last - start, (uint64_t)num(e, "last_ns"));
		assert_true(fabs(num(e, "first") - sv->first / 1e9) < 1e-6);
		if (sv->count > 1) {
			assert_true(fabs(num(e, "iat_min") -
					 sv->iat_min / 1e9) < 1e-12);
			assert_true(fabs(num(e, "iat_max") -
					 sv->iat_max / 1e9) < 1e-12);
			assert_true(fabs(num(e, "iat_mean") -
					 (sv->last - sv->first) /
						 (sv->count - 1.0) / 1e9) <
				    1e-12);
		} else {
			assert_null(cJSON_GetObjectItem(e, "iat_min"));
		}
		assert_true(sv->per_scenario == num(e, "attempts"));
	}
	assert_int_equal(listed, ns);
	free(v);
	return m;
}

/* Generate and check in one go; returns the manifest, capture in *c. */
static cJSON *gen_checked(struct cap *c, const char *name, const char *opts)
{
	char *pcap = path_in_tmp(name);
	char json[300];

	snprintf(json, sizeof(json), "%s.json", pcap);
	assert_int_equal(run("--manifest %s %s %s", json, opts, pcap), 0);
	return check_manifest(pcap, json, c);
}

static int in_net4(const uint8_t *a, const char *net, unsigned int plen)
{
	uint8_t n[4];
	uint32_t x, y, mask = plen ? ~0u << (32 - plen) : 0;

	inet_pton(AF_INET, net, n);
	x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 |
	    a[3];
	y = (uint32_t)n[0] << 24 | (uint32_t)n[1] << 16 | (uint32_t)n[2] << 8 |
	    n[3];
	return (x & mask) == y;
}

static int addr_is(const uint8_t *a, int family, const char *text)
{
	uint8_t b[16] = { 0 };

	inet_pton(family == 6 ? AF_INET6 : AF_INET, text, b);
	return !memcmp(a, b, 16);
}

/* ------------------------------------------------------------------ */
/* Scenarios */

static void flood_exact(void **state)
{
	struct cap c;
	struct mxg_pkt p;
	cJSON *m;
	size_t i, att = 0;

	(void)state;
	m = gen_checked(&c, "flood.pcap", "flood rate=100/s duration=5");
	/* From the parameters alone: R*T SYNs, 1/R apart, from t = start. */
	assert_int_equal(c.n, 500);
	for (i = 0; i < c.n; i++) {
		assert_true(rec_is_attempt(c.dlt, &c.r[i], &p));
		assert_true(addr_is(p.src, 4, "203.0.113.7"));
		assert_true(addr_is(p.dst, 4, "198.51.100.25"));
		assert_int_equal(p.dport, 25);
		assert_int_equal(c.r[i].ts, START_NS + i * 10000000ull);
		att++;
	}
	assert_int_equal(att, 500);
	assert_true(num(scenario(m, "flood"), "attempts") == 500);
	assert_true(num(item(scenario(m, "flood"), "params"), "rate") == 100);
	cJSON_Delete(m);
	cap_free(&c);
}

static void flood_v6_jitter(void **state)
{
	struct cap c;
	struct mxg_pkt p;
	cJSON *m;
	size_t i;

	(void)state;
	m = gen_checked(&c, "flood6.pcapng",
			"--format pcapng --start 1800000000 flood "
			"src=2001:db8:bad::7 rate=1000/s duration=2 jitter=1 "
			"offset=0.5");
	assert_int_equal(c.n, 2000);
	for (i = 0; i < c.n; i++) {
		assert_true(rec_is_attempt(c.dlt, &c.r[i], &p));
		assert_int_equal(p.family, 6);
		assert_true(addr_is(p.src, 6, "2001:db8:bad::7"));
		assert_true(addr_is(p.dst, 6, "2001:db8:25::25"));
		/* SYN i within +-half a period of start + 0.5 + i ms */
		assert_true(
			llabs((long long)(c.r[i].ts - 1800000000500000000ull) -
			      (long long)i * 1000000) <= 500000);
	}
	cJSON_Delete(m);
	cap_free(&c);
}

static void botnet24_rotation(void **state)
{
	struct src_view *v;
	uint64_t n_att;
	struct cap c;
	struct mxg_pkt p;
	size_t ns, i;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "botnet.pcap", "botnet24");
	/* 254 hosts x floor(6/min * 60 s) = 6 SYNs each, 10 s apart. */
	ns = sources_of(&c, &v, &n_att);
	assert_int_equal(ns, 254);
	assert_int_equal(n_att, 254 * 6);
	for (i = 0; i < ns; i++) {
		assert_int_equal(v[i].count, 6);
		/* 10 s, give or take the microsecond rounding */
		assert_true(v[i].iat_min >= 10000000000ull - 1000);
		assert_true(v[i].iat_max <= 10000000000ull + 1000);
	}
	for (i = 0; i < c.n; i++) {
		assert_true(rec_is_attempt(c.dlt, &c.r[i], &p));
		assert_true(in_net4(p.src, "198.18.24.0", 24));
		assert_true(p.src[3] != 0 && p.src[3] != 255);
	}
	/* The /24 as a whole: 25.4 SYNs per second. */
	assert_true(fabs((c.n - 1) / ((c.r[c.n - 1].ts - c.r[0].ts) / 1e9) -
			 25.4) < 0.1);
	free(v);
	cJSON_Delete(m);
	cap_free(&c);
}

static void v6rotate_distinct(void **state)
{
	struct src_view *v;
	uint64_t n_att;
	struct cap c;
	struct mxg_pkt p;
	uint8_t net[16];
	size_t i;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "v6rot.pcap", "v6rotate rate=50/s duration=10");
	inet_pton(AF_INET6, "2001:db8:bad:64::", net);
	assert_int_equal(sources_of(&c, &v, &n_att), 500);
	assert_int_equal(n_att, 500);
	for (i = 0; i < c.n; i++) {
		assert_true(rec_is_attempt(c.dlt, &c.r[i], &p));
		assert_memory_equal(p.src, net, 8);
	}
	free(v);
	cJSON_Delete(m);
	cap_free(&c);
}

static void spoofed_random(void **state)
{
	struct src_view *v;
	uint64_t n_att;
	struct cap c;
	struct mxg_pkt p;
	size_t i, n6 = 0, ns;
	int octets[256] = { 0 }, distinct = 0;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "spoofed.pcap",
			"spoofed rate=2000/s duration=2 v6=0.2");
	ns = sources_of(&c, &v, &n_att);
	assert_int_equal(n_att, 4000);
	assert_true(ns >= 3990);
	for (i = 0; i < c.n; i++) {
		assert_true(rec_is_attempt(c.dlt, &c.r[i], &p));
		if (p.family == 6)
			n6++;
		else
			octets[p.src[0]] = 1;
	}
	for (i = 0; i < 256; i++)
		distinct += octets[i];
	assert_true(n6 > 4000 * 0.17 && n6 < 4000 * 0.23);
	assert_true(distinct > 200);
	free(v);
	cJSON_Delete(m);
	cap_free(&c);
}

/* TCP sessions: handshake and teardown match up, per flow. */
struct flow {
	uint8_t cli[16];
	uint16_t cport, dport;
	uint32_t isn, fin_seq;
	int frames, syn, synack_ok, fin_cli, fin_srv, last_ack_ok, greeting;
};

static struct flow *flow_of(struct flow *f, size_t *n, const uint8_t *cli,
			    uint16_t cport)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (f[i].cport == cport && !memcmp(f[i].cli, cli, 16))
			return &f[i];
	memset(&f[*n], 0, sizeof(f[*n]));
	memcpy(f[*n].cli, cli, 16);
	f[*n].cport = cport;
	return &f[(*n)++];
}

/* Every flow is a complete session, or a bare SYN (counted in *bare). */
static void check_sessions(const struct cap *c, size_t *n_flows, size_t *tagged,
			   size_t *bare)
{
	struct flow *fl = calloc(c->n + 1, sizeof(*fl));
	struct mxg_pkt p;
	size_t i, n = 0;

	assert_non_null(fl);
	*tagged = 0;
	for (i = 0; i < c->n; i++) {
		const struct rec *r = &c->r[i];
		int from_mx, attempt = rec_is_attempt(c->dlt, r, &p);
		struct flow *f;
		uint32_t seq, ack;
		const uint8_t *th;

		assert_int_equal(p.status, MXG_PKT_OK);
		if (p.l4_proto != 6)
			continue;
		from_mx = is_smtp_port(p.sport);
		assert_true(from_mx || is_smtp_port(p.dport));
		f = flow_of(fl, &n, from_mx ? p.dst : p.src,
			    from_mx ? p.dport : p.sport);
		th = r->data + p.l4_off;
		seq = p.tcp_seq;
		ack = (uint32_t)th[8] << 24 | (uint32_t)th[9] << 16 |
		      (uint32_t)th[10] << 8 | th[11];
		if (p.vlan_depth)
			(*tagged)++;
		f->frames++;
		if (attempt) {
			assert_false(from_mx);
			f->syn++;
			f->isn = seq;
			f->dport = p.dport;
		} else if (p.tcp_flags == (MXG_TCP_SYN | MXG_TCP_ACK)) {
			assert_true(from_mx);
			f->synack_ok = ack == f->isn + 1;
		} else if (p.tcp_flags & MXG_TCP_FIN) {
			if (from_mx) {
				f->fin_srv++;
			} else {
				f->fin_cli++;
				f->fin_seq = seq;
			}
		} else if (from_mx && f->fin_cli) {
			f->last_ack_ok = ack == f->fin_seq + 1;
		} else if (from_mx && !f->greeting &&
			   p.ip_end > p.l4_off + 20u) {
			/* the first data from the MX: the greeting, which is
			 * plain text except on 465 (implicit TLS) */
			f->greeting = f->dport == 465 ?
					      th[20] == 0x16 || th[20] == 0x17 :
					      !memcmp(th + 20, "220 ", 4);
		}
	}
	*bare = 0;
	for (i = 0; i < n; i++) {
		assert_int_equal(fl[i].syn, 1);
		if (fl[i].frames == 1) {
			(*bare)++;
			continue;
		}
		assert_true(fl[i].synack_ok);
		assert_int_equal(fl[i].fin_cli, 1);
		assert_int_equal(fl[i].fin_srv, 1);
		assert_true(fl[i].last_ack_ok);
		assert_true(fl[i].greeting);
	}
	*n_flows = n;
	free(fl);
}

static void legit_sessions(void **state)
{
	size_t flows, tagged, bare, i, ports[3] = { 0 };
	struct cap c;
	struct mxg_pkt p;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "legit.pcap", "legit senders=12 duration=120");
	check_sessions(&c, &flows, &tagged, &bare);
	assert_int_equal(flows, (size_t)num(m, "attempts"));
	assert_int_equal(tagged, 0);
	assert_int_equal(bare, 0);
	for (i = 0; i < c.n; i++) {
		if (!rec_is_attempt(c.dlt, &c.r[i], &p))
			continue;
		ports[p.dport == 25 ? 0 : p.dport == 465 ? 1 : 2]++;
		assert_true(p.family == 6 ? p.src[4] == 0 && p.src[5] == 1 :
					    in_net4(p.src, "192.0.2.0", 24));
	}
	/* 70% to 25, the rest to 465 and 587 */
	assert_true(ports[0] > ports[1] + ports[2]);
	assert_true(ports[1] > 0 && ports[2] > 0);
	assert_int_equal(num(m, "distinct_sources"), 12);
	cJSON_Delete(m);
	cap_free(&c);
}

static void vlan_tags(void **state)
{
	size_t flows, tagged, bare, i, depth[3] = { 0 };
	struct cap c;
	struct mxg_pkt p;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "vlan.pcap", "vlan rate=1/min duration=600");
	check_sessions(&c, &flows, &tagged, &bare);
	assert_int_equal(tagged, c.n);
	assert_int_equal(flows, (size_t)num(m, "attempts"));
	assert_true(bare > 0 && bare < flows);
	for (i = 0; i < c.n; i++) {
		if (!rec_is_attempt(c.dlt, &c.r[i], &p))
			continue;
		depth[p.vlan_depth]++;
		if (p.vlan_depth == 2) { /* 802.1ad outside, 802.1Q inside */
			assert_int_equal(c.r[i].data[12], 0x88);
			assert_int_equal(c.r[i].data[13], 0xa8);
			assert_int_equal(c.r[i].data[16], 0x81);
		}
	}
	assert_int_equal(depth[0], 0);
	assert_true(depth[1] > 0 && depth[2] > 0);
	assert_true(kind_count(m, "data") > 0); /* some full sessions */
	cJSON_Delete(m);
	cap_free(&c);
}

/* Fragments: parse view, and reassembly with a valid TCP checksum. */
struct frag {
	int family;
	uint8_t src[16], dst[16];
	uint32_t id, off;
	int more;
	const uint8_t *data;
	size_t len;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int frag_of(const struct rec *r, struct frag *f)
{
	const uint8_t *ip = r->data + 14;
	uint16_t type = (uint16_t)(r->data[12] << 8 | r->data[13]);

	memset(f, 0, sizeof(*f));
	if (type == 0x0800) {
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		size_t tot = (size_t)(ip[2] << 8 | ip[3]);
		uint16_t fo = (uint16_t)(ip[6] << 8 | ip[7]);

		if (!(fo & 0x3fff))
			return 0;
		assert_int_equal(pktgen_csum_fold(pktgen_csum_add(0, ip, ihl)),
				 0xffff);
		assert_int_equal(ip[9], 6);
		f->family = 4;
		memcpy(f->src, ip + 12, 4);
		memcpy(f->dst, ip + 16, 4);
		f->id = (uint32_t)(ip[4] << 8 | ip[5]);
		f->off = (uint32_t)(fo & 0x1fff) * 8;
		f->more = !!(fo & 0x2000);
		f->data = ip + ihl;
		f->len = tot - ihl;
		return 1;
	}
	if (type != 0x86dd || ip[6] != 44)
		return 0;
	assert_int_equal(ip[40], 6);
	f->family = 6;
	memcpy(f->src, ip + 8, 16);
	memcpy(f->dst, ip + 24, 16);
	f->id = be32(ip + 44);
	f->off = (uint32_t)(ip[42] << 8 | ip[43]) & 0xfff8;
	f->more = ip[43] & 1;
	f->data = ip + 48;
	f->len = (size_t)(ip[4] << 8 | ip[5]) - 8;
	return 1;
}

static int cmp_frag(const void *a, const void *b)
{
	const struct frag *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->src, y->src, 16);
	if (c)
		return c;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Returns the number of reassembled packets; *orphans counts groups
 * with no first fragment. Every reassembled TCP checksum must hold. */
static size_t reassemble(const struct cap *c, size_t *orphans)
{
	struct frag *f = calloc(c->n + 1, sizeof(*f));
	size_t n = 0, i, j, whole = 0;

	assert_non_null(f);
	*orphans = 0;
	for (i = 0; i < c->n; i++)
		n += frag_of(&c->r[i], &f[n]);
	qsort(f, n, sizeof(*f), cmp_frag);
	for (i = 0; i < n; i = j) {
		uint8_t l4[256], pseudo[40] = { 0 };
		size_t len = 0;
		uint32_t sum;

		for (j = i + 1;
		     j < n && f[j].family == f[i].family &&
		     !memcmp(f[j].src, f[i].src, 16) && f[j].id == f[i].id;
		     j++)
			;
		if (f[i].off) {
			(*orphans)++;
			continue;
		}
		for (size_t k = i; k < j; k++) {
			assert_int_equal(f[k].off, len);
			assert_true(len + f[k].len <= sizeof(l4));
			memcpy(l4 + len, f[k].data, f[k].len);
			len += f[k].len;
			assert_int_equal(f[k].more, k + 1 < j);
		}
		if (f[i].family == 4) {
			memcpy(pseudo, f[i].src, 4);
			memcpy(pseudo + 4, f[i].dst, 4);
			pseudo[9] = 6;
			pseudo[10] = (uint8_t)(len >> 8);
			pseudo[11] = (uint8_t)len;
			sum = pktgen_csum_add(0, pseudo, 12);
		} else {
			memcpy(pseudo, f[i].src, 16);
			memcpy(pseudo + 16, f[i].dst, 16);
			pseudo[34] = (uint8_t)(len >> 8);
			pseudo[35] = (uint8_t)len;
			pseudo[39] = 6;
			sum = pktgen_csum_add(0, pseudo, 40);
		}
		assert_int_equal(
			pktgen_csum_fold(pktgen_csum_add(sum, l4, len)),
			0xffff);
		assert_int_equal(l4[13], MXG_TCP_SYN);
		whole++;
	}
	free(f);
	return whole;
}

static void fragments_rules(void **state)
{
	size_t i, tiny = 0, first = 0, later = 0, atomic = 0, to80 = 0;
	size_t orphans, whole;
	struct cap c;
	struct mxg_pkt p;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "frag.pcap", "fragments rate=1/s duration=60");
	for (i = 0; i < c.n; i++) {
		int att = rec_is_attempt(c.dlt, &c.r[i], &p);

		assert_int_equal(p.status, MXG_PKT_OK);
		if (p.flags & MXG_PKT_F_FRAG_LATER) {
			assert_false(att);
			later++;
		} else if (p.flags & MXG_PKT_F_FRAG_FIRST) {
			assert_int_equal(att, is_smtp_port(p.dport));
			if (p.flags & MXG_PKT_F_TCP_FLAGS)
				first++;
			else
				tiny++;
			to80 += p.dport == 80;
		} else {
			/* IPv6 atomic fragment: a whole SYN */
			assert_int_equal(p.family, 6);
			assert_int_equal(att, is_smtp_port(p.dport));
			atomic++;
		}
	}
	assert_true(tiny > 0 && first > 0 && to80 > 0 && atomic > 0);
	assert_true(kind_count(m, "frag4_tiny") + kind_count(m, "frag6_tiny") ==
		    tiny);
	assert_true(kind_count(m, "frag4_later") +
			    kind_count(m, "frag6_later") ==
		    later);
	assert_true(kind_count(m, "frag6_atomic") == atomic);
	whole = reassemble(&c, &orphans);
	assert_int_equal(whole, tiny + first + atomic);
	assert_true(orphans > 0); /* the lookalikes */
	assert_int_equal(later, tiny + first + orphans);
	cJSON_Delete(m);
	cap_free(&c);
}

static void noise_no_attempts(void **state)
{
	size_t i, arp = 0, lldp = 0, udp = 0, icmp = 0, v6 = 0, other = 0;
	struct cap c;
	struct mxg_pkt p;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "noise.pcap", "noise duration=30");
	assert_true(num(m, "attempts") == 0);
	for (i = 0; i < c.n; i++) {
		const uint8_t *d = c.r[i].data;

		assert_false(rec_is_attempt(c.dlt, &c.r[i], &p));
		if (p.status == MXG_PKT_NOT_IP) {
			arp += d[12] == 0x08 && d[13] == 0x06;
			lldp += d[12] == 0x88 && d[13] == 0xcc;
			other += d[12] == 0x88 && d[13] == 0xb5;
			continue;
		}
		assert_int_equal(p.status, MXG_PKT_OK);
		v6 += p.family == 6;
		if (p.l4_proto == 17 || p.l4_proto == 1 || p.l4_proto == 58) {
			/* UDP, ICMP and ICMPv6 checksums hold */
			uint8_t ps[40] = { 0 };
			size_t l4 = p.l3_off + (p.family == 6 ? 40 : 20);
			size_t len = p.ip_end - l4;
			uint32_t sum = 0;

			if (p.l4_proto != 1) {
				if (p.family == 4) {
					memcpy(ps, p.src, 4);
					memcpy(ps + 4, p.dst, 4);
					ps[9] = p.l4_proto;
					ps[11] = (uint8_t)len;
					sum = pktgen_csum_add(0, ps, 12);
				} else {
					memcpy(ps, p.src, 16);
					memcpy(ps + 16, p.dst, 16);
					ps[35] = (uint8_t)len;
					ps[39] = p.l4_proto;
					sum = pktgen_csum_add(0, ps, 40);
				}
			}
			assert_int_equal(pktgen_csum_fold(pktgen_csum_add(
						 sum, d + l4, len)),
					 0xffff);
			udp += p.l4_proto == 17;
			icmp += p.l4_proto != 17;
		}
	}
	assert_true(arp && lldp && other && udp && icmp && v6);
	cJSON_Delete(m);
	cap_free(&c);
}

static void truncated_unparsed(void **state)
{
	static const char *const unparsed_kinds[] = {
		"snap_syn_opts", "snap_l3",	 "runt",     "bad_version",
		"bad_ihl",	 "short_totlen", "bad_doff", "iplen_cuts_tcp",
		"v6_ext_cut",	 "v6_ext_many",	 "vlan3",
	};
	size_t i, unparsed = 0, cut = 0, want = 0;
	struct cap c;
	struct mxg_pkt p;
	cJSON *m;

	(void)state;
	m = gen_checked(&c, "trunc.pcap", "truncated rate=13/s duration=2");
	assert_int_equal(c.n, 26);
	for (i = 0; i < c.n; i++) {
		rec_is_attempt(c.dlt, &c.r[i], &p);
		unparsed += mxg_pkt_is_unparsed(&p);
		cut += c.r[i].caplen < c.r[i].len;
	}
	for (i = 0; i < sizeof(unparsed_kinds) / sizeof(*unparsed_kinds); i++)
		want += (size_t)kind_count(m, unparsed_kinds[i]);
	assert_int_equal(want, 22);
	assert_int_equal(unparsed, want);
	assert_int_equal(cut, 8); /* the four snap_* kinds, twice */
	assert_true(num(m, "attempts") == 2);
	cJSON_Delete(m);
	cap_free(&c);
}

/* ------------------------------------------------------------------ */
/* Formats and link types */

#define MIX                                                                    \
	"legit,flood,botnet24,v6rotate,spoofed,vlan,fragments,noise,truncated"
#define MIX_PARAMS                                                             \
	"duration=4 legit.rate=1/s legit.msg_max=3000 flood.rate=50/s "        \
	"botnet24.hosts=20 botnet24.rate=1/s spoofed.rate=20/s "               \
	"vlan.rate=1/s fragments.rate=2/s noise.rate=30/s truncated.rate=5/s"

static void formats_roundtrip(void **state)
{
	struct cap us, ns, ng, ng_us;
	cJSON *m_us, *m_ns, *m_ng;
	size_t i, sub_us = 0;

	(void)state;
	m_us = gen_checked(&us, "mix.pcap", MIX " " MIX_PARAMS);
	m_ns = gen_checked(&ns, "mix-ns.pcap",
			   "--format pcap-ns " MIX " " MIX_PARAMS);
	m_ng = gen_checked(&ng, "mix.pcapng",
			   "--format pcapng " MIX " " MIX_PARAMS);
	cap_read_prec(path_in_tmp("mix.pcapng"), PCAP_TSTAMP_PRECISION_MICRO,
		      &ng_us);
	assert_int_equal(us.precision, PCAP_TSTAMP_PRECISION_NANO);
	assert_true(us.n > 500);
	assert_int_equal(ns.n, us.n);
	assert_int_equal(ng.n, us.n);
	assert_int_equal(ng_us.n, us.n);
	for (i = 0; i < us.n; i++) {
		/* the same frames; ns exact in pcap-ns and pcapng; pcap
		 * and a microsecond reader truncate */
		assert_int_equal(ns.r[i].caplen, us.r[i].caplen);
		assert_int_equal(ns.r[i].len, us.r[i].len);
		assert_int_equal(ng.r[i].caplen, us.r[i].caplen);
		assert_int_equal(ng.r[i].len, us.r[i].len);
		assert_memory_equal(ns.r[i].data, us.r[i].data, us.r[i].caplen);
		assert_memory_equal(ng.r[i].data, us.r[i].data, us.r[i].caplen);
		assert_int_equal(ng.r[i].ts, ns.r[i].ts);
		assert_int_equal(us.r[i].ts, ns.r[i].ts / 1000 * 1000);
		assert_int_equal(ng_us.r[i].ts, us.r[i].ts);
		sub_us += ns.r[i].ts % 1000 != 0;
	}
	assert_true(sub_us > 100); /* nanoseconds are really used */
	assert_true(num(m_us, "attempts") == num(m_ns, "attempts"));
	assert_true(num(m_us, "attempts") == num(m_ng, "attempts"));
	assert_string_equal(item(m_ns, "ts_precision")->valuestring, "ns");
	cJSON_Delete(m_us);
	cJSON_Delete(m_ns);
	cJSON_Delete(m_ng);
	cap_free(&us);
	cap_free(&ns);
	cap_free(&ng);
	cap_free(&ng_us);
}

/* Where the IP packet starts in an Ethernet frame, or 0 if a raw-IP
 * capture cannot hold it (non-IP, three tags, cut before IP). */
static size_t eth_l3(const struct rec *r)
{
	size_t off = 12;
	uint16_t t;
	int i;

	if (r->caplen < 14)
		return 0;
	t = (uint16_t)(r->data[12] << 8 | r->data[13]);
	for (i = 0; i < 2 && (t == 0x8100 || t == 0x88a8); i++) {
		off += 4;
		if (r->caplen < off + 2)
			return 0;
		t = (uint16_t)(r->data[off] << 8 | r->data[off + 1]);
	}
	off += 2;
	if ((t != 0x0800 && t != 0x86dd) || r->caplen <= off)
		return 0;
	return off;
}

static void linktypes_same_l3(void **state)
{
	static const char *const names[] = { "sll", "sll2", "raw" };
	struct cap eth, o;
	cJSON *m_eth, *m;
	char file[64], opts[1024];
	size_t i, j, k, skipped;
	struct mxg_pkt pe, po;

	(void)state;
	m_eth = gen_checked(&eth, "lt-eth.pcap", MIX " " MIX_PARAMS);
	for (k = 0; k < 3; k++) {
		snprintf(file, sizeof(file), "lt-%s.pcapng", names[k]);
		snprintf(opts, sizeof(opts),
			 "--format pcapng --linktype %s " MIX " " MIX_PARAMS,
			 names[k]);
		m = gen_checked(&o, file, opts);
		skipped = 0;
		for (i = 0, j = 0; i < eth.n; i++) {
			const struct rec *e = &eth.r[i], *r;
			size_t l3 = eth_l3(e), hl = k == 0 ? 16 : 20;

			if (k == 2 ? !l3 : e->caplen < 14) {
				skipped++;
				continue;
			}
			assert_true(j < o.n);
			r = &o.r[j++];
			assert_int_equal(r->ts / 1000, e->ts / 1000);
			if (k == 2) {
				assert_int_equal(r->caplen, e->caplen - l3);
				assert_int_equal(r->len, e->len - l3);
				assert_memory_equal(r->data, e->data + l3,
						    r->caplen);
			} else {
				const uint8_t *proto =
					r->data + (k == 0 ? 14 : 0);
				uint8_t type = r->data[k == 0 ? 1 : 10];

				assert_int_equal(r->caplen,
						 e->caplen - 14 + hl);
				assert_int_equal(r->len, e->len - 14 + hl);
				assert_memory_equal(proto, e->data + 12, 2);
				assert_true(type == 0 || type == 4);
				/* outgoing: sent by the MX's MAC */
				assert_int_equal(type == 4,
						 e->data[11] == 0x25);
				assert_memory_equal(r->data + (k == 0 ? 6 : 12),
						    e->data + 6, 6);
				assert_memory_equal(r->data + hl, e->data + 14,
						    e->caplen - 14);
			}
			/* the parser agrees on attempts */
			assert_int_equal(rec_is_attempt(o.dlt, r, &po),
					 rec_is_attempt(eth.dlt, e, &pe));
			if (pe.status == MXG_PKT_OK && pe.family) {
				assert_int_equal(po.status, MXG_PKT_OK);
				assert_memory_equal(po.src, pe.src, 16);
				assert_int_equal(po.flags, pe.flags);
			}
		}
		assert_int_equal(j, o.n);
		assert_true(num(m, "skipped") == skipped);
		assert_true(skipped > 0 || k != 2);
		assert_true(num(m, "attempts") == num(m_eth, "attempts"));
		cJSON_Delete(m);
		cap_free(&o);
	}
	cJSON_Delete(m_eth);
	cap_free(&eth);
}

/* ------------------------------------------------------------------ */
/* Determinism and the command line */

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa && fb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void deterministic(void **state)
{
	struct cap alone, mixed;
	struct mxg_pkt p;
	size_t i, j = 0;

	(void)state;
	assert_int_equal(run("--seed 7 " MIX " " MIX_PARAMS " %s",
			     path_in_tmp("d1.pcap")),
			 0);
	assert_int_equal(run("--seed 7 " MIX " " MIX_PARAMS " %s",
			     path_in_tmp("d2.pcap")),
			 0);
	assert_int_equal(run("--seed 8 " MIX " " MIX_PARAMS " %s",
			     path_in_tmp("d3.pcap")),
			 0);
	assert_true(same_file(path_in_tmp("d1.pcap"), path_in_tmp("d2.pcap")));
	assert_false(same_file(path_in_tmp("d1.pcap"), path_in_tmp("d3.pcap")));
	assert_int_equal(run("--format pcapng --seed 7 flood,noise x.pcapng"
			     " %s",
			     path_in_tmp("d4.pcapng")),
			 2);
	assert_int_equal(run("--format pcapng --seed 7 flood,noise %s",
			     path_in_tmp("d4.pcapng")),
			 0);
	assert_int_equal(run("--format pcapng --seed 7 flood,noise %s",
			     path_in_tmp("d5.pcapng")),
			 0);
	assert_true(
		same_file(path_in_tmp("d4.pcapng"), path_in_tmp("d5.pcapng")));

	/* A scenario's frames do not depend on what it is mixed with. */
	assert_int_equal(run("--seed 7 --format pcap-ns flood rate=30/s "
			     "duration=3 %s",
			     path_in_tmp("alone.pcap")),
			 0);
	assert_int_equal(run("--seed 7 --format pcap-ns noise,flood,legit "
			     "rate=30/s legit.rate=1/s duration=3 %s",
			     path_in_tmp("mixed.pcap")),
			 0);
	cap_read(path_in_tmp("alone.pcap"), &alone);
	cap_read(path_in_tmp("mixed.pcap"), &mixed);
	for (i = 0; i < mixed.n; i++) {
		parse_rec(mixed.dlt, &mixed.r[i], &p);
		if (p.family != 4 || !addr_is(p.src, 4, "203.0.113.7"))
			continue;
		assert_true(j < alone.n);
		assert_int_equal(mixed.r[i].ts, alone.r[j].ts);
		assert_int_equal(mixed.r[i].caplen, alone.r[j].caplen);
		assert_memory_equal(mixed.r[i].data, alone.r[j].data,
				    alone.r[j].caplen);
		j++;
	}
	assert_int_equal(j, alone.n);
	assert_true(mixed.n > alone.n);
	cap_free(&alone);
	cap_free(&mixed);
}

static void cli_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"flood",
		"nosuch out.pcap",
		"flood,,noise out.pcap",
		"flood,flood out.pcap",
		"flood rate=fast out.pcap",
		"flood rate=10/day out.pcap",
		"flood rate=-5 out.pcap",
		"flood duration=0 out.pcap",
		"flood nokey=1 out.pcap",
		"flood legit.senders=3 out.pcap",
		"flood nosuch.rate=3 out.pcap",
		"flood flood.nokey=3 out.pcap",
		"flood src=300.1.1.1 out.pcap",
		"flood dport=70000 out.pcap",
		"flood jitter=2 out.pcap",
		"botnet24 net=198.18.24.1/24 out.pcap",
		"botnet24 net=198.18.24.0/33 out.pcap",
		"botnet24 net=198.18.24.0/30 hosts=5 out.pcap",
		"v6rotate net=2001:db8::/96 out.pcap",
		"legit ports=25,0 out.pcap",
		"legit msg_min=5000 msg_max=1000 out.pcap",
		"legit senders=1000 v6=0 out.pcap",
		"spoofed rate=1e7/s duration=10 out.pcap",
		"--format pcapx flood out.pcap",
		"--linktype ppp flood out.pcap",
		"--seed -1 flood out.pcap",
		"--seed 12x flood out.pcap",
		"--start 99999999999 flood out.pcap",
		"--start 3999999999 flood duration=10 out.pcap",
		"--nosuch flood out.pcap",
		"flood --format",
		"flood rate out.pcap",
	};
	char err[1024], *nl;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int rc = run_capture_err(err, sizeof(err), "%s", bad[i]);

		if (rc != 2)
			fail_msg("\"%s\": exit %d, not 2", bad[i], rc);
		/* one line, naming the program */
		nl = strchr(err, '\n');
		if (strncmp(err, "mxgate-scenario: ", 17) || !nl || nl[1])
			fail_msg("\"%s\": stderr is not one line: %s", bad[i],
				 err);
	}
	/* Nothing was written by any of them. */
	assert_int_equal(access("out.pcap", F_OK), -1);
	/* An unwritable output is an I/O error. */
	assert_int_equal(run_capture_err(err, sizeof(err),
					 "flood /nonexistent/dir/x.pcap"),
			 1);
	assert_int_equal(run_capture_err(err, sizeof(err),
					 "--format pcapng flood "
					 "/nonexistent/dir/x.pcapng"),
			 1);
}

static void help_lists_everything(void **state)
{
	static const char *const words[] = {
		"legit",      "flood",	    "botnet24",	  "v6rotate",
		"spoofed",    "vlan",	    "fragments",  "noise",
		"truncated",  "demo",	    "demo-small", "--format",
		"--linktype", "--manifest", "--seed",	  "--start",
	};
	const char *out = path_in_tmp("help.txt");
	char text[32768];
	int saved, fd;
	ssize_t n;
	size_t i;
	char *argv[] = { "mxgate-scenario", "--help", NULL };

	(void)state;
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	assert_int_equal(scen_main(2, argv), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fd = open(out, O_RDONLY);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_true(n > 1000);
	text[n] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (!strstr(text, words[i]))
			fail_msg("--help does not mention %s", words[i]);
}

/* ------------------------------------------------------------------ */
/* Hostile files: libpcap does what badpcap.c documents. */

static void badpcap_outcomes(void **state)
{
	char errbuf[PCAP_ERRBUF_SIZE], path[256], msg[256];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned int i, good;
	pcap_t *p;
	int rc;

	(void)state;
	for (i = 0; i < badpcap_n_kinds; i++) {
		const struct badpcap_kind *k = &badpcap_kinds[i];
		const char *q = strchr(k->libpcap, '"'), *q2;
		const char *err = NULL;

		/* the quoted message in the documentation, if any */
		msg[0] = '\0';
		if (q && (q2 = strchr(q + 1, '"')))
			snprintf(msg, sizeof(msg), "%.*s", (int)(q2 - q - 1),
				 q + 1);
		snprintf(path, sizeof(path), "%s/bad-%s%s", tmpdir, k->name,
			 badpcap_suffix(k));
		assert_int_equal(badpcap_write(k->name, path), 0);
		p = pcap_open_offline(path, errbuf);
		if (k->outcome == BADPCAP_OPEN_FAILS) {
			if (p)
				fail_msg("%s: opened", k->name);
			err = errbuf;
		} else {
			if (!p)
				fail_msg("%s: %s", k->name, errbuf);
			good = 0;
			while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
				good++;
				if (!strcmp(k->name, "jumbo-snaplen")) {
					assert_int_equal(h->caplen, 1514);
					assert_int_equal(h->len, 9000);
				}
				if (!strcmp(k->name, "caplen-gt-len") &&
				    good == 4) {
					assert_int_equal(h->caplen, 74);
					assert_int_equal(h->len, 54);
				}
			}
			if (good != k->good)
				fail_msg("%s: %u records, documented %u",
					 k->name, good, k->good);
			assert_int_equal(rc, k->outcome == BADPCAP_READS ?
						     PCAP_ERROR_BREAK :
						     PCAP_ERROR);
			if (!strcmp(k->name, "unknown-linktype"))
				assert_int_equal(pcap_datalink(p), 147);
			err = pcap_geterr(p);
		}
		if (msg[0] && !strstr(err, msg))
			fail_msg("%s: libpcap says \"%s\", documented \"%s\"",
				 k->name, err, msg);
		if (p)
			pcap_close(p);
	}
	assert_int_equal(badpcap_write("nosuch", path), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Presets */

static void demo_preset(void **state)
{
	static const char *const names[] = {
		"legit", "flood", "botnet24",  "v6rotate",  "spoofed",
		"noise", "vlan",  "fragments", "truncated",
	};
	struct stat st;
	struct cap c;
	cJSON *m;
	size_t i;

	(void)state;
	m = gen_checked(&c, "demo.pcap", "demo");
	assert_int_equal(stat(path_in_tmp("demo.pcap"), &st), 0);
	assert_true(st.st_size < 5 * 1000 * 1000);
	assert_true(c.n > 5000 && c.n < 50000);
	assert_true(c.r[c.n - 1].ts - c.r[0].ts > 59000000000ull);
	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		const cJSON *s = scenario(m, names[i]);

		assert_true(num(s, "frames") > 0);
		assert_true(num(s, "attempts") > 0 ||
			    !strcmp(names[i], "noise"));
	}
	cJSON_Delete(m);
	cap_free(&c);
}

/* The committed fixture is what the generator makes today. */
static void demo_small_fixture(void **state)
{
	static const char *const keys[] = { "frames", "attempts", "bytes",
					    "distinct_sources" };
	const char *fixture = "tests/captures/demo-small.pcap";
	cJSON *mine, *committed;
	struct stat st;
	struct cap c;
	size_t i;

	(void)state;
	assert_int_equal(stat(fixture, &st), 0);
	assert_true(st.st_size < 200 * 1000);
	mine = gen_checked(&c, "demo-small.pcap", "demo-small");
	if (!same_file(fixture, path_in_tmp("demo-small.pcap")))
		fail_msg(
			"%s differs from a fresh `mxgate-scenario demo-small`; "
			"regenerate it (tests/captures/README.md)",
			fixture);
	cap_free(&c);
	committed =
		check_manifest(fixture, "tests/captures/demo-small.json", &c);
	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		assert_true(num(mine, keys[i]) == num(committed, keys[i]));
	assert_true(cJSON_Compare(item(mine, "scenarios"),
				  item(committed, "scenarios"), 1));
	cJSON_Delete(mine);
	cJSON_Delete(committed);
	cap_free(&c);
}

/* ------------------------------------------------------------------ */

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mxg-scenario-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flood_exact),
		cmocka_unit_test(flood_v6_jitter),
		cmocka_unit_test(botnet24_rotation),
		cmocka_unit_test(v6rotate_distinct),
		cmocka_unit_test(spoofed_random),
		cmocka_unit_test(legit_sessions),
		cmocka_unit_test(vlan_tags),
		cmocka_unit_test(fragments_rules),
		cmocka_unit_test(noise_no_attempts),
		cmocka_unit_test(truncated_unparsed),
		cmocka_unit_test(formats_roundtrip),
		cmocka_unit_test(linktypes_same_l3),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(cli_errors),
		cmocka_unit_test(help_lists_everything),
		cmocka_unit_test(badpcap_outcomes),
		cmocka_unit_test(demo_preset),
		cmocka_unit_test(demo_small_fixture),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
