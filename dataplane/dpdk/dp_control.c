// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp control thread (the main lcore): the control socket of
 * include/mxgate/ctl.h and idle-exit. A LOAD_IMAGE request is carried
 * out by dp_reload.c, STATS and DP_STATS by dp_stats.c.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dp.h"
#include "dp_log.h"
#include "mxgate/ctl.h"

#define DP_CTL_CLIENTS 16
#define DP_CTL_POLL_MS 50
#define DP_CTL_FDS_MAX 4 /* fds accepted in one message (then closed) */

static int listen_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static gid_t ctl_gid = (gid_t)-1;
static int clients[DP_CTL_CLIENTS];
static int n_clients;

int dp_control_open(const char *path, const char *group)
{
	struct sockaddr_un sa;
	struct stat sb;
	mode_t old_mask;
	int s, rc, i;

	for (i = 0; i < DP_CTL_CLIENTS; i++)
		clients[i] = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		DP_LOG(ERR, "control", "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (group) {
		struct group *g = getgrnam(group);

		if (!g) {
			DP_LOG(ERR, "control", "--control-group: no group %s",
			       group);
			return -EINVAL;
		}
		ctl_gid = g->gr_gid;
	}
	if (lstat(path, &sb) == 0) {
		int probe;

		if (!S_ISSOCK(sb.st_mode)) {
			DP_LOG(ERR, "control",
			       "%s exists and is not a socket; not replacing it",
			       path);
			return -EEXIST;
		}
		probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe >= 0 &&
		    connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			DP_LOG(ERR, "control",
			       "%s: another data plane is listening", path);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		unlink(path); /* stale socket of a previous run */
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	old_mask = umask(0117);
	rc = bind(s, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0) {
		rc = -errno;
		DP_LOG(ERR, "control", "bind %s: %s", path, strerror(-rc));
		goto close_socket;
	}
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	if (chmod(path, 0660) < 0 ||
	    (group && chown(path, (uid_t)-1, ctl_gid) < 0)) {
		rc = -errno;
		DP_LOG(ERR, "control", "%s: permissions: %s", path,
		       strerror(-rc));
		goto unlink_path;
	}
	if (listen(s, 8) < 0) {
		rc = -errno;
		goto unlink_path;
	}
	listen_fd = s;
	DP_LOG(INFO, "control", "listening on %s (mode 0660)", path);
	return 0;

unlink_path:
	unlink(path);
	sock_path[0] = '\0';
close_socket:
	close(s);
	return rc;
}

void dp_control_close(void)
{
	int i;

	for (i = 0; i < DP_CTL_CLIENTS; i++) {
		if (clients[i] >= 0)
			close(clients[i]);
		clients[i] = -1;
	}
	n_clients = 0;
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
	if (sock_path[0])
		unlink(sock_path);
	sock_path[0] = '\0';
}

/* A group that may use the socket: the data plane's own or --control-group. */
static int group_allowed(gid_t g)
{
	return g == getegid() || (ctl_gid != (gid_t)-1 && g == ctl_gid);
}

/*
 * The peer's supplementary groups as of its connect() (SO_PEERGROUPS,
 * Linux 4.13): one of them may be the group the socket's mode lets in.
 * 1 if one is allowed, 0 if none is, -errno if they cannot be read.
 */
static int peer_groups_allowed(int fd)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	size_t i, n;
	int rc = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE)
			return -errno;
		groups = malloc(len); /* len: the size needed */
		if (!groups)
			return -ENOMEM;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) <
		    0) {
			rc = -errno;
			goto free_groups;
		}
	}
	n = len / sizeof(gid_t);
	for (i = 0; i < n && !rc; i++)
		rc = group_allowed(groups[i]);
free_groups:
	if (groups != small)
		free(groups);
	return rc;
}

/*
 * Root, the data plane's own uid, or a member of its group or of
 * --control-group, whether as the primary group or a supplementary one:
 * whoever the socket's 0660 mode lets in.
 */
static int peer_allowed(int fd, struct ucred *cr)
{
	socklen_t len = sizeof(*cr);
	int rc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &len) < 0)
		return 0;
	if (cr->uid == 0 || cr->uid == geteuid() || group_allowed(cr->gid))
		return 1;
	rc = peer_groups_allowed(fd);
	if (rc < 0)
		DP_LOG_RL(WARNING, "control",
			  "pid %d: cannot read its supplementary groups: %s",
			  (int)cr->pid, strerror(-rc));
	return rc > 0;
}

static void accept_client(void)
{
	struct timeval tv = { .tv_sec = 1 };
	int sndbuf = 2 * MXG_CTL_REPLY_MAX;
	struct ucred cr;
	int fd, i;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!peer_allowed(fd, &cr)) {
		DP_LOG_RL(WARNING, "control",
			  "refused a client: pid %d uid %u gid %u", (int)cr.pid,
			  (unsigned int)cr.uid, (unsigned int)cr.gid);
		close(fd);
		return;
	}
	for (i = 0; i < DP_CTL_CLIENTS; i++)
		if (clients[i] < 0)
			break;
	if (i == DP_CTL_CLIENTS) {
		DP_LOG_RL(WARNING, "control",
			  "%d clients connected already; refused pid %d",
			  DP_CTL_CLIENTS, (int)cr.pid);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	clients[i] = fd;
	n_clients++;
	DP_LOG(DEBUG, "control", "client pid %d uid %u connected", (int)cr.pid,
	       (unsigned int)cr.uid);
}

static void drop_client(int i)
{
	close(clients[i]);
	clients[i] = -1;
	n_clients--;
}

static int send_reply(int fd, uint32_t seq, int32_t status, const char *text,
		      size_t text_len)
{
	struct mxg_ctl_reply rep;
	struct iovec iov[2];
	struct msghdr mh;

	if (text_len > MXG_CTL_TEXT_MAX)
		text_len = MXG_CTL_TEXT_MAX;
	memset(&rep, 0, sizeof(rep));
	rep.hdr.magic = MXG_CTL_MAGIC;
	rep.hdr.version = MXG_CTL_VERSION;
	rep.hdr.type = MXG_CTL_REPLY;
	rep.hdr.length = (uint32_t)(sizeof(rep) + text_len);
	rep.hdr.seq = seq;
	rep.status = status;
	rep.text_len = (uint32_t)text_len;
	rep.generation = dp.active->generation;
	iov[0].iov_base = &rep;
	iov[0].iov_len = sizeof(rep);
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = text_len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

static int handle_stats(const struct mxg_ctl_stats *req, char **text,
			size_t *len, char *msg, size_t msglen)
{
	int rc;

	if (req->flags) {
		snprintf(msg, msglen, "STATS: flags must be 0");
		return -EINVAL;
	}
	if (req->top_n > MXG_CTL_TOP_MAX) {
		snprintf(msg, msglen, "STATS: top_n %u exceeds %u", req->top_n,
			 MXG_CTL_TOP_MAX);
		return -EINVAL;
	}
	if (req->hdr.type == MXG_CTL_STATS)
		rc = dp_summary_text(text, len, req->top_n, 1);
	else
		rc = dp_stats_text(text, len, 1);
	if (rc)
		snprintf(msg, msglen, "STATS: %s", strerror(-rc));
	else if (*len > MXG_CTL_TEXT_MAX) {
		snprintf(msg, msglen,
			 "STATS: %zu bytes exceed a reply; ask fewer top "
			 "sources",
			 *len);
		rc = -EMSGSIZE;
	}
	return rc;
}

/*
 * Check one request and carry it out. Returns the status for the reply;
 * msg gets a one-line reason (or the success line), *text any JSON.
 */
static int handle_request(const uint8_t *buf, ssize_t n, int truncated,
			  const int *fds, int n_fds, char **text, size_t *len,
			  char *msg, size_t msglen)
{
	struct mxg_ctl_hdr h;

	if (truncated || n > MXG_CTL_REQ_MAX) {
		snprintf(msg, msglen,
			 "oversize request: more than %d bytes, or too many "
			 "file descriptors",
			 MXG_CTL_REQ_MAX);
		return -EMSGSIZE;
	}
	if ((size_t)n < sizeof(h)) {
		snprintf(msg, msglen,
			 "truncated request: %zd bytes, a header is %zu", n,
			 sizeof(h));
		return -EBADMSG;
	}
	memcpy(&h, buf, sizeof(h));
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
	if (h.length != (uint32_t)n) {
		snprintf(msg, msglen,
			 "length field says %u bytes, the message has %zd",
			 h.length, n);
		return -EBADMSG;
	}
	switch (h.type) {
	case MXG_CTL_LOAD_IMAGE: {
		struct mxg_ctl_load req;

		if ((size_t)n != sizeof(req)) {
			snprintf(msg, msglen,
				 "LOAD_IMAGE: %zd bytes, expected %zu", n,
				 sizeof(req));
			return -EBADMSG;
		}
		if (n_fds != 1) {
			snprintf(msg, msglen,
				 "LOAD_IMAGE: %d file descriptors, expected "
				 "one memfd",
				 n_fds);
			return -EBADF;
		}
		memcpy(&req, buf, sizeof(req));
		return dp_reload_image(&req, fds[0], msg, msglen);
	}
	case MXG_CTL_STATS:
	case MXG_CTL_DP_STATS: {
		struct mxg_ctl_stats req;

		if ((size_t)n != sizeof(req)) {
			snprintf(msg, msglen, "STATS: %zd bytes, expected %zu",
				 n, sizeof(req));
			return -EBADMSG;
		}
		if (n_fds) {
			snprintf(msg, msglen,
				 "STATS: unexpected file descriptor");
			return -EBADMSG;
		}
		memcpy(&req, buf, sizeof(req));
		return handle_stats(&req, text, len, msg, msglen);
	}
	default:
		snprintf(msg, msglen, "unknown message type %u", h.type);
		return -EOPNOTSUPP;
	}
}

static void serve_client(int i)
{
	static uint8_t buf[MXG_CTL_REQ_MAX + 1];
	union {
		char buf[CMSG_SPACE(DP_CTL_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctrl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *c;
	int fds[DP_CTL_FDS_MAX * 2], n_fds = 0, k, status, fd = clients[i];
	char msg[512] = "ok", *text = NULL;
	size_t len = 0;
	uint32_t seq = 0;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctrl.buf;
	mh.msg_controllen = sizeof(ctrl.buf);
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop_client(i);
		return;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t nb;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nb = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0;
		     k < (int)nb && n_fds < (int)(sizeof(fds) / sizeof(fds[0]));
		     k++)
			memcpy(&fds[n_fds++], CMSG_DATA(c) + k * sizeof(int),
			       sizeof(int));
	}
	if ((size_t)n >= sizeof(struct mxg_ctl_hdr))
		memcpy(&seq, buf + offsetof(struct mxg_ctl_hdr, seq),
		       sizeof(seq));
	status = handle_request(buf, n,
				(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0,
				fds, n_fds, &text, &len, msg, sizeof(msg));
	for (k = 0; k < n_fds; k++)
		close(fds[k]);
	if (status) {
		dp.requests_refused++;
		DP_LOG_RL(WARNING, "control", "request refused: %s", msg);
		send_reply(fd, seq, status, msg, strlen(msg));
	} else if (text) {
		send_reply(fd, seq, 0, text, len);
	} else {
		send_reply(fd, seq, 0, msg, strlen(msg));
	}
	free(text);
}

static uint64_t total_rx(void)
{
	uint64_t rx = 0;
	uint16_t w;

	for (w = 0; w < dp.n_workers; w++)
		rx += __atomic_load_n(&dp.workers[w]->st.rx, __ATOMIC_RELAXED);
	return rx;
}

void dp_control_run(void)
{
	struct pollfd pfd[DP_CTL_CLIENTS + 1];
	int slot[DP_CTL_CLIENTS + 1];
	uint64_t last_rx = 0, last_change = dp_now_ms();

	while (!__atomic_load_n(&dp.stop, __ATOMIC_RELAXED)) {
		int n = 0, i, rc;

		if (listen_fd >= 0) {
			pfd[n].fd = listen_fd;
			pfd[n].events = POLLIN;
			slot[n++] = -1;
		}
		for (i = 0; i < DP_CTL_CLIENTS; i++) {
			if (clients[i] < 0)
				continue;
			pfd[n].fd = clients[i];
			pfd[n].events = POLLIN;
			slot[n++] = i;
		}
		rc = poll(pfd, (nfds_t)n, DP_CTL_POLL_MS);
		for (i = 0; rc > 0 && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (slot[i] < 0)
				accept_client();
			else if (pfd[i].revents & POLLIN)
				serve_client(slot[i]);
			else
				drop_client(slot[i]);
		}
		dp_policy_reap(0);
		dp_notify_watchdog(&dp.notify, dp_now_ms());
		if (dp.cfg.idle_exit_ms) {
			uint64_t rx = total_rx(), t = dp_now_ms();

			if (rx != last_rx) {
				last_rx = rx;
				last_change = t;
			} else if (t - last_change >= dp.cfg.idle_exit_ms) {
				DP_LOG(INFO, "control",
				       "no frame for %" PRIu64 " ms: exiting",
				       dp.cfg.idle_exit_ms);
				__atomic_store_n(&dp.stop, 1, __ATOMIC_RELAXED);
			}
		}
	}
}
