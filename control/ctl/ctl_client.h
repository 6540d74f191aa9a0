/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client side of the data plane's control socket (include/mxgate/ctl.h),
 * for mxgatectl, mxgated and the tests. Pure C, no DPDK.
 *
 * Every function returns 0 or a negative errno. A request the server
 * refused is not a transport error: the call returns 0 and the server's
 * status (a negative errno) and one-line reason are in the result.
 */
#ifndef MXGATE_CTL_CLIENT_H
#define MXGATE_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "mxgate/ctl.h"

#define MXG_CTL_TIMEOUT_MS 30000 /* default wait for a reply */

struct mxg_ctl_result {
	int32_t status;	     /* the server's: 0 or a negative errno */
	uint64_t generation; /* policy generation in force after the request */
	char *text;	     /* malloc'd, NUL-terminated; JSON or the error */
	size_t text_len;
};

void mxg_ctl_result_free(struct mxg_ctl_result *r);

/* Connect to the server's socket. *fd is a SOCK_SEQPACKET socket. */
int mxg_ctl_connect(const char *path, int *fd);

/*
 * Push a compiled policy image (len bytes, its generation field set by
 * the caller before checksumming) through a sealed memfd. If
 * expect_generation is not 0, the server loads it only while that
 * generation is in force (a compare-and-swap against lost updates).
 */
int mxg_ctl_load_image(int fd, const void *image, size_t len,
		       uint64_t expect_generation, struct mxg_ctl_result *res);

/* The summary JSON (MXG_CTL_STATS) or the data plane's counters
 * (MXG_CTL_DP_STATS), with up to top_n top sources. */
int mxg_ctl_stats(int fd, uint16_t type, uint32_t top_n,
		  struct mxg_ctl_result *res);

/*
 * Low level, for tools and tests: a sealed memfd holding buf[0..len);
 * send one message with an optional file descriptor (pass_fd < 0: none);
 * wait up to timeout_ms for the reply to 'seq'.
 */
int mxg_ctl_memfd(const void *buf, size_t len, int *memfd);

/* Write all of buf[0..len) to fd, again after EINTR. 0 or a negative
 * errno (-EIO: the file took no more). */
int mxg_ctl_write_all(int fd, const void *buf, size_t len);
int mxg_ctl_send(int fd, const void *msg, size_t len, int pass_fd);
/* The same with n_fds (at most MXG_CTL_SEND_FDS_MAX) descriptors in one
 * SCM_RIGHTS message: dpctl's malformed request with two. */
#define MXG_CTL_SEND_FDS_MAX 2
int mxg_ctl_send_fds(int fd, const void *msg, size_t len, const int *fds,
		     unsigned int n_fds);
int mxg_ctl_recv(int fd, uint32_t seq, int timeout_ms,
		 struct mxg_ctl_result *res);

/* Fill a request header. */
void mxg_ctl_hdr_init(struct mxg_ctl_hdr *h, uint16_t type, uint32_t length,
		      uint32_t seq);

#endif /* MXGATE_CTL_CLIENT_H */
