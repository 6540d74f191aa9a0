// SPDX-License-Identifier: BSD-3-Clause
/* Client side of mxgated's operator socket (see ctld_client.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctld_client.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Move len bytes (dir 0: write, 1: read) before 'deadline'. */
static int io_all(int fd, void *buf, size_t len, int dir, int64_t deadline)
{
	uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		struct pollfd pfd = { .fd = fd,
				      .events = dir ? POLLIN : POLLOUT };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = dir ? recv(fd, p + done, len - done, 0) :
			  send(fd, p + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

int mxg_ctld_call(const char *path, const char *req, size_t req_len,
		  int timeout_ms, char **reply, size_t *reply_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + timeout_ms;
	struct mxg_ctld_hdr h;
	char *body = NULL;
	int fd, rc;

	*reply = NULL;
	*reply_len = 0;
	if (req_len > MXG_CTLD_REQ_MAX)
		return -EMSGSIZE;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    errno != EINPROGRESS) {
		rc = -errno;
		goto close_fd;
	}
	memset(&h, 0, sizeof(h));
	h.magic = MXG_CTLD_MAGIC;
	h.version = MXG_CTLD_VERSION;
	h.type = MXG_CTLD_REQUEST;
	h.length = (uint32_t)req_len;
	h.seq = (uint32_t)getpid();
	rc = io_all(fd, &h, sizeof(h), 0, deadline);
	if (!rc)
		rc = io_all(fd, (void *)req, req_len, 0, deadline);
	if (!rc)
		rc = io_all(fd, &h, sizeof(h), 1, deadline);
	if (rc)
		goto close_fd;
	if (h.magic != MXG_CTLD_MAGIC || h.version != MXG_CTLD_VERSION ||
	    h.type != MXG_CTLD_REPLY || h.length > MXG_CTLD_REPLY_MAX ||
	    (h.seq != (uint32_t)getpid() && h.seq != 0)) {
		rc = -EPROTO;
		goto close_fd;
	}
	body = malloc((size_t)h.length + 1);
	if (!body) {
		rc = -ENOMEM;
		goto close_fd;
	}
	rc = io_all(fd, body, h.length, 1, deadline);
	if (rc) {
		free(body);
		goto close_fd;
	}
	body[h.length] = '\0';
	*reply = body;
	*reply_len = h.length;
close_fd:
	close(fd);
	return rc;
}
