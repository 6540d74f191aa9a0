/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator protocol between mxgatectl (or any client) and mxgated.
 * Userspace only.
 *
 * Transport: a Unix SOCK_STREAM socket, mode 0660, owned by root and a
 * configurable group; the daemon checks the peer's credentials
 * (SO_PEERCRED, SO_PEERGROUPS: root, the daemon's uid, or a member of the
 * socket's group). One request per connection: the client writes one
 * message, the daemon writes one reply and closes.
 *
 * A message is struct mxg_ctld_hdr followed by 'length' bytes of UTF-8
 * JSON (one object, not NUL-terminated). A request body is at most
 * MXG_CTLD_REQ_MAX bytes; a reply body at most MXG_CTLD_REPLY_MAX. The
 * daemon refuses, with an error reply when it still can, a bad magic, an
 * unknown version or type, an oversized length, a body that is not one
 * JSON object, and a client that takes longer than MXG_CTLD_IO_MS to send
 * its request or to read its reply (then it is simply dropped).
 *
 * Request body: {"cmd": "<verb>", ...arguments}. Reply body:
 * {"status": 0 or a negative errno, "error": "one line" (on failure),
 *  "errors": ["FILE:LINE:COL: ...", ...] (a rejected policy), ...}
 * The verbs and their fields are listed in control/daemon/README.md.
 */
#ifndef MXGATE_CTLD_H
#define MXGATE_CTLD_H

#include <stdint.h>

#define MXG_CTLD_MAGIC	   0x444c544dU /* "MTLD" little-endian */
#define MXG_CTLD_VERSION   1
#define MXG_CTLD_REQ_MAX   65536	       /* request body bytes */
#define MXG_CTLD_REPLY_MAX (64u * 1024 * 1024) /* reply body bytes */
#define MXG_CTLD_IO_MS	   5000 /* a client's time to send, or to read */
#define MXG_CTLD_SOCKET	   "/run/mxgate/mxgated.sock"

/* struct mxg_ctld_hdr.type */
enum mxg_ctld_type {
	MXG_CTLD_REQUEST = 1,
	MXG_CTLD_REPLY = 2,
};

struct mxg_ctld_hdr {
	uint32_t magic;	  /* MXG_CTLD_MAGIC */
	uint16_t version; /* MXG_CTLD_VERSION */
	uint16_t type;	  /* enum mxg_ctld_type */
	uint32_t length;  /* body bytes after this header */
	uint32_t seq;	  /* chosen by the client, echoed in the reply */
};
_Static_assert(sizeof(struct mxg_ctld_hdr) == 16, "mxg_ctld_hdr layout");

#endif /* MXGATE_CTLD_H */
