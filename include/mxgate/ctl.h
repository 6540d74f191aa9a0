/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The control-socket protocol between the control plane (mxgated,
 * mxgatectl) and the DPDK data plane (mxgate-dp).
 *
 * Transport: a Unix SOCK_SEQPACKET socket, mode 0660; the server checks
 * the peer's credentials (SO_PEERCRED: root, or its own uid or gid).
 * Every message, both ways, starts with struct mxg_ctl_hdr; one request
 * gets exactly one reply, which echoes the request's seq.
 *
 * Policy images can be hundreds of MB (MXG_POLICY_IMAGE_MAX), far more
 * than one datagram. MXG_CTL_LOAD_IMAGE therefore carries no image bytes:
 * it passes a sealed memfd holding the image as SCM_RIGHTS ancillary
 * data. The server accepts only a memfd sealed against writes, shrinking
 * and growing (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW), so the image
 * cannot change between validation and use; its size must equal
 * image_len, and the image itself must pass mxg_policy_image_check (magic,
 * version, lengths, checksum) before anything changes. Requests are at
 * most MXG_CTL_REQ_MAX bytes; larger ones are refused as oversize.
 */
#ifndef MXGATE_CTL_H
#define MXGATE_CTL_H

#include "compat.h"

#define MXG_CTL_MAGIC	0x4c54434dU /* "MCTL" little-endian */
#define MXG_CTL_VERSION 1

#define MXG_CTL_REQ_MAX	  4096	 /* largest request, header included */
#define MXG_CTL_REPLY_MAX 131072 /* largest reply, header included */
#define MXG_CTL_TEXT_MAX  (MXG_CTL_REPLY_MAX - 32) /* reply text bytes */
#define MXG_CTL_TOP_MAX	  500 /* top sources a stats request may ask */

/* struct mxg_ctl_hdr.type */
enum mxg_ctl_type {
	MXG_CTL_REPLY = 1,	/* server -> client: struct mxg_ctl_reply */
	MXG_CTL_LOAD_IMAGE = 2, /* struct mxg_ctl_load + one memfd */
	MXG_CTL_STATS = 3,	/* struct mxg_ctl_stats: summary JSON */
	MXG_CTL_DP_STATS = 4,	/* struct mxg_ctl_stats: data plane JSON */
	MXG_CTL_TYPE_MAX,
};

struct mxg_ctl_hdr {
	uint32_t magic;	  /* MXG_CTL_MAGIC */
	uint16_t version; /* MXG_CTL_VERSION */
	uint16_t type;	  /* enum mxg_ctl_type */
	uint32_t length;  /* the whole message, header included */
	uint32_t seq;	  /* chosen by the client, echoed in the reply */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_ctl_hdr) == 16, "mxg_ctl_hdr layout");

/* MXG_CTL_LOAD_IMAGE: the image is in the memfd passed with SCM_RIGHTS. */
struct mxg_ctl_load {
	struct mxg_ctl_hdr hdr;
	uint64_t image_len; /* == the memfd's size == header total_len */
	uint64_t checksum;  /* == the image header's checksum */
	uint64_t expect_generation; /* if not 0: load only over this one */
	uint32_t flags;		    /* must be 0 */
	uint32_t pad;		    /* must be 0 */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_ctl_load) == 48, "mxg_ctl_load layout");

/* MXG_CTL_STATS and MXG_CTL_DP_STATS. */
struct mxg_ctl_stats {
	struct mxg_ctl_hdr hdr;
	uint32_t top_n; /* top sources in the summary, <= MXG_CTL_TOP_MAX */
	uint32_t flags; /* must be 0 */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_ctl_stats) == 24, "mxg_ctl_stats layout");

/*
 * MXG_CTL_REPLY: status 0 or a negative errno; text_len bytes of text
 * follow (not NUL-terminated): the JSON asked for, or a one-line error.
 */
struct mxg_ctl_reply {
	struct mxg_ctl_hdr hdr;
	int32_t status;
	uint32_t text_len;
	uint64_t generation; /* generation of the policy in force */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_ctl_reply) == 32, "mxg_ctl_reply layout");
MXG_STATIC_ASSERT(sizeof(struct mxg_ctl_reply) + MXG_CTL_TEXT_MAX ==
			  MXG_CTL_REPLY_MAX,
		  "reply text bound");

#endif /* MXGATE_CTL_H */
