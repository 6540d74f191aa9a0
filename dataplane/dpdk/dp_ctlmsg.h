/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding and validation of one control-socket request (mxgate/ctl.h) as
 * received: a pure function of the bytes, their count, whether the
 * kernel cut the datagram or its ancillary data, and how many file
 * descriptors came with it. No DPDK, no socket, no policy: the server
 * (dp_control.c) does the I/O and what needs the data plane (mapping the
 * memfd, checking its seals and size, swapping the policy, writing
 * stats); tests/fuzz/fuzz_ctlmsg.c fuzzes this.
 */
#ifndef MXGATE_DP_CTLMSG_H
#define MXGATE_DP_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include "mxgate/ctl.h"

/* A request that passed dp_ctlmsg_decode(). */
struct dp_ctlmsg {
	uint16_t type; /* MXG_CTL_LOAD_IMAGE, MXG_CTL_STATS, MXG_CTL_DP_STATS */
	uint32_t seq;
	union {
		struct mxg_ctl_load load;   /* LOAD_IMAGE */
		struct mxg_ctl_stats stats; /* STATS, DP_STATS */
	} u;
};

/*
 * The seq to echo in the reply to buf[0..n): the header's, or 0 when the
 * request is shorter than a header.
 */
uint32_t dp_ctlmsg_seq(const uint8_t *buf, size_t n);

/*
 * Decode buf[0..n), received with n_fds file descriptors; 'truncated' is
 * set when the kernel cut the datagram or its control data (MSG_TRUNC,
 * MSG_CTRUNC). Checks, in this order: size (at most MXG_CTL_REQ_MAX, at
 * least a header), magic, version, the length field against n, the type,
 * the type's exact size and file descriptor count (LOAD_IMAGE: one;
 * STATS and DP_STATS: none), then the fields checkable without the
 * memfd: LOAD_IMAGE flags and pad zero, image_len within
 * [sizeof(struct mxg_policy_header), MXG_POLICY_IMAGE_MAX]; STATS flags
 * zero and top_n at most MXG_CTL_TOP_MAX. Returns 0 and fills *out, or a
 * negative errno (the status of the reply) with a one-line reason in msg,
 * the text dp_control.c sends today.
 */
int dp_ctlmsg_decode(const uint8_t *buf, size_t n, int truncated, int n_fds,
		     struct dp_ctlmsg *out, char *msg, size_t msglen);

#endif /* MXGATE_DP_CTLMSG_H */
