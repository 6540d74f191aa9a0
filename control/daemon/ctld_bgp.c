// SPDX-License-Identifier: BSD-3-Clause
/*
 * FlowSpec export and sharing over an existing BGP speaker, GoBGP
 * (README.md, "BGP, sharing and feeds"). mxgated never edits gobgpd's
 * configuration: it adds and withdraws paths in gobgpd's global RIB and
 * reads what peers sent, all through gobgpd's gRPC API, by running its
 * client `gobgp` (fork/exec, no shell, a 5 s bound per call).
 *
 * The event loop computes the routes it wants (the local dynamic blocks,
 * less what may never be announced, capped and aggregated) and hands the
 * list to the BGP thread. The thread reconciles gobgpd's RIB with it at a
 * bounded rate (withdrawals first, then the worst offenders first), and
 * keeps `gobgp monitor global rib -j` running to learn, within a second,
 * the FlowSpec rules that configured peers send; every 30 s, and when the
 * monitor restarts, it reads the whole RIB again (paths this daemon
 * announced before a restart are adopted by their expiry community, and
 * withdrawn if no longer wanted).
 *
 * Every announced path carries the large community ASN:1:EXPIRES (unix
 * seconds, 0 for none), so that a peer learning it knows its TTL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctld_ext.h"

#define CLI_TIMEOUT_MS	 5000
#define CLI_OUT_MAX	 (64u * 1024 * 1024)
#define RESYNC_MS	 30000
#define MON_LINE_MAX	 (64u * 1024 * 1024)
#define EXPIRY_LD1	 1 /* large community ASN:1:EXPIRES */
#define BLACKHOLE	 "65535:666"
#define NO_EXPORT	 "65535:65281"
#define LEARN_ORIGIN_LEN 64

extern char **environ;

struct ext_cfg ext_cfg = {
	.cli = "/usr/bin/gobgp",
	.max_routes = 1000,
	.churn = 10,
	.min4 = 16,
	.min6 = 32,
	.learn_ttl = 3600,
	.learn_max = 10000,
	.offender_ttl = 900,
};

/* ---- options ---- */

static int parse_uint(const char *opt, const char *v, unsigned long lo,
		      unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || !*v || v[0] == '-' || x < lo || x > hi) {
		fprintf(stderr,
			"mxgated: %s: expected an integer from %lu to %lu, got "
			"\"%s\"\n",
			opt, lo, hi, v);
		return -1;
	}
	*out = x;
	return 0;
}

static int ext_err(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "mxgated: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	return -1;
}

static int parse_rtbh(const char *arg)
{
	char buf[128], *comma, *parts[2];
	unsigned int i;
	uint8_t b[16];

	if (strlen(arg) >= sizeof(buf))
		return ext_err("--bgp-rtbh: \"%s\"%s: too long", arg, "");
	snprintf(buf, sizeof(buf), "%s", arg);
	comma = strchr(buf, ',');
	parts[0] = buf;
	parts[1] = comma ? comma + 1 : NULL;
	if (comma)
		*comma = '\0';
	for (i = 0; i < 2 && parts[i]; i++) {
		if (inet_pton(AF_INET, parts[i], b) == 1)
			snprintf(ext_cfg.rtbh4, sizeof(ext_cfg.rtbh4), "%s",
				 parts[i]);
		else if (inet_pton(AF_INET6, parts[i], b) == 1)
			snprintf(ext_cfg.rtbh6, sizeof(ext_cfg.rtbh6), "%s",
				 parts[i]);
		else
			return ext_err("--bgp-rtbh: \"%s\" is not an IP "
				       "address%s",
				       parts[i], "");
	}
	return 0;
}

static int parse_learn_from(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint8_t b[16];

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char **v;

		if (!strcmp(tok, "any")) {
			ext_cfg.learn_any = 1;
			continue;
		}
		if (inet_pton(AF_INET, tok, b) != 1 &&
		    inet_pton(AF_INET6, tok, b) != 1) {
			ext_err("--bgp-learn-from: \"%s\" is not a peer "
				"address (or \"any\")%s",
				tok, "");
			free(copy);
			return -1;
		}
		v = realloc(ext_cfg.learn_from,
			    (ext_cfg.n_learn_from + 1) * sizeof(*v));
		if (!v || !(v[ext_cfg.n_learn_from] = strdup(tok))) {
			free(v);
			free(copy);
			return -1;
		}
		ext_cfg.learn_from = v;
		ext_cfg.n_learn_from++;
	}
	free(copy);
	return 0;
}

int ext_option(int opt, const char *arg)
{
	unsigned long v, v6;
	int64_t t;
	char *comma;

	switch (opt - EXT_OPT_BASE) {
	case 0:
		if (!*arg)
			return ext_err("--bgp-api: empty%s%s", "", "");
		ext_cfg.api = arg;
		return 0;
	case 1:
		ext_cfg.cli = arg;
		return 0;
	case 2:
		if (parse_uint("--bgp-max-routes", arg, 1, 1000000, &v))
			return -1;
		ext_cfg.max_routes = (unsigned int)v;
		return 0;
	case 3:
		if (parse_uint("--bgp-churn", arg, 1, 10000, &v))
			return -1;
		ext_cfg.churn = (double)v;
		return 0;
	case 4:
		comma = strchr(arg, ',');
		if (!comma)
			return ext_err("--bgp-min-prefix: expected V4,V6 (for "
				       "example 16,32), got \"%s\"%s",
				       arg, "");
		*comma = '\0';
		if (parse_uint("--bgp-min-prefix (IPv4)", arg, 0, 32, &v) ||
		    parse_uint("--bgp-min-prefix (IPv6)", comma + 1, 0, 128,
			       &v6))
			return -1;
		ext_cfg.min4 = (unsigned int)v;
		ext_cfg.min6 = (unsigned int)v6;
		return 0;
	case 5:
		return parse_rtbh(arg);
	case 6:
		if (parse_uint("--bgp-asn", arg, 1, 4294967295UL, &v))
			return -1;
		ext_cfg.asn = (uint32_t)v;
		return 0;
	case 7:
		return parse_learn_from(arg);
	case 8:
		t = dyn_ttl_parse(arg);
		if (t <= 0)
			return ext_err("--bgp-learn-ttl: expected a duration "
				       "(90s, 15m, 1h, 2d), got \"%s\"%s",
				       arg, "");
		ext_cfg.learn_ttl = t;
		return 0;
	case 9:
		if (parse_uint("--bgp-learn-max", arg, 1, 1000000, &v))
			return -1;
		ext_cfg.learn_max = (unsigned int)v;
		return 0;
	case 10:
		ext_cfg.rbl_dir = arg;
		return 0;
	case 11:
		t = dyn_ttl_parse(arg);
		if (t <= 0)
			return ext_err("--offender-ttl: expected a duration "
				       "(90s, 15m, 1h), got \"%s\"%s",
				       arg, "");
		ext_cfg.offender_ttl = t;
		return 0;
	}
	return -1;
}

int ext_options_done(void)
{
	if (!ext_cfg.api && (ext_cfg.n_learn_from || ext_cfg.learn_any ||
			     ext_cfg.rtbh4[0] || ext_cfg.rtbh6[0]))
		return ext_err("--bgp-learn-from and --bgp-rtbh need "
			       "--bgp-api%s%s",
			       "", "");
	if (ext_cfg.api && access(ext_cfg.cli, X_OK))
		return ext_err("--bgp-cli %s: %s", ext_cfg.cli,
			       strerror(errno));
	return 0;
}

/* ---- routes ---- */

enum { RT_FS = 0, RT_RTBH = 1 };

struct route {
	struct pfx p;
	uint8_t type;
	uint8_t n_ports;
	uint16_t ports[16];
	int64_t expires; /* 0: none */
	uint64_t score;
};

/* The path's identity (NLRI): type, prefix, ports. */
static int route_key_cmp(const struct route *x, const struct route *y)
{
	int c;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	c = pfx_cmp(&x->p, &y->p);
	if (c)
		return c;
	if (x->n_ports != y->n_ports)
		return x->n_ports < y->n_ports ? -1 : 1;
	return memcmp(x->ports, y->ports, x->n_ports * sizeof(x->ports[0]));
}

static int route_qcmp(const void *a, const void *b)
{
	return route_key_cmp(a, b);
}

/* A rule learned from a peer, as the thread saw it. */
struct learned {
	char *key; /* peer + NLRI, the map's key */
	struct pfx p;
	char peer[48];
	uint32_t origin_as;
	int64_t expires; /* from the community; 0: none */
	int64_t first_seen;
	uint8_t discard;  /* action traffic-rate 0 */
	uint8_t shape_ok; /* source, tcp, destination ports only */
	uint8_t n_ports;
	uint16_t ports[16];
};

enum {
	IGN_PEER,
	IGN_SHAPE,
	IGN_ACTION,
	IGN_PORTS,
	IGN_PREFIX,
	IGN_ALLOW,
	IGN_PROTECTED,
	IGN_LOCAL,
	IGN_EXPIRED,
	IGN_MAX_N,
	IGN_N
};
static const char *const ign_names[IGN_N] = {
	"peer",	 "shape",     "action", "ports",   "min_prefix",
	"allow", "protected", "local",	"expired", "learn_max",
};

/* Shared with the thread, under mu. */
static struct {
	pthread_t tid;
	int running;
	pthread_mutex_t mu;
	int wake_fd; /* the thread polls it */
	int efd;     /* the loop polls it */
	int stop;
	/* loop -> thread */
	struct route *want;
	size_t n_want;
	uint64_t want_gen;
	/* thread -> loop */
	struct learned *learned; /* a copy, keys NULL */
	size_t n_learned;
	uint64_t learned_gen;
	size_t n_fs, n_rtbh, deferred;
	uint64_t add_ok, add_err, del_ok, del_err, resyncs;
	int up, synced;
	uint32_t asn;
	char last_error[256];
} T = { .mu = PTHREAD_MUTEX_INITIALIZER, .wake_fd = -1, .efd = -1 };

/* The loop's own. */
static struct {
	int on;
	struct no_announce na;
	int have_na;
	struct route *want;
	size_t n_want;
	uint64_t want_gen;
	size_t n_blocks, n_refused[3]; /* allow, protected, min_prefix */
	size_t n_capped, n_aggregated;
	uint64_t capped_total;
	int capped;
	/* learned */
	struct learned *seen; /* the thread's last copy */
	size_t n_seen;
	uint64_t seen_gen;
	int learned_dirty;
	struct dyn_entry *inforce;
	char (*origin)[LEARN_ORIGIN_LEN];
	size_t n_inforce;
	size_t ign[IGN_N];
	struct dyn_state merged;
} L;

/* ---- running the gobgp client ---- */

static int spawn_cli(const char *const *args, int out_fd_wr, pid_t *pid)
{
	const char *argv[48];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	unsigned int n = 0, i;
	int rc;

	argv[n++] = ext_cfg.cli;
	argv[n++] = "--target";
	argv[n++] = ext_cfg.api;
	for (i = 0; args[i] && n < 47; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd_wr, 1);
	posix_spawn_file_actions_adddup2(&fa, out_fd_wr, 2);
	posix_spawnattr_init(&at);
	/* mxgated blocks SIGTERM/SIGHUP/SIGINT (its signalfd) and ignores
	 * SIGPIPE: the client gets neither. */
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(pid, ext_cfg.cli, &fa, &at, (char *const *)argv,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

/*
 * Run `gobgp --target API ARGS...`: 0 with its output in *out (stdout
 * and stderr together; malloc'd, NUL-terminated), -EIO when it exited
 * non-zero (its first line in T.last_error), -ETIMEDOUT when killed.
 */
static int cli_run(const char *const *args, char **out, size_t *out_len)
{
	int64_t deadline = mono_ms() + CLI_TIMEOUT_MS;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int p[2], rc, status = 0, timed_out = 0;
	pid_t pid;

	if (!buf)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC)) {
		free(buf);
		return -errno;
	}
	rc = spawn_cli(args, p[1], &pid);
	close(p[1]);
	if (rc) {
		close(p[0]);
		free(buf);
		return rc;
	}
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int64_t left = deadline - mono_ms();
		ssize_t r;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (!pfd.revents)
			continue;
		if (cap - len < 4096) {
			char *nb;

			if (cap >= CLI_OUT_MAX) {
				timed_out = 1; /* a runaway output */
				break;
			}
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(p[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(p[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	if (timed_out) {
		free(buf);
		return -ETIMEDOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char *nl = strchr(buf, '\n');

		if (nl)
			*nl = '\0';
		pthread_mutex_lock(&T.mu);
		snprintf(T.last_error, sizeof(T.last_error), "gobgp %s %s: %s",
			 args[0], args[1] ? args[1] : "",
			 *buf ? buf : "failed");
		pthread_mutex_unlock(&T.mu);
		free(buf);
		return -EIO;
	}
	if (out) {
		*out = buf;
		if (out_len)
			*out_len = len;
	} else {
		free(buf);
	}
	return 0;
}

/* ---- the thread: announcing ---- */

static int stopping(void)
{
	return __atomic_load_n(&T.stop, __ATOMIC_RELAXED);
}

static struct {
	struct route *ann; /* what this daemon has in gobgpd's RIB */
	size_t n_ann, cap_ann;
	struct learned *lv; /* the learned map, sorted by key */
	size_t n_lv, cap_lv;
	int learned_changed;
	uint32_t asn;
	double tokens;
	int64_t refill_at;
} W;

static const char *fam_name(const struct route *r)
{
	if (r->type == RT_FS)
		return r->p.fam == 4 ? "ipv4-flowspec" : "ipv6-flowspec";
	return r->p.fam == 4 ? "ipv4" : "ipv6";
}

/* add or del of one route; 0 or -errno. */
static int route_cli(const struct route *r, int add)
{
	char cidr[DYN_CIDR_LEN], ports[16][12], lc[48];
	const char *args[48];
	unsigned int n = 0, i;

	pfx_format(&r->p, cidr, sizeof(cidr));
	snprintf(lc, sizeof(lc), "%" PRIu32 ":%d:%" PRId64, W.asn, EXPIRY_LD1,
		 r->expires > 0 && r->expires < 4294967296LL ? r->expires : 0);
	args[n++] = "global";
	args[n++] = "rib";
	args[n++] = "-a";
	args[n++] = fam_name(r);
	args[n++] = add ? "add" : "del";
	if (r->type == RT_FS) {
		args[n++] = "match";
		args[n++] = "source";
		args[n++] = cidr;
		args[n++] = "protocol";
		args[n++] = "tcp";
		args[n++] = "destination-port";
		for (i = 0; i < r->n_ports; i++) {
			snprintf(ports[i], sizeof(ports[i]), "==%u",
				 r->ports[i]);
			args[n++] = ports[i];
		}
		if (add) {
			args[n++] = "then";
			args[n++] = "discard";
		}
	} else {
		args[n++] = cidr;
		if (add) {
			args[n++] = "nexthop";
			args[n++] = r->p.fam == 4 ? ext_cfg.rtbh4 :
						    ext_cfg.rtbh6;
			args[n++] = "community";
			args[n++] = BLACKHOLE "," NO_EXPORT;
		}
	}
	if (add) {
		args[n++] = "large-community";
		args[n++] = lc;
	}
	args[n] = NULL;
	return cli_run(args, NULL, NULL);
}

static ssize_t ann_find(const struct route *r)
{
	size_t lo = 0, hi = W.n_ann;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = route_key_cmp(&W.ann[mid], r);

		if (!c)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

static int ann_put(const struct route *r)
{
	ssize_t at = ann_find(r);

	if (at >= 0) {
		W.ann[at] = *r;
		return 0;
	}
	if (W.n_ann == W.cap_ann) {
		size_t cap = W.cap_ann ? W.cap_ann * 2 : 64;
		struct route *v = realloc(W.ann, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		W.ann = v;
		W.cap_ann = cap;
	}
	at = -at - 1;
	memmove(&W.ann[at + 1], &W.ann[at],
		(W.n_ann - (size_t)at) * sizeof(*r));
	W.ann[at] = *r;
	W.n_ann++;
	return 0;
}

static void ann_del(const struct route *r)
{
	ssize_t at = ann_find(r);

	if (at < 0)
		return;
	memmove(&W.ann[at], &W.ann[at + 1],
		(W.n_ann - (size_t)at - 1) * sizeof(*r));
	W.n_ann--;
}

static int score_qcmp(const void *a, const void *b)
{
	const struct route *x = *(const struct route *const *)a,
			   *y = *(const struct route *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return route_key_cmp(x, y);
}

/*
 * Bring gobgpd's RIB to 'want' (sorted by key) within the churn budget:
 * withdrawals first (they free the routers' TCAM), then announcements,
 * the worst offenders first. Returns the updates left for later.
 */
static size_t reconcile(const struct route *want, size_t n_want)
{
	const struct route **adds = NULL;
	struct route *dels = NULL;
	size_t n_adds = 0, n_dels = 0, i, j, left;
	int64_t now = mono_ms();

	W.tokens += (double)(now - W.refill_at) * ext_cfg.churn / 1000.0;
	if (W.tokens > ext_cfg.churn)
		W.tokens = ext_cfg.churn;
	W.refill_at = now;
	dels = malloc((W.n_ann + 1) * sizeof(*dels));
	adds = malloc((n_want + 1) * sizeof(*adds));
	if (!dels || !adds) {
		free(dels);
		free((void *)adds);
		return 1;
	}
	for (i = 0, j = 0; i < W.n_ann || j < n_want;) {
		int c = i == W.n_ann ? 1 :
			j == n_want  ? -1 :
				       route_key_cmp(&W.ann[i], &want[j]);

		if (c < 0) {
			dels[n_dels++] = W.ann[i++];
		} else if (c > 0) {
			adds[n_adds++] = &want[j++];
		} else {
			if (W.ann[i].expires != want[j].expires)
				adds[n_adds++] = &want[j];
			i++;
			j++;
		}
	}
	qsort((void *)adds, n_adds, sizeof(*adds), score_qcmp);
	left = n_dels + n_adds;
	for (i = 0; i < n_dels && W.tokens >= 1 && !stopping(); i++) {
		int rc = route_cli(&dels[i], 0);

		W.tokens -= 1;
		pthread_mutex_lock(&T.mu);
		if (rc)
			T.del_err++;
		else
			T.del_ok++;
		pthread_mutex_unlock(&T.mu);
		if (!rc) {
			char c[DYN_CIDR_LEN];

			pfx_format(&dels[i].p, c, sizeof(c));
			LOG(INFO, "bgp", "withdrew %s %s", fam_name(&dels[i]),
			    c);
			ann_del(&dels[i]);
			left--;
		}
	}
	for (i = 0; i < n_adds && W.tokens >= 1 && !stopping(); i++) {
		int rc = route_cli(adds[i], 1);

		W.tokens -= 1;
		pthread_mutex_lock(&T.mu);
		if (rc)
			T.add_err++;
		else
			T.add_ok++;
		pthread_mutex_unlock(&T.mu);
		if (!rc) {
			char c[DYN_CIDR_LEN];

			pfx_format(&adds[i]->p, c, sizeof(c));
			LOG(INFO, "bgp", "announced %s %s, expires %" PRId64,
			    fam_name(adds[i]), c, adds[i]->expires);
			ann_put(adds[i]);
			left--;
		}
	}
	free(dels);
	free((void *)adds);
	return left;
}

/* ---- the thread: reading paths ---- */

static const cJSON *jget(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The large community ASN:1:X of a path: 1 and X, or 0. */
static int path_expiry(const cJSON *attrs, uint32_t *asn, int64_t *exp)
{
	const cJSON *a, *c;

	cJSON_ArrayForEach(a, attrs)
	{
		if (!cJSON_IsNumber(jget(a, "type")) ||
		    jget(a, "type")->valueint != 32)
			continue;
		cJSON_ArrayForEach(c, jget(a, "value"))
		{
			const cJSON *ld1 = jget(c, "LocalData1"),
				    *ld2 = jget(c, "LocalData2"),
				    *ga = jget(c, "ASN");

			if (cJSON_IsNumber(ld1) &&
			    ld1->valuedouble == EXPIRY_LD1 &&
			    cJSON_IsNumber(ld2) && cJSON_IsNumber(ga)) {
				*asn = (uint32_t)ga->valuedouble;
				*exp = (int64_t)ld2->valuedouble;
				return 1;
			}
		}
	}
	return 0;
}

/* traffic-rate 0 (discard) among the extended communities. */
static int path_discard(const cJSON *attrs)
{
	const cJSON *a, *c;

	cJSON_ArrayForEach(a, attrs)
	{
		if (!cJSON_IsNumber(jget(a, "type")) ||
		    jget(a, "type")->valueint != 16)
			continue;
		cJSON_ArrayForEach(c, jget(a, "value"))
		{
			const cJSON *t = jget(c, "type"),
				    *st = jget(c, "subtype"),
				    *rate = jget(c, "rate");

			if (cJSON_IsNumber(t) && t->valueint == 128 &&
			    cJSON_IsNumber(st) && st->valueint == 6 &&
			    cJSON_IsNumber(rate) && rate->valuedouble == 0)
				return 1;
		}
	}
	return 0;
}

static uint32_t path_origin_as(const cJSON *attrs)
{
	const cJSON *a, *seg, *asns;
	uint32_t last = 0;

	cJSON_ArrayForEach(a, attrs)
	{
		if (!cJSON_IsNumber(jget(a, "type")) ||
		    jget(a, "type")->valueint != 2)
			continue;
		cJSON_ArrayForEach(seg, jget(a, "as_paths"))
		{
			asns = jget(seg, "asns");
			if (cJSON_IsArray(asns) &&
			    cJSON_GetArraySize(asns) > 0) {
				const cJSON *x = cJSON_GetArrayItem(
					asns, cJSON_GetArraySize(asns) - 1);

				if (cJSON_IsNumber(x))
					last = (uint32_t)x->valuedouble;
			}
		}
	}
	return last;
}

/*
 * A FlowSpec NLRI: 1 if it is "source PREFIX [protocol ==tcp]
 * destination-port ==P ..." (what mxgated announces, and all it
 * learns), with the prefix and ports filled; 0 for any other shape; -1
 * if it is not FlowSpec.
 */
static int fs_parse(const cJSON *nlri, struct pfx *p, uint16_t *ports,
		    uint8_t *n_ports)
{
	const cJSON *comps = jget(nlri, "value"), *c;
	int have_src = 0, shape = 1;

	*n_ports = 0;
	if (!cJSON_IsArray(comps))
		return -1;
	cJSON_ArrayForEach(c, comps)
	{
		const cJSON *t = jget(c, "type"), *v = jget(c, "value"), *it;
		int type = cJSON_IsNumber(t) ? t->valueint : -1;

		if (type == 2) {
			const cJSON *pre = jget(v, "prefix"),
				    *off = jget(c, "offset");

			if (!cJSON_IsString(pre) ||
			    pfx_parse(pre->valuestring, p) ||
			    (cJSON_IsNumber(off) && off->valueint != 0))
				shape = 0;
			have_src = 1;
		} else if (type == 3) {
			cJSON_ArrayForEach(it, v)
			{
				const cJSON *op = jget(it, "op"),
					    *val = jget(it, "value");

				/* ==6, alone */
				if (!cJSON_IsNumber(op) ||
				    (op->valueint & 0x47) != 0x01 ||
				    !cJSON_IsNumber(val) ||
				    val->valueint != 6 ||
				    cJSON_GetArraySize(v) != 1)
					shape = 0;
			}
		} else if (type == 5) {
			cJSON_ArrayForEach(it, v)
			{
				const cJSON *op = jget(it, "op"),
					    *val = jget(it, "value");

				/* equality items, OR-ed */
				if (!cJSON_IsNumber(op) ||
				    (op->valueint & 0x47) != 0x01 ||
				    !cJSON_IsNumber(val) || val->valueint < 0 ||
				    val->valueint > 65535 || *n_ports >= 16) {
					shape = 0;
					continue;
				}
				ports[(*n_ports)++] = (uint16_t)val->valueint;
			}
		} else {
			shape = 0;
		}
	}
	return have_src && *n_ports && shape;
}

static ssize_t lv_find(const char *key)
{
	size_t lo = 0, hi = W.n_lv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(W.lv[mid].key, key);

		if (!c)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

static void lv_clear(void)
{
	size_t i;

	for (i = 0; i < W.n_lv; i++)
		free(W.lv[i].key);
	W.n_lv = 0;
}

/* Upsert or remove one learned path (a peer's FlowSpec path). */
static void lv_apply(const cJSON *path, int withdraw)
{
	const cJSON *nlri = jget(path, "nlri"), *attrs = jget(path, "attrs"),
		    *nip = jget(path, "neighbor-ip");
	struct learned l = { 0 };
	char *txt, *key;
	ssize_t at;
	size_t klen;
	uint32_t ga;
	int shape;

	if (!cJSON_IsString(nip))
		return; /* a local path */
	shape = fs_parse(nlri, &l.p, l.ports, &l.n_ports);
	if (shape < 0)
		return; /* not FlowSpec (RTBH is export only) */
	txt = cJSON_PrintUnformatted(nlri);
	if (!txt)
		return;
	klen = strlen(nip->valuestring) + strlen(txt) + 2;
	key = malloc(klen);
	if (!key) {
		free(txt);
		return;
	}
	snprintf(key, klen, "%s %s", nip->valuestring, txt);
	free(txt);
	at = lv_find(key);
	if (withdraw) {
		if (at >= 0) {
			free(W.lv[at].key);
			memmove(&W.lv[at], &W.lv[at + 1],
				(W.n_lv - (size_t)at - 1) * sizeof(W.lv[0]));
			W.n_lv--;
			W.learned_changed = 1;
		}
		free(key);
		return;
	}
	l.key = key;
	l.shape_ok = shape == 1;
	snprintf(l.peer, sizeof(l.peer), "%s", nip->valuestring);
	l.discard = path_discard(attrs);
	l.origin_as = path_origin_as(attrs);
	path_expiry(attrs, &ga, &l.expires);
	l.first_seen = wall_s();
	if (at >= 0) {
		l.first_seen = W.lv[at].first_seen;
		free(W.lv[at].key);
		W.lv[at] = l;
		W.learned_changed = 1;
		return;
	}
	if (W.n_lv == W.cap_lv) {
		size_t cap = W.cap_lv ? W.cap_lv * 2 : 64;
		struct learned *v = realloc(W.lv, cap * sizeof(*v));

		if (!v) {
			free(key);
			return;
		}
		W.lv = v;
		W.cap_lv = cap;
	}
	at = -at - 1;
	memmove(&W.lv[at + 1], &W.lv[at], (W.n_lv - (size_t)at) * sizeof(l));
	W.lv[at] = l;
	W.n_lv++;
	W.learned_changed = 1;
}

/* A local path of ours (our expiry community): adopt it. */
static void adopt_local(const cJSON *path, int type)
{
	const cJSON *attrs = jget(path, "attrs");
	struct route r = { 0 };
	uint32_t ga = 0;
	int64_t exp = 0;

	if (jget(path, "neighbor-ip") || !path_expiry(attrs, &ga, &exp) ||
	    ga != W.asn)
		return;
	r.type = (uint8_t)type;
	r.expires = exp;
	if (type == RT_FS) {
		if (fs_parse(jget(path, "nlri"), &r.p, r.ports, &r.n_ports) !=
		    1)
			return;
	} else {
		const cJSON *pre = jget(jget(path, "nlri"), "prefix");

		if (!cJSON_IsString(pre) || pfx_parse(pre->valuestring, &r.p))
			return;
	}
	ann_put(&r);
}

/* The whole RIB again: ours adopted, the peers' rules relearned. */
static int resync(void)
{
	static const char *const fams[] = { "ipv4-flowspec", "ipv6-flowspec",
					    "ipv4", "ipv6" };
	struct learned *old;
	size_t n_old, i;
	unsigned int f;
	char *out = NULL;
	int rc = 0;

	if (!ext_cfg.asn) {
		const char *args[] = { "-j", "global", NULL };
		cJSON *g;

		rc = cli_run(args, &out, NULL);
		if (rc)
			return rc;
		g = cJSON_Parse(out);
		free(out);
		if (!cJSON_IsNumber(jget(g, "asn")) ||
		    jget(g, "asn")->valuedouble < 1) {
			cJSON_Delete(g);
			pthread_mutex_lock(&T.mu);
			snprintf(T.last_error, sizeof(T.last_error),
				 "gobgpd has no AS yet (global as ...)");
			pthread_mutex_unlock(&T.mu);
			return -EAGAIN;
		}
		W.asn = (uint32_t)jget(g, "asn")->valuedouble;
		cJSON_Delete(g);
	} else {
		W.asn = ext_cfg.asn;
	}
	W.n_ann = 0;
	old = W.lv;
	n_old = W.n_lv;
	W.lv = NULL;
	W.n_lv = W.cap_lv = 0;
	for (f = 0; f < 4; f++) {
		const char *args[] = { "-j", "global", "rib",
				       "-a", fams[f],  NULL };
		const cJSON *dest, *path;
		cJSON *doc;

		/* unicast only holds RTBH routes of ours (and whatever the
		 * peers send: keep those sessions FlowSpec-only) */
		if (f >= 2 && !ext_cfg.rtbh4[0] && !ext_cfg.rtbh6[0])
			break;
		rc = cli_run(args, &out, NULL);
		if (rc)
			break;
		doc = cJSON_Parse(out);
		free(out);
		out = NULL;
		cJSON_ArrayForEach(dest, doc)
		{
			cJSON_ArrayForEach(path, dest)
			{
				adopt_local(path, f < 2 ? RT_FS : RT_RTBH);
				if (f < 2)
					lv_apply(path, 0);
			}
		}
		cJSON_Delete(doc);
	}
	/* the first sight of a rule survives a resync (--bgp-learn-ttl) */
	for (i = 0; i < n_old; i++) {
		ssize_t at = lv_find(old[i].key);

		if (at >= 0)
			W.lv[at].first_seen = old[i].first_seen;
		free(old[i].key);
	}
	free(old);
	W.learned_changed = 1;
	return rc;
}

/* ---- the thread: the monitor ---- */

static struct {
	pid_t pid;
	int fd;
	char *buf;
	size_t len, cap;
	int64_t retry_at;
	int backoff_ms;
} M = { .pid = -1, .fd = -1 };

static void mon_stop(void)
{
	if (M.pid > 0) {
		kill(M.pid, SIGKILL);
		while (waitpid(M.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (M.fd >= 0)
		close(M.fd);
	M.pid = -1;
	M.fd = -1;
	M.len = 0;
}

static int mon_start(void)
{
	const char *args[] = { "monitor", "global", "rib", "-j", NULL };
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	rc = spawn_cli(args, p[1], &M.pid);
	close(p[1]);
	if (rc) {
		close(p[0]);
		M.pid = -1;
		return rc;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	M.fd = p[0];
	M.len = 0;
	return 0;
}

static void mon_line(char *line)
{
	cJSON *doc = cJSON_Parse(line);
	const cJSON *path;

	if (!cJSON_IsArray(doc)) {
		if (*line)
			LOG(WARN, "bgp", "gobgp monitor: %.200s", line);
		cJSON_Delete(doc);
		return;
	}
	cJSON_ArrayForEach(path, doc)
		lv_apply(path, cJSON_IsTrue(jget(path, "withdrawal")));
	cJSON_Delete(doc);
}

/* Read what the monitor printed: 0, or -EPIPE when it ended. */
static int mon_read(void)
{
	for (;;) {
		ssize_t r;
		char *nl;

		if (M.cap - M.len < 65536) {
			size_t cap = M.cap ? M.cap * 2 : 262144;
			char *nb;

			if (cap > MON_LINE_MAX)
				return -EPIPE; /* a line too long: restart */
			nb = realloc(M.buf, cap);
			if (!nb)
				return -EPIPE;
			M.buf = nb;
			M.cap = cap;
		}
		r = read(M.fd, M.buf + M.len, M.cap - M.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0)
			return -EPIPE;
		M.len += (size_t)r;
		M.buf[M.len] = '\0';
		while ((nl = memchr(M.buf, '\n', M.len))) {
			*nl = '\0';
			mon_line(M.buf);
			M.len -= (size_t)(nl + 1 - M.buf);
			memmove(M.buf, nl + 1, M.len);
		}
	}
}

static void notify_loop(void)
{
	uint64_t one = 1;

	if (write(T.efd, &one, sizeof(one)) < 0) {
		/* cannot overflow in practice */
	}
}

static void publish_learned(void)
{
	struct learned *copy = NULL;
	size_t i;

	if (!W.learned_changed)
		return;
	W.learned_changed = 0;
	if (W.n_lv) {
		copy = malloc(W.n_lv * sizeof(*copy));
		if (!copy)
			return;
		memcpy(copy, W.lv, W.n_lv * sizeof(*copy));
		for (i = 0; i < W.n_lv; i++)
			copy[i].key = NULL;
	}
	pthread_mutex_lock(&T.mu);
	free(T.learned);
	T.learned = copy;
	T.n_learned = W.n_lv;
	T.learned_gen++;
	pthread_mutex_unlock(&T.mu);
	notify_loop();
}

static void *bgp_thread(void *arg)
{
	struct route *want = NULL;
	size_t n_want = 0, left = 0;
	uint64_t gen = 0;
	int64_t next_resync = 0;
	int updated = 0;

	(void)arg;
	W.tokens = ext_cfg.churn;
	W.refill_at = mono_ms();
	M.backoff_ms = 500;
	for (;;) {
		struct pollfd pfd[2];
		int64_t now, wake;
		unsigned int n = 0;

		if (stopping())
			break;
		pthread_mutex_lock(&T.mu);
		if (T.want_gen != gen) {
			struct route *c = malloc((T.n_want + 1) * sizeof(*c));

			if (c) {
				if (T.n_want)
					memcpy(c, T.want,
					       T.n_want * sizeof(*c));
				free(want);
				want = c;
				n_want = T.n_want;
				gen = T.want_gen;
			}
		}
		pthread_mutex_unlock(&T.mu);

		now = mono_ms();
		if (M.pid < 0 && now >= M.retry_at) {
			if (mon_start()) {
				M.retry_at = now + M.backoff_ms;
			} else {
				/* the monitor runs: read it all again, so
				 * that nothing between the two is missed */
				next_resync = now;
			}
		}
		if (now >= next_resync) {
			int rc = resync();

			pthread_mutex_lock(&T.mu);
			T.up = rc == 0;
			if (!rc) {
				T.synced = 1;
				T.resyncs++;
				T.asn = W.asn;
			}
			pthread_mutex_unlock(&T.mu);
			next_resync = now + (rc ? 2000 : RESYNC_MS);
		}
		if (T.synced) {
			uint64_t before =
				T.add_ok + T.del_ok + T.add_err + T.del_err;

			left = reconcile(want, n_want);
			updated = T.add_ok + T.del_ok + T.add_err + T.del_err !=
				  before;
		}
		publish_learned();
		pthread_mutex_lock(&T.mu);
		T.n_fs = T.n_rtbh = 0;
		{
			size_t i;

			for (i = 0; i < W.n_ann; i++) {
				if (W.ann[i].type == RT_FS)
					T.n_fs++;
				else
					T.n_rtbh++;
			}
		}
		T.deferred = T.synced ? left : n_want;
		pthread_mutex_unlock(&T.mu);
		/* the loop renders the metrics page again */
		if (updated)
			notify_loop();
		updated = 0;

		now = mono_ms();
		wake = next_resync;
		if (M.pid < 0 && M.retry_at < wake)
			wake = M.retry_at;
		if (left && T.synced) {
			int64_t t = now + (int64_t)(1000.0 / ext_cfg.churn) + 1;

			if (t < wake)
				wake = t;
		}
		pfd[n++] = (struct pollfd){ .fd = T.wake_fd, .events = POLLIN };
		if (M.fd >= 0)
			pfd[n++] =
				(struct pollfd){ .fd = M.fd, .events = POLLIN };
		if (poll(pfd, n, wake > now ? (int)(wake - now) : 0) < 0 &&
		    errno != EINTR)
			continue;
		if (pfd[0].revents & POLLIN) {
			uint64_t v;

			if (read(T.wake_fd, &v, sizeof(v)) < 0) {
				/* nothing: a wake-up only */
			}
		}
		if (n > 1 && pfd[1].revents) {
			if (mon_read()) {
				LOG(WARN, "bgp",
				    "gobgp monitor ended; restarting it");
				mon_stop();
				M.retry_at = mono_ms() + M.backoff_ms;
				if (M.backoff_ms < 8000)
					M.backoff_ms *= 2;
			} else {
				M.backoff_ms = 500;
			}
		}
	}
	mon_stop();
	free(M.buf);
	free(want);
	lv_clear();
	free(W.lv);
	free(W.ann);
	return NULL;
}

/* ---- the loop's side ---- */

int bgp_start(void)
{
	int rc;

	if (!ext_cfg.api)
		return -1;
	T.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	T.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (T.wake_fd < 0 || T.efd < 0)
		return -errno;
	rc = pthread_create(&T.tid, NULL, bgp_thread, NULL);
	if (rc)
		return -rc;
	T.running = 1;
	L.on = 1;
	LOG(NOTICE, "bgp",
	    "exporting blocks through %s (gobgpd %s): at most %u, %g updates/s"
	    "%s%s%s",
	    ext_cfg.cli, ext_cfg.api, ext_cfg.max_routes, ext_cfg.churn,
	    ext_cfg.rtbh4[0] || ext_cfg.rtbh6[0] ? ", RTBH too" : "",
	    ext_cfg.n_learn_from || ext_cfg.learn_any ? ", learning from " : "",
	    ext_cfg.learn_any	 ? "any peer" :
	    ext_cfg.n_learn_from ? ext_cfg.learn_from[0] :
				   "");
	return T.efd;
}

void bgp_stop(void)
{
	uint64_t one = 1;

	if (T.running) {
		__atomic_store_n(&T.stop, 1, __ATOMIC_RELAXED);
		if (write(T.wake_fd, &one, sizeof(one)) < 0) {
			/* the thread also wakes on its own timer */
		}
		pthread_join(T.tid, NULL);
		T.running = 0;
	}
	if (T.wake_fd >= 0)
		close(T.wake_fd);
	if (T.efd >= 0)
		close(T.efd);
	T.wake_fd = T.efd = -1;
	free(T.want);
	free(T.learned);
	free(L.want);
	free(L.seen);
	free(L.inforce);
	free(L.origin);
	free(L.merged.v);
	no_announce_free(&L.na);
	memset(&L, 0, sizeof(L));
}

void bgp_image(const struct mxg_policy_header *image)
{
	if (!L.on)
		return;
	if (no_announce_from_image(image, &L.na) == 0)
		L.have_na = 1;
	L.learned_dirty = 1;
}

static int route_scored_qcmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return pfx_cmp(&x->p, &y->p);
}

static uint64_t block_score(const struct pfx *p, const struct snapshot *snap)
{
	uint64_t s = 0;
	unsigned int i;

	for (i = 0; snap && snap->valid && i < snap->n_top; i++) {
		struct pfx src;
		char c[DYN_CIDR_LEN];

		snprintf(c, sizeof(c), "%s", snap->top[i].src);
		if (!strchr(c, '/'))
			strncat(c, strchr(c, ':') ? "/128" : "/32",
				sizeof(c) - strlen(c) - 1);
		if (!pfx_parse(c, &src) && pfx_contains(p, &src))
			s += snap->top[i].dropped + 1;
	}
	return s;
}

/* Drop prefixes covered by another, merge siblings into their parent
 * (exactly the same addresses; the earlier expiry). Sorted in and out. */
static size_t aggregate(struct route *v, size_t n)
{
	size_t i, k, before = n;
	int merged = 1;

	while (merged) {
		merged = 0;
		for (i = 0, k = 0; i < n; i++) {
			if (k && pfx_contains(&v[k - 1].p, &v[i].p)) {
				v[k - 1].score += v[i].score;
				continue;
			}
			v[k++] = v[i];
		}
		n = k;
		for (i = 0, k = 0; i < n; i++) {
			struct pfx parent = v[i].p;
			unsigned int min = parent.fam == 4 ? ext_cfg.min4 :
							     ext_cfg.min6;

			if (i + 1 < n && parent.len > min &&
			    v[i + 1].p.fam == parent.fam &&
			    v[i + 1].p.len == parent.len) {
				unsigned int b = parent.len - 1u;

				parent.len--;
				parent.a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
				if (pfx_contains(&parent, &v[i + 1].p)) {
					int64_t e1 = v[i].expires,
						e2 = v[i + 1].expires;

					v[k] = v[i];
					v[k].p = parent;
					v[k].expires = !e1     ? e2 :
						       !e2     ? e1 :
						       e1 < e2 ? e1 :
								 e2;
					v[k].score += v[i + 1].score;
					k++;
					i++;
					merged = 1;
					continue;
				}
			}
			v[k++] = v[i];
		}
		n = k;
	}
	L.n_aggregated = before - n;
	return n;
}

static int routes_same(const struct route *x, size_t nx, const struct route *y,
		       size_t ny)
{
	size_t i;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++)
		if (route_key_cmp(&x[i], &y[i]) || x[i].expires != y[i].expires)
			return 0;
	return 1;
}

static int route_pfx_qcmp(const void *a, const void *b)
{
	return pfx_cmp(&((const struct route *)a)->p,
		       &((const struct route *)b)->p);
}

void bgp_changed(const struct dyn_state *local, const struct snapshot *snap,
		 int counters_only)
{
	struct route *v, *out;
	size_t i, n = 0, n_out = 0, keep;
	int64_t now = wall_s();

	if (!L.on || !L.have_na || (counters_only && !L.capped))
		return;
	v = malloc((local->n + 1) * sizeof(*v));
	out = malloc((2 * local->n + 1) * sizeof(*out));
	if (!v || !out) {
		free(v);
		free(out);
		return;
	}
	memset(L.n_refused, 0, sizeof(L.n_refused));
	L.n_aggregated = 0;
	for (i = 0; i < local->n; i++) {
		const struct dyn_entry *e = &local->v[i];
		struct route r = { 0 };
		const char *why;

		if (e->kind != DYN_BLOCK || (e->expires && e->expires <= now) ||
		    pfx_parse(e->cidr, &r.p))
			continue;
		if (r.p.len < (r.p.fam == 4 ? ext_cfg.min4 : ext_cfg.min6)) {
			L.n_refused[2]++;
			continue;
		}
		why = no_announce_why(&L.na, &r.p);
		if (why) {
			L.n_refused[why[0] == 'a' ? 0 : 1]++;
			continue;
		}
		r.expires = e->expires;
		r.score = (uint64_t)e->created; /* the newest first, by
						   default */
		v[n++] = r;
	}
	L.n_blocks = n;
	keep = n;
	if (n > ext_cfg.max_routes) {
		for (i = 0; i < n; i++)
			v[i].score = block_score(&v[i].p, snap);
		qsort(v, n, sizeof(*v), route_pfx_qcmp);
		n = aggregate(v, n);
		keep = n;
		if (n > ext_cfg.max_routes) {
			qsort(v, n, sizeof(*v), route_scored_qcmp);
			keep = ext_cfg.max_routes;
		}
		if (!L.capped || L.n_capped != n - keep)
			LOG(WARN, "bgp",
			    "route cap reached: %zu blocks for %u routes; "
			    "aggregated into %zu, announcing %zu (the worst "
			    "offenders first), %zu left out",
			    L.n_blocks, ext_cfg.max_routes, n, keep, n - keep);
		L.capped = 1;
		L.capped_total++;
		L.n_capped = n - keep;
	} else {
		if (L.capped)
			LOG(NOTICE, "bgp",
			    "route cap no longer reached: %zu blocks", n);
		L.capped = 0;
		L.n_capped = 0;
	}
	for (i = 0; i < keep; i++) {
		struct route r = v[i];

		r.type = RT_FS;
		r.n_ports = (uint8_t)L.na.n_ports;
		memcpy(r.ports, L.na.ports, sizeof(r.ports));
		out[n_out++] = r;
		if ((r.p.fam == 4 && ext_cfg.rtbh4[0]) ||
		    (r.p.fam == 6 && ext_cfg.rtbh6[0])) {
			r.type = RT_RTBH;
			r.n_ports = 0;
			memset(r.ports, 0, sizeof(r.ports));
			out[n_out++] = r;
		}
	}
	free(v);
	qsort(out, n_out, sizeof(*out), route_qcmp);
	if (routes_same(out, n_out, L.want, L.n_want)) {
		free(out);
		return;
	}
	free(L.want);
	L.want = out;
	L.n_want = n_out;
	{
		struct route *copy = malloc((n_out + 1) * sizeof(*copy));
		uint64_t one = 1;

		if (!copy)
			return;
		memcpy(copy, out, n_out * sizeof(*copy));
		pthread_mutex_lock(&T.mu);
		free(T.want);
		T.want = copy;
		T.n_want = n_out;
		T.want_gen++;
		pthread_mutex_unlock(&T.mu);
		if (write(T.wake_fd, &one, sizeof(one)) < 0) {
			/* the thread also wakes on its own timer */
		}
	}
}

/* ---- learned blocks in force ---- */

static int peer_ok(const char *peer)
{
	unsigned int i;

	if (ext_cfg.learn_any)
		return 1;
	for (i = 0; i < ext_cfg.n_learn_from; i++)
		if (!strcmp(ext_cfg.learn_from[i], peer))
			return 1;
	return 0;
}

static int ports_hit(const struct learned *l)
{
	unsigned int i, j;

	for (i = 0; i < l->n_ports; i++)
		for (j = 0; j < L.na.n_ports; j++)
			if (l->ports[i] == L.na.ports[j])
				return 1;
	return 0;
}

struct cand {
	struct dyn_entry e;
	char origin[LEARN_ORIGIN_LEN];
};

static int cand_qcmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->e.cidr, y->e.cidr);

	if (c)
		return c;
	return strcmp(x->origin, y->origin);
}

static int str_qcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* From the thread's learned paths to the blocks in force; 1 if they
 * changed. */
static int learned_recompute(const struct dyn_state *local)
{
	struct cand *c;
	struct dyn_entry *v;
	char(*orig)[LEARN_ORIGIN_LEN];
	const char **locals;
	size_t i, j, n = 0, n_loc = 0, k;
	int64_t now = wall_s();
	int changed;

	L.learned_dirty = 0;
	memset(L.ign, 0, sizeof(L.ign));
	c = calloc(L.n_seen + 1, sizeof(*c));
	locals = calloc(local->n + 1, sizeof(*locals));
	if (!c || !locals) {
		free(c);
		free(locals);
		return 0;
	}
	for (i = 0; i < local->n; i++)
		if (local->v[i].kind == DYN_BLOCK)
			locals[n_loc++] = local->v[i].cidr;
	qsort(locals, n_loc, sizeof(*locals), str_qcmp);
	for (i = 0; i < L.n_seen; i++) {
		const struct learned *l = &L.seen[i];
		int64_t exp = l->first_seen + ext_cfg.learn_ttl;
		struct dyn_entry *e = &c[n].e;
		const char *why, *key;

		if (!peer_ok(l->peer)) {
			L.ign[IGN_PEER]++;
			continue;
		}
		if (!l->shape_ok) {
			L.ign[IGN_SHAPE]++;
			continue;
		}
		if (!l->discard) {
			L.ign[IGN_ACTION]++;
			continue;
		}
		if (!ports_hit(l)) {
			L.ign[IGN_PORTS]++;
			continue;
		}
		if (l->p.len < (l->p.fam == 4 ? ext_cfg.min4 : ext_cfg.min6)) {
			L.ign[IGN_PREFIX]++;
			continue;
		}
		why = no_announce_why(&L.na, &l->p);
		if (why) {
			L.ign[why[0] == 'a' ? IGN_ALLOW : IGN_PROTECTED]++;
			continue;
		}
		if (l->expires > 0 && l->expires < exp)
			exp = l->expires;
		if (exp <= now) {
			L.ign[IGN_EXPIRED]++;
			continue;
		}
		pfx_format(&l->p, e->cidr, sizeof(e->cidr));
		key = e->cidr;
		if (bsearch(&key, locals, n_loc, sizeof(*locals), str_qcmp)) {
			L.ign[IGN_LOCAL]++;
			continue;
		}
		e->kind = DYN_BLOCK;
		e->expires = exp;
		e->created = l->first_seen;
		snprintf(c[n].origin, sizeof(c[n].origin), "bgp:%s", l->peer);
		if (l->origin_as)
			snprintf(e->reason, sizeof(e->reason),
				 "bgp:%s AS%" PRIu32, l->peer, l->origin_as);
		else
			snprintf(e->reason, sizeof(e->reason), "bgp:%s",
				 l->peer);
		n++;
	}
	free(locals);
	/* One order (and one entry per CIDR, from the first peer by
	 * address), so that a change is a difference of arrays. */
	qsort(c, n, sizeof(*c), cand_qcmp);
	for (i = 0, k = 0; i < n; i++) {
		if (k && !strcmp(c[k - 1].e.cidr, c[i].e.cidr))
			continue;
		if (k >= ext_cfg.learn_max) {
			L.ign[IGN_MAX_N]++;
			continue;
		}
		c[k++] = c[i];
	}
	n = k;
	v = calloc(n + 1, sizeof(*v));
	orig = calloc(n + 1, sizeof(*orig));
	if (!v || !orig) {
		free(v);
		free(orig);
		free(c);
		return 0;
	}
	for (i = 0; i < n; i++) {
		v[i] = c[i].e;
		memcpy(orig[i], c[i].origin, sizeof(orig[i]));
	}
	free(c);
	changed = n != L.n_inforce;
	for (j = 0; !changed && j < n; j++)
		changed = strcmp(v[j].cidr, L.inforce[j].cidr) ||
			  v[j].expires != L.inforce[j].expires ||
			  strcmp(v[j].reason, L.inforce[j].reason);
	if (changed) {
		for (i = 0; i < n; i++)
			if (!bgp_learned_origin(v[i].cidr))
				LOG(NOTICE, "bgp",
				    "learned block %s from %s, expires %" PRId64,
				    v[i].cidr, v[i].reason, v[i].expires);
		LOG(NOTICE, "bgp", "%zu learned block%s in force", n,
		    n == 1 ? "" : "s");
	}
	free(L.inforce);
	free(L.origin);
	L.inforce = v;
	L.origin = orig;
	L.n_inforce = n;
	return changed;
}

void bgp_collect(void)
{
	uint64_t v;
	int fresh = 0;

	if (read(T.efd, &v, sizeof(v)) < 0) {
		/* spurious */
	}
	pthread_mutex_lock(&T.mu);
	if (T.learned_gen != L.seen_gen) {
		struct learned *c = malloc((T.n_learned + 1) * sizeof(*c));

		if (c) {
			if (T.n_learned)
				memcpy(c, T.learned, T.n_learned * sizeof(*c));
			free(L.seen);
			L.seen = c;
			L.n_seen = T.n_learned;
			L.seen_gen = T.learned_gen;
			fresh = 1;
		}
	}
	pthread_mutex_unlock(&T.mu);
	if (fresh)
		L.learned_dirty = 1;
}

int bgp_tick(const struct dyn_state *local)
{
	int64_t now = wall_s();
	size_t i;

	if (!L.on || !L.have_na)
		return 0;
	for (i = 0; i < L.n_inforce && !L.learned_dirty; i++)
		if (L.inforce[i].expires <= now)
			L.learned_dirty = 1;
	if (!L.learned_dirty)
		return 0;
	return learned_recompute(local);
}

int64_t bgp_next_wake(void)
{
	int64_t t = 0, now = wall_s();
	size_t i;

	if (!L.on)
		return 0;
	if (L.learned_dirty && L.have_na)
		return mono_ms();
	for (i = 0; i < L.n_inforce; i++)
		if (!t || L.inforce[i].expires < t)
			t = L.inforce[i].expires;
	if (!t)
		return 0;
	return mono_ms() + (t > now ? (t - now) * 1000 : 0);
}

const struct dyn_state *bgp_image_state(const struct dyn_state *local)
{
	struct dyn_entry *v;

	if (!L.n_inforce)
		return local;
	v = realloc(L.merged.v, (local->n + L.n_inforce) * sizeof(*L.merged.v));
	if (!v)
		return local;
	L.merged = *local;
	L.merged.v = v;
	if (local->n)
		memcpy(v, local->v, local->n * sizeof(*v));
	memcpy(v + local->n, L.inforce, L.n_inforce * sizeof(*v));
	L.merged.n = local->n + L.n_inforce;
	L.merged.cap = L.merged.n;
	return &L.merged;
}

void bgp_list(cJSON *entries)
{
	size_t i;

	for (i = 0; i < L.n_inforce; i++) {
		const struct dyn_entry *e = &L.inforce[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "kind", "block");
		cJSON_AddStringToObject(o, "cidr", e->cidr);
		cJSON_AddNumberToObject(o, "expires", (double)e->expires);
		cJSON_AddNumberToObject(o, "created", (double)e->created);
		cJSON_AddStringToObject(o, "reason", e->reason);
		cJSON_AddStringToObject(o, "origin", L.origin[i]);
		cJSON_AddItemToArray(entries, o);
	}
}

const char *bgp_learned_origin(const char *cidr)
{
	size_t i;

	for (i = 0; i < L.n_inforce; i++)
		if (!strcmp(L.inforce[i].cidr, cidr))
			return L.origin[i];
	return NULL;
}

cJSON *bgp_status(void)
{
	cJSON *o, *r;
	unsigned int i;

	if (!L.on)
		return NULL;
	o = cJSON_CreateObject();
	pthread_mutex_lock(&T.mu);
	cJSON_AddStringToObject(o, "api", ext_cfg.api);
	cJSON_AddBoolToObject(o, "up", T.up);
	cJSON_AddNumberToObject(o, "asn", T.asn);
	cJSON_AddNumberToObject(o, "announced_flowspec", (double)T.n_fs);
	cJSON_AddNumberToObject(o, "announced_rtbh", (double)T.n_rtbh);
	cJSON_AddNumberToObject(o, "deferred", (double)T.deferred);
	if (T.last_error[0])
		cJSON_AddStringToObject(o, "last_error", T.last_error);
	pthread_mutex_unlock(&T.mu);
	cJSON_AddNumberToObject(o, "blocks", (double)L.n_blocks);
	cJSON_AddNumberToObject(o, "wanted", (double)L.n_want);
	cJSON_AddNumberToObject(o, "max_routes", ext_cfg.max_routes);
	cJSON_AddBoolToObject(o, "capped", L.capped);
	cJSON_AddNumberToObject(o, "capped_out", (double)L.n_capped);
	cJSON_AddNumberToObject(o, "aggregated", (double)L.n_aggregated);
	r = cJSON_AddObjectToObject(o, "refused");
	cJSON_AddNumberToObject(r, "allow", (double)L.n_refused[0]);
	cJSON_AddNumberToObject(r, "protected", (double)L.n_refused[1]);
	cJSON_AddNumberToObject(r, "min_prefix", (double)L.n_refused[2]);
	cJSON_AddNumberToObject(o, "learned", (double)L.n_inforce);
	r = cJSON_AddObjectToObject(o, "learned_ignored");
	for (i = 0; i < IGN_N; i++)
		cJSON_AddNumberToObject(r, ign_names[i], (double)L.ign[i]);
	return o;
}

void bgp_metrics(FILE *f)
{
	static const char *const types[] = { "flowspec", "rtbh" };
	static const char *const refused[] = { "allow", "protected",
					       "min_prefix" };
	double ign[IGN_N];
	unsigned int i;

	if (!L.on)
		return;
	pthread_mutex_lock(&T.mu);
	metric_one(f, "mxgate_bgp_up", "gauge",
		   "1 if gobgpd answered the last full read of its RIB", T.up);
	METRIC_LABELLED(f, "mxgate_bgp_announced", "gauge",
			"Routes mxgated has in gobgpd's RIB, by type", "type",
			types, (double)T.n_fs, (double)T.n_rtbh);
	metric_one(f, "mxgate_bgp_deferred", "gauge",
		   "Route updates waiting for the churn limit",
		   (double)T.deferred);
	metric_family(f, "mxgate_bgp_updates_total", "counter",
		      "Route updates sent to gobgpd, by operation and result");
	metric_sample(f, "mxgate_bgp_updates_total",
		      "op=\"announce\",result=\"ok\"", (double)T.add_ok);
	metric_sample(f, "mxgate_bgp_updates_total",
		      "op=\"announce\",result=\"error\"", (double)T.add_err);
	metric_sample(f, "mxgate_bgp_updates_total",
		      "op=\"withdraw\",result=\"ok\"", (double)T.del_ok);
	metric_sample(f, "mxgate_bgp_updates_total",
		      "op=\"withdraw\",result=\"error\"", (double)T.del_err);
	pthread_mutex_unlock(&T.mu);
	metric_one(f, "mxgate_bgp_wanted", "gauge",
		   "Routes mxgated wants announced (after the cap)",
		   (double)L.n_want);
	metric_one(f, "mxgate_bgp_capped", "gauge",
		   "Blocks left unannounced by the route cap now",
		   (double)L.n_capped);
	metric_one(f, "mxgate_bgp_capped_total", "counter",
		   "Computations of the announced set that hit the route cap",
		   (double)L.capped_total);
	metric_one(f, "mxgate_bgp_aggregated", "gauge",
		   "Routes saved by aggregating blocks (over the cap)",
		   (double)L.n_aggregated);
	METRIC_LABELLED(f, "mxgate_bgp_refused", "gauge",
			"Blocks never announced, by reason", "reason", refused,
			(double)L.n_refused[0], (double)L.n_refused[1],
			(double)L.n_refused[2]);
	metric_one(f, "mxgate_bgp_learned", "gauge",
		   "Blocks learned from peers in force", (double)L.n_inforce);
	for (i = 0; i < IGN_N; i++)
		ign[i] = (double)L.ign[i];
	metric_labelled(f, "mxgate_bgp_learned_ignored", "gauge",
			"Peers' FlowSpec rules not applied, by reason",
			"reason", ign_names, ign, IGN_N);
}
