// SPDX-License-Identifier: BSD-3-Clause
/* Control-socket request decoding: see dp_ctlmsg.h. */
#include "dp_ctlmsg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mxgate/policy.h"

uint32_t dp_ctlmsg_seq(const uint8_t *buf, size_t n)
{
	uint32_t seq = 0;

	if (n >= sizeof(struct mxg_ctl_hdr))
		memcpy(&seq, buf + offsetof(struct mxg_ctl_hdr, seq),
		       sizeof(seq));
	return seq;
}

static int decode_load(const uint8_t *buf, size_t n, int n_fds,
		       struct dp_ctlmsg *out, char *msg, size_t msglen)
{
	struct mxg_ctl_load *req = &out->u.load;

	if (n != sizeof(*req)) {
		snprintf(msg, msglen, "LOAD_IMAGE: %zu bytes, expected %zu", n,
			 sizeof(*req));
		return -EBADMSG;
	}
	if (n_fds != 1) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: %d file descriptors, expected one memfd",
			 n_fds);
		return -EBADF;
	}
	memcpy(req, buf, sizeof(*req));
	if (req->flags || req->pad) {
		snprintf(msg, msglen, "LOAD_IMAGE: flags and pad must be 0");
		return -EINVAL;
	}
	if (req->image_len > MXG_POLICY_IMAGE_MAX) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: image of %" PRIu64
			 " bytes exceeds the %llu-byte limit",
			 req->image_len,
			 (unsigned long long)MXG_POLICY_IMAGE_MAX);
		return -EFBIG;
	}
	if (req->image_len < sizeof(struct mxg_policy_header)) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: %" PRIu64 " bytes cannot hold an image",
			 req->image_len);
		return -EBADMSG;
	}
	return 0;
}

static int decode_stats(const uint8_t *buf, size_t n, int n_fds,
			struct dp_ctlmsg *out, char *msg, size_t msglen)
{
	struct mxg_ctl_stats *req = &out->u.stats;

	if (n != sizeof(*req)) {
		snprintf(msg, msglen, "STATS: %zu bytes, expected %zu", n,
			 sizeof(*req));
		return -EBADMSG;
	}
	if (n_fds) {
		snprintf(msg, msglen, "STATS: unexpected file descriptor");
		return -EBADMSG;
	}
	memcpy(req, buf, sizeof(*req));
	if (req->flags) {
		snprintf(msg, msglen, "STATS: flags must be 0");
		return -EINVAL;
	}
	if (req->top_n > MXG_CTL_TOP_MAX) {
		snprintf(msg, msglen, "STATS: top_n %u exceeds %u", req->top_n,
			 MXG_CTL_TOP_MAX);
		return -EINVAL;
	}
	return 0;
}

int dp_ctlmsg_decode(const uint8_t *buf, size_t n, int truncated, int n_fds,
		     struct dp_ctlmsg *out, char *msg, size_t msglen)
{
	struct mxg_ctl_hdr h;

	memset(out, 0, sizeof(*out));
	if (truncated || n > MXG_CTL_REQ_MAX) {
		snprintf(msg, msglen,
			 "oversize request: more than %d bytes, or too many "
			 "file descriptors",
			 MXG_CTL_REQ_MAX);
		return -EMSGSIZE;
	}
	if (n < sizeof(h)) {
		snprintf(msg, msglen,
			 "truncated request: %zu bytes, a header is %zu", n,
			 sizeof(h));
		return -EBADMSG;
	}
	memcpy(&h, buf, sizeof(h));
	out->seq = h.seq;
	if (h.magic != MXG_CTL_MAGIC) {
		snprintf(msg, msglen, "bad magic 0x%08x", h.magic);
		return -EBADMSG;
	}
	if (h.version != MXG_CTL_VERSION) {
		snprintf(msg, msglen,
			 "protocol version %u; this data plane speaks %u",
			 h.version, MXG_CTL_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (h.length != n) {
		snprintf(msg, msglen,
			 "length field says %u bytes, the message has %zu",
			 h.length, n);
		return -EBADMSG;
	}
	out->type = h.type;
	switch (h.type) {
	case MXG_CTL_LOAD_IMAGE:
		return decode_load(buf, n, n_fds, out, msg, msglen);
	case MXG_CTL_STATS:
	case MXG_CTL_DP_STATS:
		return decode_stats(buf, n, n_fds, out, msg, msglen);
	default:
		snprintf(msg, msglen, "unknown message type %u", h.type);
		return -EOPNOTSUPP;
	}
}
