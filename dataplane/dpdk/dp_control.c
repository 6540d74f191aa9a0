// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp control thread (the main lcore): the control socket of
 * include/mxgate/ctl.h, the hitless policy swap, stats, idle-exit.
 *
 * Policy swap. A new image is validated and turned into a complete
 * struct dp_policy (engine and rte_lpm tables) off the fast path, then
 * published with one atomic pointer store. Workers load the pointer once
 * per poll round and report an RCU quiescent state (rte_rcu_qsbr) after
 * the round, so a frame is decided entirely under one policy. The old
 * policy is freed only after rte_rcu_qsbr_check() has seen every online
 * worker pass a quiescent state. Bucket state lives in the shared source
 * table keyed by stable rule ids, so it carries over; per-rule counters
 * follow their rule by name. No queue is stopped: nothing is lost.
 *
 * Stats. Workers own their counters and top-source trackers. The control
 * thread asks for a snapshot through each worker's mailbox: the worker,
 * between two bursts, copies its counters and swaps its tracker for an
 * empty one (O(1)); the control thread merges the trackers it gets back
 * into its running total.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "dp_log.h"
#include "mxgate/ctl.h"
#include "summary.h"

#define DP_CTL_CLIENTS	  16
#define DP_CTL_POLL_MS	  50
#define DP_RCU_WAIT_MS	  5000
#define DP_SNAP_WAIT_MS	  2000
#define DP_CTL_FDS_MAX	  4 /* fds accepted in one message (then closed) */
#define DP_CTL_SEALS_NEED (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

static int listen_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static gid_t ctl_gid = (gid_t)-1;
static int clients[DP_CTL_CLIENTS];
static int n_clients;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Policy swap */

void dp_policy_reap(int wait)
{
	if (!dp.pending_free)
		return;
	if (rte_rcu_qsbr_check(dp.qsv, dp.pending_token, wait ? true : false) !=
	    1)
		return;
	dp_policy_destroy(dp.pending_free);
	dp.pending_free = NULL;
	DP_LOG(INFO, "control", "retired policy freed after its grace period");
}

int dp_policy_swap(struct dp_policy *next, char *err, size_t errlen)
{
	struct dp_policy *old = dp.active;
	uint64_t token, deadline;

	dp_policy_reap(0);
	if (dp.pending_free) {
		snprintf(err, errlen,
			 "the policy before last is still in use by a worker");
		return -EBUSY;
	}
	__atomic_store_n(&dp.active, next, __ATOMIC_RELEASE);
	dp.reloads++;
	token = rte_rcu_qsbr_start(dp.qsv);
	deadline = now_ms() + DP_RCU_WAIT_MS;
	while (rte_rcu_qsbr_check(dp.qsv, token, false) != 1) {
		if (now_ms() > deadline) {
			dp.pending_free = old;
			dp.pending_token = token;
			DP_LOG(WARNING, "control",
			       "a worker has not passed a quiescent state in "
			       "%d ms; the old policy is kept until it does",
			       DP_RCU_WAIT_MS);
			return 0;
		}
		rte_delay_us_sleep(100);
	}
	dp_policy_destroy(old);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Stats */

static void add_stats(struct dp_stats *dst, const struct dp_stats *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	size_t i;

	for (i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

static void add_table_stats(struct mxg_src_table_stats *d,
			    const struct mxg_src_table_stats *s)
{
	d->takes += s->takes;
	d->inserts += s->inserts;
	d->evict_lossless += s->evict_lossless;
	d->evict_lossy += s->evict_lossy;
	d->cas_retries += s->cas_retries;
}

/* Merge a tracker a worker handed back into the running total. */
static void take_back_tracker(struct dp_lcore *lc)
{
	if (!lc->top_old)
		return;
	mxg_top_merge(dp.top_total, lc->top_old);
	mxg_top_destroy(lc->top_old);
	lc->top_old = NULL;
}

static void add_worker(struct mxg_counters *c, struct mxg_src_table_stats *ts,
		       struct dp_stats *st, const struct mxg_counters *wc,
		       const struct mxg_src_table_stats *wts,
		       const struct dp_stats *wst, uintptr_t pol)
{
	struct mxg_counters tmp = *wc;

	dp_remap_rules(&tmp, pol, dp.active);
	mxg_counters_add(c, &tmp);
	add_table_stats(ts, wts);
	add_stats(st, wst);
}

int dp_collect(struct mxg_counters *c, struct mxg_src_table_stats *ts,
	       struct dp_stats *st, int workers_running)
{
	uint64_t deadline;
	uint16_t w;
	int pending, rc = 0;

	memset(c, 0, sizeof(*c));
	memset(ts, 0, sizeof(*ts));
	memset(st, 0, sizeof(*st));
	if (!workers_running) {
		for (w = 0; w < dp.n_workers; w++) {
			struct dp_lcore *lc = dp.workers[w];

			take_back_tracker(lc);
			if (lc->top_fresh) { /* never taken: still empty */
				mxg_top_destroy(lc->top_fresh);
				lc->top_fresh = NULL;
			}
			if (lc->top) { /* merged once; later calls add none */
				mxg_top_merge(dp.top_total, lc->top);
				mxg_top_destroy(lc->top);
				lc->top = NULL;
			}
			add_worker(c, ts, st, &lc->counters, &lc->table_stats,
				   &lc->st, (uintptr_t)lc->pol);
		}
		return 0;
	}

	for (w = 0; w < dp.n_workers; w++) {
		struct dp_lcore *lc = dp.workers[w];
		uint32_t req = lc->snap_req;

		/* A request that timed out before may have been answered. */
		if (__atomic_load_n(&lc->snap_done, __ATOMIC_ACQUIRE) != req)
			continue; /* still outstanding: wait for it below */
		take_back_tracker(lc);
		if (!lc->top_fresh &&
		    mxg_top_create(&lc->top_fresh, dp.cfg.top_capacity))
			lc->top_fresh = NULL; /* counters only this time */
		__atomic_store_n(&lc->snap_req, req + 1, __ATOMIC_RELEASE);
	}
	deadline = now_ms() + DP_SNAP_WAIT_MS;
	do {
		pending = 0;
		for (w = 0; w < dp.n_workers; w++) {
			struct dp_lcore *lc = dp.workers[w];

			if (__atomic_load_n(&lc->snap_done, __ATOMIC_ACQUIRE) !=
			    lc->snap_req)
				pending++;
		}
		if (pending)
			rte_delay_us_sleep(100);
	} while (pending && now_ms() < deadline);

	for (w = 0; w < dp.n_workers; w++) {
		struct dp_lcore *lc = dp.workers[w];

		if (__atomic_load_n(&lc->snap_done, __ATOMIC_ACQUIRE) !=
		    lc->snap_req) {
			rc = -ETIMEDOUT;
			continue;
		}
		take_back_tracker(lc);
		add_worker(c, ts, st, &lc->snap, &lc->snap_table, &lc->snap_st,
			   lc->snap_pol);
	}
	return rc;
}

int dp_summary_text(char **out, size_t *len, uint32_t top_n,
		    int workers_running)
{
	struct mxg_counters *c;
	struct mxg_src_table_stats ts;
	struct dp_stats st;
	struct mxg_top_entry *top = NULL;
	uint32_t n_top = 0;
	FILE *f;
	int rc;

	*out = NULL;
	*len = 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = dp_collect(c, &ts, &st, workers_running);
	if (rc)
		goto free_counters;
	if (top_n) {
		top = calloc(top_n, sizeof(*top));
		if (!top) {
			rc = -ENOMEM;
			goto free_counters;
		}
		n_top = mxg_top_sorted(dp.top_total, top, top_n);
	}
	f = open_memstream(out, len);
	if (!f) {
		rc = -errno;
		goto free_top;
	}
	rc = mxg_summary_write(f, dp.active->engine->image, c, top, n_top);
	if (fclose(f) && !rc)
		rc = -EIO;
	if (rc) {
		free(*out);
		*out = NULL;
	}
free_top:
	free(top);
free_counters:
	free(c);
	return rc;
}

int dp_stats_text(char **out, size_t *len, int workers_running)
{
	struct mxg_counters *c;
	struct mxg_src_table_stats ts;
	struct dp_stats st;
	const char *sep = "";
	FILE *f;
	uint16_t i;
	int rc;

	*out = NULL;
	*len = 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = dp_collect(c, &ts, &st, workers_running);
	if (rc)
		goto free_counters;
	f = open_memstream(out, len);
	if (!f) {
		rc = -errno;
		goto free_counters;
	}
	fprintf(f,
		"{\"generation\": %" PRIu64 ", \"reloads\": %" PRIu64
		", \"requests_refused\": %" PRIu64 ", \"workers\": %u"
		", \"rx\": %" PRIu64 ", \"tx\": %" PRIu64
		", \"tx_dropped\": %" PRIu64 ", \"policy_dropped\": %" PRIu64
		", \"rst_sent\": %" PRIu64 ", \"rst_unbuilt\": %" PRIu64
		", \"no_rx_timestamp\": %" PRIu64 ", \"linearized\": %" PRIu64
		", \"too_long\": %" PRIu64 ", \"policy_adopted\": %" PRIu64
		", \"packets\": %" PRIu64 ", \"forwarded\": %" PRIu64
		", \"smtp_syns\": %" PRIu64 ", \"smtp_dropped\": %" PRIu64
		", \"table\": {\"capacity\": %" PRIu64 ", \"takes\": %" PRIu64
		", \"inserts\": %" PRIu64 ", \"evict_lossless\": %" PRIu64
		", \"evict_lossy\": %" PRIu64 "}, \"ports\": [",
		dp.active->generation, dp.reloads, dp.requests_refused,
		dp.n_workers, st.rx, st.tx, st.tx_dropped, st.policy_dropped,
		st.rst_sent, st.rst_unbuilt, st.no_rx_timestamp, st.linearized,
		st.too_long, st.policy_adopted, c->totals.packets,
		c->totals.forwarded, c->totals.smtp_syns,
		c->totals.smtp_dropped, mxg_src_table_capacity(dp.table),
		ts.takes, ts.inserts, ts.evict_lossless, ts.evict_lossy);
	for (i = 0; i < DP_MAX_PORTS; i++) {
		struct rte_eth_stats es;

		if (!dp.ports[i].in_use)
			continue;
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(i, &es);
		fprintf(f,
			"%s{\"port\": %u, \"driver\": \"%s\", \"peer\": %u"
			", \"ipackets\": %" PRIu64 ", \"opackets\": %" PRIu64
			", \"imissed\": %" PRIu64 ", \"ierrors\": %" PRIu64
			", \"oerrors\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64
			"}",
			sep, i, dp.ports[i].driver, dp.ports[i].peer,
			es.ipackets, es.opackets, es.imissed, es.ierrors,
			es.oerrors, es.rx_nombuf);
		sep = ", ";
	}
	fprintf(f, "]}\n");
	if (fclose(f))
		rc = -EIO;
	if (rc) {
		free(*out);
		*out = NULL;
	}
free_counters:
	free(c);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Socket */

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

/* A LOAD_IMAGE request with its one fd: validate, build, swap. */
static int handle_load(const struct mxg_ctl_load *req, int fd, char *msg,
		       size_t msglen)
{
	const struct mxg_policy_header *h;
	struct dp_policy *next = NULL;
	struct stat sb;
	void *map;
	int seals, rc;

	if (req->flags || req->pad) {
		snprintf(msg, msglen, "LOAD_IMAGE: flags and pad must be 0");
		return -EINVAL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the file descriptor is not a memfd");
		return -EBADF;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the file descriptor is not a sealable "
			 "memfd");
		return -EBADF;
	}
	if ((seals & DP_CTL_SEALS_NEED) != DP_CTL_SEALS_NEED) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the memfd must be sealed against write, "
			 "shrink and grow");
		return -EPERM;
	}
	if (req->image_len > MXG_POLICY_IMAGE_MAX) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: image of %" PRIu64
			 " bytes exceeds the %llu-byte limit",
			 req->image_len,
			 (unsigned long long)MXG_POLICY_IMAGE_MAX);
		return -EFBIG;
	}
	if ((uint64_t)sb.st_size != req->image_len) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the memfd holds %lld bytes, the request "
			 "says %" PRIu64,
			 (long long)sb.st_size, req->image_len);
		return -EBADMSG;
	}
	if (req->image_len < sizeof(*h)) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: %" PRIu64 " bytes cannot hold an image",
			 req->image_len);
		return -EBADMSG;
	}
	map = mmap(NULL, req->image_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = -errno;
		snprintf(msg, msglen, "LOAD_IMAGE: mmap: %s", strerror(-rc));
		return rc;
	}
	h = map;
	if (h->checksum != req->checksum) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the request's checksum does not match "
			 "the image's");
		rc = -EBADMSG;
		goto unmap;
	}
	if (req->expect_generation &&
	    req->expect_generation != dp.active->generation) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: generation %" PRIu64
			 " is in force, not %" PRIu64,
			 dp.active->generation, req->expect_generation);
		rc = -ESTALE;
		goto unmap;
	}
	rc = dp_policy_create(&next, map, req->image_len, dp.active,
			      ++dp.load_seq, msg, msglen);
	if (rc)
		goto unmap;
	rc = dp_policy_swap(next, msg, msglen);
	if (rc) {
		dp_policy_destroy(next);
		goto unmap;
	}
	snprintf(msg, msglen,
		 "policy generation %" PRIu64 " in force: %u rules, %" PRIu64
		 " prefixes",
		 next->generation, next->engine->n_rules, next->n_prefixes);
	DP_LOG(NOTICE, "control", "%s", msg);
unmap:
	munmap(map, req->image_len);
	return rc;
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
		return handle_load(&req, fds[0], msg, msglen);
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
	uint64_t last_rx = 0, last_change = now_ms();

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
		if (dp.cfg.idle_exit_ms) {
			uint64_t rx = total_rx(), t = now_ms();

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
