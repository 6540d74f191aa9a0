// SPDX-License-Identifier: BSD-3-Clause
#include "ctl_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mxgate/policy.h"

static uint32_t next_seq = 1;

void mxg_ctl_result_free(struct mxg_ctl_result *r)
{
	if (!r)
		return;
	free(r->text);
	memset(r, 0, sizeof(*r));
}

void mxg_ctl_hdr_init(struct mxg_ctl_hdr *h, uint16_t type, uint32_t length,
		      uint32_t seq)
{
	memset(h, 0, sizeof(*h));
	h->magic = MXG_CTL_MAGIC;
	h->version = MXG_CTL_VERSION;
	h->type = type;
	h->length = length;
	h->seq = seq;
}

int mxg_ctl_connect(const char *path, int *fd)
{
	struct sockaddr_un sa;
	int s, err;

	*fd = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto close_socket;
	}
	*fd = s;
	return 0;

close_socket:
	close(s);
	return err;
}

int mxg_ctl_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

int mxg_ctl_memfd(const void *buf, size_t len, int *memfd)
{
	int fd, err;

	*memfd = -1;
	fd = memfd_create("mxgate-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	err = mxg_ctl_write_all(fd, buf, len);
	if (err)
		goto close_memfd;
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) <
	    0) {
		err = -errno;
		goto close_memfd;
	}
	*memfd = fd;
	return 0;

close_memfd:
	close(fd);
	return err;
}

int mxg_ctl_send_fds(int fd, const void *msg, size_t len, const int *fds,
		     unsigned int n_fds)
{
	union {
		char buf[CMSG_SPACE(MXG_CTL_SEND_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctrl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (n_fds > MXG_CTL_SEND_FDS_MAX)
		return -EINVAL;
	if (n_fds) {
		struct cmsghdr *c;

		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int mxg_ctl_send(int fd, const void *msg, size_t len, int pass_fd)
{
	return mxg_ctl_send_fds(fd, msg, len, &pass_fd, pass_fd >= 0 ? 1 : 0);
}

int mxg_ctl_recv(int fd, uint32_t seq, int timeout_ms,
		 struct mxg_ctl_result *res)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct mxg_ctl_reply rep;
	uint8_t *buf;
	ssize_t n;
	int err;

	memset(res, 0, sizeof(*res));
	buf = malloc(MXG_CTL_REPLY_MAX);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		int rc = poll(&pfd, 1, timeout_ms);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			err = -errno;
			goto free_buf;
		}
		if (rc == 0) {
			err = -ETIMEDOUT;
			goto free_buf;
		}
		n = recv(fd, buf, MXG_CTL_REPLY_MAX, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < 0) {
		err = -errno;
		goto free_buf;
	}
	if (n == 0) {
		err = -ECONNRESET;
		goto free_buf;
	}
	if ((size_t)n < sizeof(rep) || n > MXG_CTL_REPLY_MAX) {
		err = -EPROTO;
		goto free_buf;
	}
	memcpy(&rep, buf, sizeof(rep));
	if (rep.hdr.magic != MXG_CTL_MAGIC ||
	    rep.hdr.version != MXG_CTL_VERSION ||
	    rep.hdr.type != MXG_CTL_REPLY || rep.hdr.length != (uint32_t)n ||
	    rep.text_len != (uint32_t)n - sizeof(rep) || rep.hdr.seq != seq) {
		err = -EPROTO;
		goto free_buf;
	}
	res->text = malloc(rep.text_len + 1);
	if (!res->text) {
		err = -ENOMEM;
		goto free_buf;
	}
	memcpy(res->text, buf + sizeof(rep), rep.text_len);
	res->text[rep.text_len] = '\0';
	res->text_len = rep.text_len;
	res->status = rep.status;
	res->generation = rep.generation;
	err = 0;

free_buf:
	free(buf);
	return err;
}

int mxg_ctl_load_image(int fd, const void *image, size_t len,
		       uint64_t expect_generation, struct mxg_ctl_result *res)
{
	const struct mxg_policy_header *h = image;
	struct mxg_ctl_load req;
	uint32_t seq = __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
	int memfd, err;

	memset(res, 0, sizeof(*res));
	if (len < sizeof(*h))
		return -EINVAL;
	err = mxg_ctl_memfd(image, len, &memfd);
	if (err)
		return err;
	memset(&req, 0, sizeof(req));
	mxg_ctl_hdr_init(&req.hdr, MXG_CTL_LOAD_IMAGE, sizeof(req), seq);
	req.image_len = len;
	req.checksum = h->checksum;
	req.expect_generation = expect_generation;
	err = mxg_ctl_send(fd, &req, sizeof(req), memfd);
	close(memfd);
	if (err)
		return err;
	return mxg_ctl_recv(fd, seq, MXG_CTL_TIMEOUT_MS, res);
}

int mxg_ctl_stats(int fd, uint16_t type, uint32_t top_n,
		  struct mxg_ctl_result *res)
{
	struct mxg_ctl_stats req;
	uint32_t seq = __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
	int err;

	memset(res, 0, sizeof(*res));
	if (type != MXG_CTL_STATS && type != MXG_CTL_DP_STATS)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	mxg_ctl_hdr_init(&req.hdr, type, sizeof(req), seq);
	req.top_n = top_n;
	err = mxg_ctl_send(fd, &req, sizeof(req), -1);
	if (err)
		return err;
	return mxg_ctl_recv(fd, seq, MXG_CTL_TIMEOUT_MS, res);
}
