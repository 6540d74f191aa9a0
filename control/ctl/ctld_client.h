/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client side of mxgated's operator socket (include/mxgate/ctld.h).
 * Returns 0 or a negative errno; the daemon's own status is inside the
 * reply JSON.
 */
#ifndef MXGATE_CTLD_CLIENT_H
#define MXGATE_CTLD_CLIENT_H

#include <stddef.h>

#include "mxgate/ctld.h"

/*
 * Send one request body (JSON text) to the daemon at 'path' and wait up
 * to timeout_ms for the reply. *reply is malloc'd and NUL-terminated.
 * -ECONNREFUSED/-ENOENT: no daemon; -EACCES: not permitted; -EPROTO: a
 * reply that is not a valid message; -ETIMEDOUT.
 */
int mxg_ctld_call(const char *path, const char *req, size_t req_len,
		  int timeout_ms, char **reply, size_t *reply_len);

#endif /* MXGATE_CTLD_CLIENT_H */
