// SPDX-License-Identifier: BSD-3-Clause
/*
 * The offenders for the MTA and for other sites: the dynamic blocks
 * (local and learned) and the sources the engine dropped within
 * --offender-ttl, less what the policy allows or protects.
 *
 *   --rbl-dir DIR: rbldnsd datasets DIR/mxgate.ip4set and
 *     DIR/mxgate.ip6trie, each written to a temporary file, fsync'ed,
 *     renamed (rbldnsd reloads a dataset whose mtime changed, so it never
 *     reads half a file). Blocks answer 127.0.0.2, offenders 127.0.0.3,
 *     so that postscreen_dnsbl_sites can weight them apart.
 *   GET /drop.txt on the metrics port: the same in Spamhaus DROP format
 *     ("CIDR ; mxgate block"), which a policy imports as a spamhaus-drop
 *     set.
 *
 * Recomputed after every push and every heartbeat; files are written only
 * when their content changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctld_ext.h"

#define OFFENDERS_MAX 8192

struct offender {
	char src[DYN_CIDR_LEN];
	uint64_t dropped;
	int64_t last_drop; /* wall s */
};

static struct {
	struct no_announce na;
	int have_na;
	struct offender *off;
	size_t n_off;
	char *rbl4, *rbl6, *drop; /* the last content written */
	size_t n_blocks, n_offenders, n_refused;
	uint64_t writes_ok, writes_err;
} F;

void feeds_image(const struct mxg_policy_header *image)
{
	if (no_announce_from_image(image, &F.na) == 0)
		F.have_na = 1;
}

/* Remember when each top source's drops last grew. */
static void offenders_track(const struct snapshot *snap, int64_t now)
{
	unsigned int i;
	size_t j, k;

	if (!F.off) {
		F.off = calloc(OFFENDERS_MAX, sizeof(*F.off));
		if (!F.off)
			return;
	}
	for (i = 0; snap && snap->valid && i < snap->n_top; i++) {
		const struct snap_src *t = &snap->top[i];

		if (!t->dropped)
			continue;
		for (j = 0; j < F.n_off; j++)
			if (!strcmp(F.off[j].src, t->src))
				break;
		if (j == F.n_off) {
			if (F.n_off == OFFENDERS_MAX)
				continue; /* the oldest go below first */
			F.n_off++;
			snprintf(F.off[j].src, sizeof(F.off[j].src), "%s",
				 t->src);
			F.off[j].dropped = 0;
		}
		if (t->dropped != F.off[j].dropped)
			F.off[j].last_drop = now;
		F.off[j].dropped = t->dropped;
	}
	for (j = 0, k = 0; j < F.n_off; j++)
		if (now - F.off[j].last_drop < ext_cfg.offender_ttl)
			F.off[k++] = F.off[j];
	F.n_off = k;
}

static int write_atomic(const char *dir, const char *name, const char *text)
{
	char path[4096], tmp[4200];
	size_t len = strlen(text), done = 0;
	int fd, rc = 0, dfd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -errno;
			break;
		}
		done += (size_t)w;
	}
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static void add_line(FILE *f4, FILE *f6, FILE *fd, const struct pfx *p,
		     int block)
{
	char c[DYN_CIDR_LEN];

	pfx_format(p, c, sizeof(c));
	if (fd)
		fprintf(fd, "%s ; mxgate %s\n", c,
			block ? "block" : "offender");
	fprintf(p->fam == 4 ? f4 : f6, "%s :127.0.0.%d:mxgate %s: $\n", c,
		block ? 2 : 3, block ? "block" : "offender");
}

static char *close_text(FILE *f, char **buf)
{
	if (fclose(f)) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

void feeds_update(const struct dyn_state *image_state,
		  const struct snapshot *snap)
{
	char *b4 = NULL, *b6 = NULL, *bd = NULL, stamp[64];
	size_t l4 = 0, l6 = 0, ld = 0, i;
	struct pfx_set blocks = { 0 };
	FILE *f4, *f6, *fd;
	int64_t now = wall_s();
	time_t t = (time_t)now;
	struct tm tm;

	if (!F.have_na)
		return;
	offenders_track(snap, now);
	f4 = open_memstream(&b4, &l4);
	f6 = open_memstream(&b6, &l6);
	fd = open_memstream(&bd, &ld);
	if (!f4 || !f6 || !fd) {
		if (f4)
			fclose(f4);
		if (f6)
			fclose(f6);
		if (fd)
			fclose(fd);
		free(b4);
		free(b6);
		free(bd);
		return;
	}
	F.n_blocks = F.n_offenders = F.n_refused = 0;
	fprintf(f4, "# mxgate offenders (mxgated); 127.0.0.2 block, "
		    "127.0.0.3 offender\n");
	fprintf(f6, "# mxgate offenders (mxgated); 127.0.0.2 block, "
		    "127.0.0.3 offender\n");
	for (i = 0; i < image_state->n; i++) {
		const struct dyn_entry *e = &image_state->v[i];
		struct pfx p;

		if (e->kind != DYN_BLOCK || (e->expires && e->expires <= now) ||
		    pfx_parse(e->cidr, &p))
			continue;
		if (no_announce_why(&F.na, &p)) {
			F.n_refused++;
			continue;
		}
		pfx_set_add(&blocks, &p);
	}
	pfx_set_sort(&blocks);
	for (i = 0; i < blocks.n; i++) {
		add_line(f4, f6, NULL, &blocks.v[i], 1);
		F.n_blocks++;
	}
	/* The DROP list gets the blocks in address order, then the
	 * offenders not inside a block. */
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (i = 0; i < blocks.n; i++) {
		char c[DYN_CIDR_LEN];

		pfx_format(&blocks.v[i], c, sizeof(c));
		fprintf(fd, "%s ; mxgate block\n", c);
	}
	for (i = 0; i < F.n_off; i++) {
		char c[DYN_CIDR_LEN + 8];
		struct pfx p;

		snprintf(c, sizeof(c), "%s%s", F.off[i].src,
			 strchr(F.off[i].src, '/') ? "" :
			 strchr(F.off[i].src, ':') ? "/128" :
						     "/32");
		if (pfx_parse(c, &p) || pfx_set_overlaps(&blocks, &p))
			continue;
		if (no_announce_why(&F.na, &p)) {
			F.n_refused++;
			continue;
		}
		add_line(f4, f6, fd, &p, 0);
		F.n_offenders++;
	}
	pfx_set_free(&blocks);
	b4 = close_text(f4, &b4);
	b6 = close_text(f6, &b6);
	bd = close_text(fd, &bd);
	if (!b4 || !b6 || !bd) {
		free(b4);
		free(b6);
		free(bd);
		return;
	}
	if (!F.drop || strcmp(F.drop, bd)) {
		char *page = NULL;
		size_t plen = 0;
		FILE *pf = open_memstream(&page, &plen);

		if (pf) {
			fprintf(pf,
				"; mxgate offenders, %s: %zu blocks, %zu "
				"offenders (Spamhaus DROP format)\n%s",
				stamp, F.n_blocks, F.n_offenders, bd);
			if (!fclose(pf))
				metrics_publish_drop(page, plen);
		}
		free(page);
	}
	free(F.drop);
	F.drop = bd;
	if (ext_cfg.rbl_dir &&
	    (!F.rbl4 || strcmp(F.rbl4, b4) || !F.rbl6 || strcmp(F.rbl6, b6))) {
		int rc = write_atomic(ext_cfg.rbl_dir, "mxgate.ip4set", b4);

		if (!rc)
			rc = write_atomic(ext_cfg.rbl_dir, "mxgate.ip6trie",
					  b6);
		if (rc) {
			F.writes_err++;
			LOG(ERR, "feeds", "%s: %s", ext_cfg.rbl_dir,
			    strerror(-rc));
			free(b4);
			free(b6);
			return; /* tried again next time */
		}
		F.writes_ok++;
		LOG(INFO, "feeds",
		    "rbldnsd datasets: %zu blocks, %zu offenders", F.n_blocks,
		    F.n_offenders);
	}
	free(F.rbl4);
	free(F.rbl6);
	F.rbl4 = b4;
	F.rbl6 = b6;
}

void feeds_metrics(FILE *f)
{
	static const char *const kinds[] = { "block", "offender" };
	static const char *const ok_error[] = { "ok", "error" };

	if (!F.have_na)
		return;
	METRIC_LABELLED(f, "mxgate_offenders_listed", "gauge",
			"Entries of the offender feeds (rbldnsd, /drop.txt) by "
			"kind",
			"kind", kinds, (double)F.n_blocks,
			(double)F.n_offenders);
	metric_one(f, "mxgate_offenders_refused", "gauge",
		   "Offenders left out of the feeds: inside an allow set or "
		   "protected",
		   (double)F.n_refused);
	if (!ext_cfg.rbl_dir)
		return;
	METRIC_LABELLED(f, "mxgate_rbl_writes_total", "counter",
			"rbldnsd dataset rewrites by result", "result",
			ok_error, (double)F.writes_ok, (double)F.writes_err);
}

void feeds_stop(void)
{
	no_announce_free(&F.na);
	free(F.off);
	free(F.rbl4);
	free(F.rbl6);
	free(F.drop);
	memset(&F, 0, sizeof(F));
}
