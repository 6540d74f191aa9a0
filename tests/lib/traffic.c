// SPDX-License-Identifier: BSD-3-Clause
#include "traffic.h"

#include <stdio.h>
#include <string.h>

#include "pktgen.h"

uint64_t traffic_rand(struct traffic *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint32_t pick(struct traffic *t, uint32_t n)
{
	return (uint32_t)(traffic_rand(t) % n);
}

/* True with probability pct percent. */
static int chance(struct traffic *t, uint32_t pct)
{
	return pick(t, 100) < pct;
}

void traffic_init(struct traffic *t, uint64_t seed, uint64_t t0_ns)
{
	memset(t, 0, sizeof(*t));
	t->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	t->ts_ns = t0_ns;
}

static void src_addr(struct traffic *t, int family, char *buf, size_t len)
{
	uint32_t k = pick(t, 100);

	if (family == 4) {
		if (k < 12)
			snprintf(buf, len, "192.0.2.%u", 1 + pick(t, 250));
		else if (k < 24)
			snprintf(buf, len, "198.%u.%u.%u", 18 + pick(t, 2),
				 pick(t, 256), 1 + pick(t, 254));
		else if (k < 30)
			snprintf(buf, len, "203.0.113.%u", 128 + pick(t, 127));
		else if (k < 45)
			/* a few busy hosts, so that buckets run out */
			snprintf(buf, len, "100.64.%u.%u", pick(t, 3),
				 1 + pick(t, 4));
		else if (k < 70)
			snprintf(buf, len, "100.%u.%u.%u", 64 + pick(t, 64),
				 pick(t, 256), 1 + pick(t, 254));
		else
			snprintf(buf, len, "%u.%u.%u.%u", 1 + pick(t, 222),
				 pick(t, 256), pick(t, 256), 1 + pick(t, 254));
		return;
	}
	if (k < 15)
		snprintf(buf, len, "2001:db8:1:%x::%x", pick(t, 16),
			 1 + pick(t, 200));
	else if (k < 30)
		snprintf(buf, len, "2001:db8:dead:%x::%x", pick(t, 16),
			 1 + pick(t, 200));
	else if (k < 50)
		/* a few /64s with many hosts: per-host keys are /64 */
		snprintf(buf, len, "2001:db8:bad:%x::%x", pick(t, 3),
			 1 + pick(t, 60000));
	else
		snprintf(buf, len, "2001:db8:%x:%x::%x",
			 0x1000 + pick(t, 60000), pick(t, 65536),
			 1 + pick(t, 60000));
}

static void dst_addr(struct traffic *t, int family, char *buf, size_t len)
{
	int prot = chance(t, 85);

	if (family == 4)
		snprintf(buf, len, prot ? "198.51.100.%u" : "10.9.%u.9",
			 prot ? 25 + pick(t, 3) : pick(t, 4));
	else
		snprintf(buf, len, prot ? "2001:db8:25::%x" : "2001:db8:99::%x",
			 0x25 + pick(t, 3));
}

static uint64_t next_gap(struct traffic *t)
{
	uint32_t k = pick(t, 10000);

	if (k < 20)
		return 0; /* same nanosecond */
	if (k < 7000)
		return 1000 + pick(t, 200000); /* 1 us .. 0.2 ms */
	if (k < 9900)
		return 200000 + pick(t, 20000000); /* .. 20 ms */
	if (k < 9998)
		return 1000000000ULL + pick(t, 30) * 1000000000ULL;
	return 600ULL * 1000000000ULL; /* idle: buckets refill */
}

size_t traffic_next(struct traffic *t, uint8_t *buf, size_t cap,
		    uint64_t *ts_ns)
{
	static const uint16_t ports[] = { 25,  25,  25,	 25, 25,   25,
					  465, 587, 587, 80, 2525, 443 };
	static const uint8_t flags[] = { 0x02, 0x02, 0x02, 0x02, 0x02,
					 0x02, 0x02, 0x12, 0x10, 0x18,
					 0x04, 0x03, 0x11 };
	char src[64], dst[64];
	struct pktgen_spec s;
	uint32_t k, i;
	size_t len;

	memset(&s, 0, sizeof(s));
	if (t->burst_left) {
		t->burst_left--;
		t->ts_ns += pick(t, 20000);
		s.family = t->burst_family;
		snprintf(src, sizeof(src), "%s", t->burst_src);
		dst_addr(t, s.family, dst, sizeof(dst));
		s.dport = 25;
		s.tcp_flags = 0x02;
	} else {
		/* A step back in time, now and then (several workers' clocks
		 * interleave; captures get merged). */
		if (chance(t, 1) && t->ts_ns > 5000000)
			t->ts_ns -= pick(t, 5000000);
		else
			t->ts_ns += next_gap(t);
		s.family = chance(t, 30) ? 6 : 4;
		if (chance(t, 2)) {
			/* start a flood burst from one source */
			t->burst_left = 50 + pick(t, 400);
			t->burst_family = s.family;
			if (chance(t, 50))
				snprintf(t->burst_src, sizeof(t->burst_src),
					 "%s",
					 s.family == 4 ?
						 (chance(t, 50) ?
							  "203.0.113.7" :
							  "203.0.113.9") :
						 "2001:db8:bad::7");
			else
				src_addr(t, s.family, t->burst_src,
					 sizeof(t->burst_src));
		}
		src_addr(t, s.family, src, sizeof(src));
		dst_addr(t, s.family, dst, sizeof(dst));
		s.dport = ports[pick(t, sizeof(ports) / sizeof(ports[0]))];
		s.tcp_flags = flags[pick(t, sizeof(flags) / sizeof(flags[0]))];
	}
	/* Addresses that must never get a RST (DESIGN §3), now and then. */
	if (chance(t, 1)) {
		static const char *const bad4[] = {
			"0.0.0.0",   "0.1.2.3",	    "127.0.0.1",
			"224.0.0.5", "239.255.0.1", "255.255.255.255"
		};
		static const char *const bad6[] = { "::", "::1", "ff02::1",
						    "ff05::fb",
						    "::ffff:127.0.0.1" };

		if (s.family == 4)
			snprintf(src, sizeof(src), "%s",
				 bad4[pick(t, sizeof(bad4) / sizeof(*bad4))]);
		else
			snprintf(src, sizeof(src), "%s",
				 bad6[pick(t, sizeof(bad6) / sizeof(*bad6))]);
	} else if (chance(t, 1)) {
		snprintf(dst, sizeof(dst), "%s",
			 s.family == 4 ? "224.0.0.25" : "ff02::25");
	}
	s.src = src;
	s.dst = dst;
	s.sport = (uint16_t)(1024 + pick(t, 60000));
	s.seq = (uint32_t)traffic_rand(t);
	s.ack = (uint32_t)traffic_rand(t);
	for (i = 0; i < 6; i++) {
		s.src_mac[i] = (uint8_t)(0x02 + i);
		s.dst_mac[i] = (uint8_t)(0x52 + i);
	}

	/* Group MACs: broadcast or multicast destination, multicast source. */
	k = pick(t, 1000);
	if (k < 5)
		memset(s.dst_mac, 0xff, 6);
	else if (k < 8)
		s.dst_mac[0] = 0x33;
	else if (k < 10)
		s.src_mac[0] = 0x01;

	/* Shapes */
	k = pick(t, 1000);
	if (k < 60) {
		s.n_vlans = 1;
		s.vlan_tci[0] = (uint16_t)(1 + pick(t, 4094));
	} else if (k < 80) {
		s.n_vlans = 2;
		s.vlan_tpid[0] = 0x88a8;
		s.vlan_tci[0] = 100;
		s.vlan_tci[1] = (uint16_t)(1 + pick(t, 4094));
	} else if (k < 85) {
		s.n_vlans = 3; /* unparsed */
	}
	k = pick(t, 1000);
	if (k < 30 && s.family == 4) {
		s.ip_opt_words = (uint8_t)(1 + pick(t, 10));
	} else if (k < 60 && s.family == 6) {
		s.n_ext = (uint8_t)(1 + pick(t, 3));
		for (i = 0; i < s.n_ext; i++) {
			static const uint8_t ext[] = { PKTGEN_EXT_HOPOPTS,
						       PKTGEN_EXT_DSTOPTS,
						       PKTGEN_EXT_ROUTING,
						       PKTGEN_EXT_AH };

			s.ext[i] = ext[pick(t, 4)];
			if (s.ext[i] == PKTGEN_EXT_HOPOPTS && i)
				s.ext[i] = PKTGEN_EXT_DSTOPTS;
			s.ext_len8[i] = (uint8_t)pick(t, 3);
			if (s.ext[i] == PKTGEN_EXT_AH)
				s.ext_len8[i] = (uint8_t)(1 + 2 * pick(t, 3));
		}
	} else if (k < 75 && s.family == 4) {
		s.ip4_frag = 0x2000; /* first fragment */
	} else if (k < 85 && s.family == 4) {
		s.ip4_frag = (uint16_t)(0x2000 | (1 + pick(t, 100)));
	} else if (k < 95 && s.family == 4) {
		/* tiny first fragment: TCP cut after the ports or seq */
		s.ip4_frag = 0x2000;
		s.ip_len_delta = -(int)(12 + 4 * pick(t, 2));
	} else if (k < 105 && s.family == 6) {
		s.n_ext = 1;
		s.ext[0] = PKTGEN_EXT_FRAGMENT;
		s.ip6_frag = chance(t, 60) ? 0x0001 :
					     (uint16_t)(8 * (1 + pick(t, 50)));
	} else if (k < 120) {
		s.proto = 17;
		s.l4_len = (uint16_t)(8 + pick(t, 100));
	} else if (k < 130) {
		s.family = 0; /* not IP */
	} else if (k < 150) {
		s.payload_len = (uint16_t)(1 + pick(t, 200)); /* TFO */
	} else if (k < 165) {
		s.doff_words = (uint8_t)(6 + pick(t, 10)); /* TCP options */
	} else if (k < 175 && s.family == 6) {
		/* parser limit: a chain longer than the parser follows */
		s.n_ext = (uint8_t)(9 + pick(t, 4));
		for (i = 0; i < s.n_ext; i++)
			s.ext[i] = PKTGEN_EXT_DSTOPTS;
	} else if (k < 180 && s.family == 4) {
		/* parser limit: first fragment ending before the ports */
		s.ip4_frag = 0x2000;
		s.ip_len_delta = -(int)(17 + pick(t, 4));
	} else if (k < 185 && s.family == 6) {
		s.n_ext = 1;
		s.ext[0] = PKTGEN_EXT_FRAGMENT;
		s.ip6_frag = 0x0001;
		s.ip_len_delta = -(int)(17 + pick(t, 4));
	}
	if (chance(t, 5))
		s.eth_pad = (uint16_t)(1 + pick(t, 30));
	len = pktgen_build(&s, buf, cap);
	if (len && chance(t, 2))
		len = 1 + pick(t, (uint32_t)len); /* cut */
	if (!len) {
		/* a spec the builder refused: send a plain SYN instead */
		memset(&s, 0, sizeof(s));
		s.family = 4;
		s.src = "100.64.0.1";
		s.dst = "198.51.100.25";
		s.dport = 25;
		s.tcp_flags = 0x02;
		len = pktgen_build(&s, buf, cap);
	}
	*ts_ns = t->ts_ns;
	return len;
}
