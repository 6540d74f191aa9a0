// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target for mxgate-dp's control-socket request decoder
 * (dataplane/dpdk/dp_ctlmsg.c). The first input byte gives the file
 * descriptor count (0 to 3) and the kernel's truncation flag; the rest is
 * the datagram, in a heap buffer of exactly its size. Checked: no fault;
 * a refusal is a negative errno with a one-line, NUL-terminated reason;
 * an accepted request has a known type, the exact size of its type, the
 * file descriptor count its type takes and fields in range.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_ctlmsg.h"
#include "mxgate/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_ctlmsg: %s:%d: %s\n", __FILE__,  \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_ctlmsg m;
	char msg[512];
	uint8_t *buf;
	size_t n;
	int n_fds, truncated, rc;

	if (!size)
		return 0;
	n_fds = data[0] & 3;
	truncated = (data[0] & 4) != 0;
	n = size - 1;
	buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);
	memset(msg, 'x', sizeof(msg));
	msg[sizeof(msg) - 1] = 0;
	rc = dp_ctlmsg_decode(buf, n, truncated, n_fds, &m, msg, sizeof(msg));
	(void)dp_ctlmsg_seq(buf, n);
	if (rc) {
		CHECK(rc < 0 && rc > -4096);
		CHECK(memchr(msg, 0, sizeof(msg)) && !strchr(msg, '\n'));
		CHECK(strlen(msg) > 0 && strlen(msg) < 200);
	} else {
		CHECK(!truncated && n <= MXG_CTL_REQ_MAX);
		CHECK(m.seq == dp_ctlmsg_seq(buf, n));
		if (m.type == MXG_CTL_LOAD_IMAGE) {
			CHECK(n == sizeof(struct mxg_ctl_load) && n_fds == 1);
			CHECK(!m.u.load.flags && !m.u.load.pad);
			CHECK(m.u.load.image_len <= MXG_POLICY_IMAGE_MAX);
			CHECK(m.u.load.image_len >=
			      sizeof(struct mxg_policy_header));
		} else {
			CHECK(m.type == MXG_CTL_STATS ||
			      m.type == MXG_CTL_DP_STATS);
			CHECK(n == sizeof(struct mxg_ctl_stats) && n_fds == 0);
			CHECK(!m.u.stats.flags &&
			      m.u.stats.top_n <= MXG_CTL_TOP_MAX);
		}
	}
	free(buf);
	return 0;
}
