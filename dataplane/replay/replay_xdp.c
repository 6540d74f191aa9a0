// SPDX-License-Identifier: BSD-3-Clause
/* mxgate-replay --engine xdp: see replay_xdp.h. */
#include "replay_xdp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <pcap/dlt.h>

#include "mxgate/pkt.h"
#include "rst.h"
#include "xdp_loader.h"

/* The loader's last error, for mxgate-replay's one-line message. */
static char last_error[512];

static void log_capture(int level, const char *msg)
{
	if (level == MXG_LOG_ERR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
	else if (level == MXG_LOG_WARN)
		fprintf(stderr, "mxgate-replay: xdp: %s\n", msg);
}

const char *replay_xdp_error(void)
{
	return last_error[0] ? last_error : NULL;
}

struct replay_xdp {
	struct mxg_xdp *x;
	struct mxg_xdp_config *config;
	const volatile struct mxg_xdp_last *last;
	uint64_t seq;
	struct mxg_totals here; /* frames accounted in userspace */
	uint8_t in[REPLAY_XDP_FRAME_MAX];
	uint8_t out[REPLAY_XDP_FRAME_MAX];
};

int replay_xdp_open(struct replay_xdp **out, const void *image, size_t len,
		    const struct replay_xdp_opts *o)
{
	struct mxg_xdp_load_opts lo = {
		.buckets = (uint32_t)(o->buckets > MXG_XDP_BUCKETS_MAX ?
					      MXG_XDP_BUCKETS_MAX :
					      o->buckets),
		.verbose = o->verbose,
	};
	struct replay_xdp *rx;
	int err;

	*out = NULL;
	mxg_xdp_set_log(log_capture, MXG_LOG_WARN);
	if (getenv("MXG_XDP_VERBOSE"))
		lo.verbose = 1;
	if (lo.buckets && lo.buckets < MXG_XDP_BUCKETS_MIN)
		lo.buckets = MXG_XDP_BUCKETS_MIN;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	err = mxg_xdp_load(&rx->x, &lo);
	if (err)
		goto free_replay;
	err = mxg_xdp_install(rx->x, image, len);
	if (err)
		goto close_xdp;
	rx->config = mxg_xdp_config_map(rx->x);
	rx->last = mxg_xdp_last_map(rx->x);
	rx->seq = rx->last->seq;
	rx->config->flags = MXG_XDP_F_TEST_CLOCK | MXG_XDP_F_RECORD;
	*out = rx;
	return 0;

close_xdp:
	mxg_xdp_close(rx->x);
free_replay:
	free(rx);
	return err;
}

void replay_xdp_close(struct replay_xdp *rx)
{
	if (!rx)
		return;
	mxg_xdp_close(rx->x);
	free(rx);
}

/* A frame the program cannot be given: accounted as the core engine
 * accounts a frame too short for its link header. */
static void account_here(struct replay_xdp *rx, struct mxg_decision *d)
{
	d->verdict = MXG_VERDICT_FORWARD;
	d->unparsed = 1;
	d->attempt = 0;
	d->rule = -1;
	mxg_totals_account(&rx->here, 1, MXG_VERDICT_FORWARD);
}

/*
 * The Ethernet frame to run for a record: the record itself (Ethernet),
 * or what follows the link header behind a made-up Ethernet header.
 * Returns the frame length in rx->in, or 0 when the record is too short
 * for its link header. *made_up says whether the Ethernet header is ours.
 */
static size_t make_frame(struct replay_xdp *rx, int dlt, const uint8_t *data,
			 uint32_t caplen, int *made_up)
{
	uint32_t skip, n;
	uint16_t type;

	switch (dlt) {
	case DLT_EN10MB:
		*made_up = 0;
		if (caplen < MXG_ETH_HLEN)
			return 0;
		n = caplen < REPLAY_XDP_FRAME_MAX ? caplen :
						    REPLAY_XDP_FRAME_MAX;
		memcpy(rx->in, data, n);
		return n;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return 0;
		skip = 16;
		type = mxg_load_be16(data + 14);
		break;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return 0;
		skip = 20;
		type = mxg_load_be16(data);
		break;
	case DLT_IPV4:
		skip = 0;
		type = MXG_ETH_P_IPV4;
		break;
	case DLT_IPV6:
		skip = 0;
		type = MXG_ETH_P_IPV6;
		break;
	default: /* DLT_RAW: 0 makes the parser look at the version */
		skip = 0;
		type = 0;
		break;
	}
	/* The core engine parses a cooked capture from its protocol field
	 * on (tags included), as it parses Ethernet from the ethertype. */
	memset(rx->in, 0, MXG_ETH_HLEN);
	rx->in[12] = (uint8_t)(type >> 8);
	rx->in[13] = (uint8_t)type;
	n = caplen - skip;
	if (n > REPLAY_XDP_FRAME_MAX - MXG_ETH_HLEN)
		n = REPLAY_XDP_FRAME_MAX - MXG_ETH_HLEN;
	memcpy(rx->in + MXG_ETH_HLEN, data + skip, n);
	*made_up = 1;
	return MXG_ETH_HLEN + n;
}

/* Length of the Ethernet header and tags of a frame the program sent. */
static uint32_t l2_len(const uint8_t *f, uint32_t len)
{
	uint32_t off = MXG_ETH_HLEN, i;
	uint16_t type;

	for (i = 0; i < MXG_VLAN_MAX && off + 4 <= len; i++) {
		type = mxg_load_be16(f + off - 2);
		if (type != MXG_ETH_P_8021Q && type != MXG_ETH_P_8021AD)
			break;
		off += 4;
	}
	return off;
}

int replay_xdp_run(struct replay_xdp *rx, int dlt, const uint8_t *data,
		   uint32_t caplen, uint64_t ts_ns, struct mxg_decision *d,
		   uint8_t *rst, size_t *rst_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	uint32_t l2 = 0;
	int made_up = 0, err;
	size_t len;

	*rst_len = 0;
	len = make_frame(rx, dlt, data, caplen, &made_up);
	if (!len) {
		account_here(rx, d);
		return 0;
	}
	rx->config->test_clock_ns = ts_ns;
	opts.data_in = rx->in;
	opts.data_size_in = (uint32_t)len;
	opts.data_out = rx->out;
	opts.data_size_out = sizeof(rx->out);
	err = bpf_prog_test_run_opts(mxg_xdp_prog_fd(rx->x), &opts);
	if (err)
		return err;
	if (rx->last->seq != rx->seq + 1)
		return -EPROTO; /* the program did not record this frame */
	rx->seq = rx->last->seq;
	d->verdict = rx->last->verdict;
	d->unparsed = rx->last->unparsed;
	d->attempt = rx->last->attempt;
	d->rule = rx->last->rule;
	if (d->verdict != MXG_VERDICT_RESET || opts.retval != XDP_TX)
		return 0;
	/* Non-Ethernet captures get the RST as an IP packet, as from the
	 * core engine. */
	if (made_up)
		l2 = l2_len(rx->out, opts.data_size_out);
	if (opts.data_size_out > l2 && opts.data_size_out - l2 <= MXG_RST_MAX) {
		*rst_len = opts.data_size_out - l2;
		memcpy(rst, rx->out + l2, *rst_len);
	}
	return 0;
}

int replay_xdp_counters(struct replay_xdp *rx, struct mxg_counters *c)
{
	const uint64_t *s = (const uint64_t *)&rx->here;
	uint64_t *t = (uint64_t *)&c->totals;
	size_t k;
	int err = mxg_xdp_counters(rx->x, c);

	if (err)
		return err;
	for (k = 0; k < sizeof(rx->here) / sizeof(uint64_t); k++)
		t[k] += s[k];
	return 0;
}
