// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgated's operator socket (include/mxgate/ctld.h): non-blocking, one
 * request per connection, every client bounded in time (MXG_CTLD_IO_MS
 * to send its request, the same to read its reply) and in size, so no
 * client can stall the event loop or grow the daemon's memory beyond
 * SERVER_CLIENTS_MAX requests.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mxgate/ctld.h"
#include "mxgated.h"

enum { PH_HDR, PH_BODY, PH_WRITE, PH_DRAIN };

struct client {
	int fd;
	int phase;
	int64_t deadline;
	struct mxg_ctld_hdr hdr;
	size_t got;
	char *body;
	char *out;
	size_t out_len, out_done;
};

struct server {
	int lfd;
	gid_t gid;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	server_handler fn;
	void *ctx;
	struct client c[SERVER_CLIENTS_MAX];
};

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->body);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Queue the reply (body: JSON text, taken) and switch to writing. */
static void client_reply_text(struct client *c, char *text)
{
	size_t len = text ? strlen(text) : 0;
	struct mxg_ctld_hdr h;

	if (len > MXG_CTLD_REPLY_MAX) {
		free(text);
		text = strdup(
			"{\"status\": -90, \"error\": \"reply too large\"}");
		len = text ? strlen(text) : 0;
	}
	memset(&h, 0, sizeof(h));
	h.magic = MXG_CTLD_MAGIC;
	h.version = MXG_CTLD_VERSION;
	h.type = MXG_CTLD_REPLY;
	h.length = (uint32_t)len;
	h.seq = c->hdr.seq;
	free(c->out);
	c->out = malloc(sizeof(h) + len);
	if (!c->out) {
		free(text);
		client_close(c);
		return;
	}
	memcpy(c->out, &h, sizeof(h));
	if (len)
		memcpy(c->out + sizeof(h), text, len);
	free(text);
	c->out_len = sizeof(h) + len;
	c->out_done = 0;
	c->phase = PH_WRITE;
	c->deadline = mono_ms() + MXG_CTLD_IO_MS;
}

static void client_error(struct client *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void client_error(struct client *c, int status, const char *fmt, ...)
{
	cJSON *r = cJSON_CreateObject();
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddNumberToObject(r, "status", status);
	cJSON_AddStringToObject(r, "error", msg);
	client_reply_text(c, cJSON_PrintUnformatted(r));
	cJSON_Delete(r);
	LOG(WARN, "socket", "refused a request: %s", msg);
}

static int peer_allowed(struct server *s, int fd, char *who, size_t who_len)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[256];
	int i, n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return 0;
	snprintf(who, who_len, "pid %d uid %u gid %u", (int)cr.pid,
		 (unsigned int)cr.uid, (unsigned int)cr.gid);
	if (cr.uid == 0 || cr.uid == geteuid())
		return 1;
	if (s->gid == (gid_t)-1)
		return 0;
	if (cr.gid == s->gid)
		return 1;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return 0;
	n = (int)(len / sizeof(gid_t));
	for (i = 0; i < n; i++)
		if (groups[i] == s->gid)
			return 1;
	return 0;
}

int server_open(struct server **out, const char *path, const char *group,
		server_handler fn, void *ctx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct server *s;
	struct stat st;
	char dir[sizeof(sa.sun_path)];
	int i, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->ctx = ctx;
	s->gid = (gid_t)-1;
	for (i = 0; i < SERVER_CLIENTS_MAX; i++)
		s->c[i].fd = -1;
	if (group) {
		struct group *g = getgrnam(group);

		if (!g) {
			LOG(ERR, "socket", "--socket-group: no group \"%s\"",
			    group);
			free(s);
			return -ENOENT;
		}
		s->gid = g->gr_gid;
	}
	strcpy(s->path, path);
	strcpy(sa.sun_path, path);
	snprintf(dir, sizeof(dir), "%s", path);
	mkdir(dirname(dir), 0755);
	if (!lstat(path, &st)) {
		int probe;

		if (!S_ISSOCK(st.st_mode)) {
			LOG(ERR, "socket", "%s exists and is not a socket",
			    path);
			free(s);
			return -EEXIST;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 &&
		    !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
			close(probe);
			LOG(ERR, "socket", "%s: another mxgated is listening",
			    path);
			free(s);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lfd < 0) {
		free(s);
		return -errno;
	}
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0660) ||
	    (s->gid != (gid_t)-1 && chown(path, geteuid(), s->gid)) ||
	    listen(s->lfd, 64)) {
		rc = -errno;
		LOG(ERR, "socket", "%s: %s", path, strerror(-rc));
		close(s->lfd);
		unlink(path);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

unsigned int server_pollfds(struct server *s, struct pollfd *pfd,
			    unsigned int max)
{
	unsigned int n = 0, i;

	if (max < 1 + SERVER_CLIENTS_MAX)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	for (i = 0; i < SERVER_CLIENTS_MAX; i++) {
		struct client *c = &s->c[i];

		pfd[n++] = (struct pollfd){ .fd = c->fd,
					    .events = c->phase == PH_WRITE ?
							      POLLOUT :
							      POLLIN };
	}
	return n;
}

int64_t server_next_deadline(struct server *s)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < SERVER_CLIENTS_MAX; i++)
		if (s->c[i].fd >= 0 && (!t || s->c[i].deadline < t))
			t = s->c[i].deadline;
	return t;
}

static void handle_request(struct server *s, struct client *c)
{
	cJSON *req =
		cJSON_ParseWithLength(c->body ? c->body : "", c->hdr.length);
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	cJSON *reply;

	if (!cJSON_IsObject(req) || !cJSON_IsString(cmd)) {
		client_error(c, -EINVAL,
			     "the request body must be one JSON object with a "
			     "\"cmd\" string");
		cJSON_Delete(req);
		return;
	}
	reply = s->fn(s->ctx, req);
	cJSON_Delete(req);
	client_reply_text(c, reply ? cJSON_PrintUnformatted(reply) : NULL);
	cJSON_Delete(reply);
}

static void client_read(struct server *s, struct client *c)
{
	for (;;) {
		void *dst;
		size_t want;
		ssize_t n;

		if (c->phase == PH_DRAIN) {
			char junk[4096];

			n = recv(c->fd, junk, sizeof(junk), 0);
			if (n == 0 ||
			    (n < 0 && errno != EAGAIN && errno != EINTR))
				client_close(c);
			return;
		}
		if (c->phase == PH_HDR) {
			dst = (uint8_t *)&c->hdr + c->got;
			want = sizeof(c->hdr) - c->got;
		} else {
			dst = c->body + (c->got - sizeof(c->hdr));
			want = sizeof(c->hdr) + c->hdr.length - c->got;
		}
		n = want ? recv(c->fd, dst, want, 0) : 0;
		if (want && n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (want && n <= 0) {
			if (c->got)
				LOG(WARN, "socket",
				    "a client hung up after %zu bytes of its "
				    "request (truncated)",
				    c->got);
			client_close(c);
			return;
		}
		c->got += (size_t)n;
		if (c->phase == PH_HDR && c->got == sizeof(c->hdr)) {
			struct mxg_ctld_hdr *h = &c->hdr;

			if (h->magic != MXG_CTLD_MAGIC) {
				client_error(c, -EPROTO, "bad magic 0x%08x",
					     h->magic);
				return;
			}
			if (h->version != MXG_CTLD_VERSION) {
				client_error(c, -EPROTONOSUPPORT,
					     "protocol version %u, this daemon "
					     "speaks %u",
					     h->version, MXG_CTLD_VERSION);
				return;
			}
			if (h->type != MXG_CTLD_REQUEST) {
				client_error(c, -EPROTO,
					     "message type %u is not a request",
					     h->type);
				return;
			}
			if (h->length > MXG_CTLD_REQ_MAX) {
				client_error(c, -EMSGSIZE,
					     "request of %u bytes exceeds the "
					     "%u-byte limit",
					     h->length, MXG_CTLD_REQ_MAX);
				return;
			}
			c->body = malloc(h->length + 1u);
			if (!c->body) {
				client_close(c);
				return;
			}
			c->phase = PH_BODY;
		}
		if (c->phase == PH_BODY &&
		    c->got == sizeof(c->hdr) + c->hdr.length) {
			c->body[c->hdr.length] = '\0';
			handle_request(s, c);
			return;
		}
	}
}

static void client_write(struct client *c)
{
	while (c->out_done < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_done,
				 c->out_len - c->out_done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_close(c);
			return;
		}
		c->out_done += (size_t)n;
	}
	/* Done: read what the client may still send, until it hangs up,
	 * so the close never resets its read of the reply. */
	shutdown(c->fd, SHUT_WR);
	c->phase = PH_DRAIN;
	c->deadline = mono_ms() + 1000;
}

static void server_accept(struct server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c = NULL;
		char who[96] = "?";
		int i;

		if (fd < 0)
			return;
		for (i = 0; i < SERVER_CLIENTS_MAX; i++)
			if (s->c[i].fd < 0) {
				c = &s->c[i];
				break;
			}
		if (!c) {
			LOG(WARN, "socket",
			    "%d clients connected already; dropped one",
			    SERVER_CLIENTS_MAX);
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->phase = PH_HDR;
		c->deadline = mono_ms() + MXG_CTLD_IO_MS;
		if (!peer_allowed(s, fd, who, sizeof(who))) {
			LOG(WARN, "socket", "refused a client: %s", who);
			client_error(c, -EACCES,
				     "permission denied: mxgated serves root, "
				     "its own user and its socket's group");
		}
	}
}

void server_process(struct server *s, const struct pollfd *pfd, unsigned int n)
{
	int64_t now = mono_ms();
	unsigned int i;

	for (i = 1; i < n && i <= SERVER_CLIENTS_MAX; i++) {
		struct client *c = &s->c[i - 1];

		if (c->fd < 0 || pfd[i].fd != c->fd)
			continue;
		if (pfd[i].revents & POLLOUT)
			client_write(c);
		else if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			client_read(s, c);
	}
	for (i = 0; i < SERVER_CLIENTS_MAX; i++) {
		struct client *c = &s->c[i];

		if (c->fd >= 0 && now >= c->deadline) {
			if (c->phase != PH_DRAIN)
				LOG(WARN, "socket",
				    "dropped a client that stalled %s its "
				    "request for %d ms",
				    c->phase == PH_WRITE ?
					    "reading the reply to" :
					    "sending",
				    MXG_CTLD_IO_MS);
			client_close(c);
		}
	}
	if (n && (pfd[0].revents & POLLIN))
		server_accept(s);
}

void server_close(struct server *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < SERVER_CLIENTS_MAX; i++)
		client_close(&s->c[i]);
	close(s->lfd);
	unlink(s->path);
	free(s);
}
