// SPDX-License-Identifier: BSD-3-Clause
/*
 * dpctl: a test client for mxgate-dp's control socket, on the client
 * library (control/ctl/ctl_client.h).
 *
 *   dpctl compile POLICY.json OUT.img [GENERATION]
 *   dpctl load SOCK POLICY.json|IMAGE [GENERATION [EXPECT]]
 *   dpctl reload-loop SOCK COUNT A B [MS]     alternate A and B
 *   dpctl stats SOCK [TOP]                     summary JSON
 *   dpctl dpstats SOCK                         data plane counters JSON
 *   dpctl bad SOCK KIND IMAGE                  a malformed request
 *
 * 'bad' sends one malformed request of KIND and exits 0 only if the
 * server refused it with an error reply. KIND imgversion is a valid image
 * but for its version field (checksum recomputed); toobig a sealed,
 * sparse memfd one page over MXG_POLICY_IMAGE_MAX with the image at its
 * start, announced at that size. Exit status otherwise: 0 ok,
 * 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_policy.h"
#include "ctl_client.h"
#include "mxgate/ctl.h"
#include "mxgate/policy.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: dpctl compile POLICY.json OUT.img [GENERATION]\n"
		"       dpctl load SOCK POLICY.json|IMAGE [GENERATION [EXPECT]]\n"
		"       dpctl reload-loop SOCK COUNT A B [INTERVAL_MS]\n"
		"       dpctl stats SOCK [TOP]\n"
		"       dpctl dpstats SOCK\n"
		"       dpctl bad SOCK KIND IMAGE\n"
		"KIND: truncated magic version length type oversize nofd\n"
		"      pipefd unsealed size reqsum checksum corrupt twofds\n"
		"      statsfd flags imgversion toobig\n");
	return MXG_EXIT_USAGE;
}

/* A policy file: a compiled image (checked), or JSON compiled here; on
 * failure the error line is printed. */
static int load_policy(const char *path, uint64_t generation, uint8_t **out,
		       size_t *len)
{
	struct mxg_cli_policy p;
	int rc = mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_ANY);

	if (rc) {
		mxg_cli_policy_error(&p);
		mxg_cli_policy_free(&p);
		return rc;
	}
	if (generation) {
		p.image->generation = generation;
		p.image->checksum = mxg_policy_checksum(p.image, p.len);
	}
	*out = (uint8_t *)p.image;
	*len = p.len;
	p.image = NULL;
	mxg_cli_policy_free(&p);
	return 0;
}

static int show(const char *what, int rc, struct mxg_ctl_result *r)
{
	if (rc) {
		mxg_cli_error("%s: %s", what, strerror(-rc));
		return MXG_EXIT_FAIL;
	}
	if (r->status) {
		mxg_cli_error("%s refused (%s): %s", what, strerror(-r->status),
			      r->text);
		return MXG_EXIT_FAIL;
	}
	printf("%s%s", r->text,
	       r->text_len && r->text[r->text_len - 1] == '\n' ? "" : "\n");
	return 0;
}

static int cmd_compile(int argc, char **argv)
{
	uint8_t *img;
	size_t len;
	FILE *f;
	int rc;

	if (argc < 4)
		return usage();
	rc = load_policy(argv[2], argc > 4 ? strtoull(argv[4], NULL, 10) : 0,
			 &img, &len);
	if (rc)
		return MXG_EXIT_FAIL;
	f = fopen(argv[3], "wb");
	if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
		mxg_cli_error("cannot write %s", argv[3]);
		return MXG_EXIT_FAIL;
	}
	free(img);
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	struct mxg_ctl_result r;
	uint8_t *img;
	size_t len;
	int fd, rc;

	if (argc < 4)
		return usage();
	rc = load_policy(argv[3], argc > 4 ? strtoull(argv[4], NULL, 10) : 0,
			 &img, &len);
	if (rc)
		return MXG_EXIT_FAIL;
	rc = mxg_ctl_connect(argv[2], &fd);
	if (rc) {
		mxg_cli_error("connect %s: %s", argv[2], strerror(-rc));
		return MXG_EXIT_FAIL;
	}
	rc = show("load",
		  mxg_ctl_load_image(fd, img, len,
				     argc > 5 ? strtoull(argv[5], NULL, 10) : 0,
				     &r),
		  &r);
	mxg_ctl_result_free(&r);
	close(fd);
	free(img);
	return rc;
}

static int cmd_reload_loop(int argc, char **argv)
{
	uint8_t *img[2];
	size_t len[2];
	unsigned long count, i, interval_ms;
	int fd, rc, k;

	if (argc < 6)
		return usage();
	count = strtoul(argv[3], NULL, 10);
	interval_ms = argc > 6 ? strtoul(argv[6], NULL, 10) : 0;
	for (k = 0; k < 2; k++) {
		rc = load_policy(argv[4 + k], 0, &img[k], &len[k]);
		if (rc)
			return MXG_EXIT_FAIL;
	}
	rc = mxg_ctl_connect(argv[2], &fd);
	if (rc) {
		mxg_cli_error("connect: %s", strerror(-rc));
		return MXG_EXIT_FAIL;
	}
	for (i = 0; i < count; i++) {
		struct mxg_ctl_result r;
		int err = mxg_ctl_load_image(fd, img[i & 1], len[i & 1], 0, &r);

		if (err || r.status) {
			mxg_cli_error("reload %lu: %s", i + 1,
				      err ? strerror(-err) : r.text);
			mxg_ctl_result_free(&r);
			close(fd);
			return MXG_EXIT_FAIL;
		}
		mxg_ctl_result_free(&r);
		if (interval_ms)
			usleep((useconds_t)(interval_ms * 1000));
	}
	printf("%lu reloads\n", count);
	close(fd);
	free(img[0]);
	free(img[1]);
	return 0;
}

static int cmd_stats(int argc, char **argv, uint16_t type)
{
	struct mxg_ctl_result r;
	int fd, rc;

	if (argc < 3)
		return usage();
	rc = mxg_ctl_connect(argv[2], &fd);
	if (rc) {
		mxg_cli_error("connect %s: %s", argv[2], strerror(-rc));
		return MXG_EXIT_FAIL;
	}
	rc = show("stats",
		  mxg_ctl_stats(
			  fd, type,
			  argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10,
			  &r),
		  &r);
	mxg_ctl_result_free(&r);
	close(fd);
	return rc;
}

/* One malformed request of 'kind'; 0 if the server refused it. */
static int cmd_bad(int argc, char **argv)
{
	const char *kind;
	struct mxg_ctl_load req;
	struct mxg_ctl_result r;
	uint8_t *img, *msg = (uint8_t *)&req;
	size_t len, msg_len = sizeof(req);
	int fd, memfd = -1, extra = -1, pass = -1, rc, pipefd[2] = { -1, -1 };
	uint32_t seq = 4242;

	if (argc < 5)
		return usage();
	kind = argv[3];
	rc = load_policy(argv[4], 0, &img, &len);
	if (rc)
		return MXG_EXIT_USAGE;
	if (strcmp(kind, "checksum") == 0) {
		/* image bytes changed, checksum left: the image check fails */
		img[len - 1] ^= 0x5a;
	} else if (strcmp(kind, "imgversion") == 0) {
		/* an image format this data plane does not know, checksum
		 * recomputed: only the version field is wrong */
		struct mxg_policy_header *h = (struct mxg_policy_header *)img;

		h->version = MXG_POLICY_VERSION + 1;
		h->checksum = mxg_policy_checksum(h, len);
	} else if (strcmp(kind, "corrupt") == 0) {
		/* a header count out of range, checksum recomputed */
		struct mxg_policy_header *h = (struct mxg_policy_header *)img;

		h->n_rules = MXG_RULES_MAX + 1;
		h->checksum = mxg_policy_checksum(h, len);
	}
	memset(&req, 0, sizeof(req));
	mxg_ctl_hdr_init(&req.hdr, MXG_CTL_LOAD_IMAGE, sizeof(req), seq);
	req.image_len = len;
	req.checksum = ((struct mxg_policy_header *)img)->checksum;
	if (strcmp(kind, "unsealed") == 0) {
		memfd = memfd_create("unsealed", MFD_CLOEXEC);
		if (memfd < 0 || write(memfd, img, len) != (ssize_t)len)
			return MXG_EXIT_USAGE;
	} else if (strcmp(kind, "toobig") == 0) {
		/* sparse: no memory behind the pages past the image */
		uint64_t big = MXG_POLICY_IMAGE_MAX + 4096;

		((struct mxg_policy_header *)img)->total_len = big;
		memfd = memfd_create("toobig", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (memfd < 0 || ftruncate(memfd, (off_t)big) < 0 ||
		    pwrite(memfd, img, len, 0) != (ssize_t)len ||
		    fcntl(memfd, F_ADD_SEALS,
			  F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
				  F_SEAL_SEAL) < 0)
			return MXG_EXIT_USAGE;
		req.image_len = big;
	} else if (mxg_ctl_memfd(img, len, &memfd)) {
		return MXG_EXIT_USAGE;
	}
	pass = memfd;

	if (strcmp(kind, "truncated") == 0) {
		msg_len = 10;
	} else if (strcmp(kind, "magic") == 0) {
		req.hdr.magic ^= 1;
	} else if (strcmp(kind, "version") == 0) {
		req.hdr.version = MXG_CTL_VERSION + 1;
	} else if (strcmp(kind, "length") == 0) {
		req.hdr.length = sizeof(req) + 8;
	} else if (strcmp(kind, "type") == 0) {
		req.hdr.type = 99;
	} else if (strcmp(kind, "oversize") == 0) {
		msg = calloc(1, MXG_CTL_REQ_MAX + 512);
		if (!msg)
			return MXG_EXIT_USAGE;
		memcpy(msg, &req, sizeof(req));
		msg_len = MXG_CTL_REQ_MAX + 512;
		((struct mxg_ctl_hdr *)msg)->length = (uint32_t)msg_len;
	} else if (strcmp(kind, "nofd") == 0) {
		pass = -1;
	} else if (strcmp(kind, "pipefd") == 0) {
		if (pipe(pipefd))
			return MXG_EXIT_USAGE;
		pass = pipefd[0];
	} else if (strcmp(kind, "size") == 0) {
		req.image_len = len + 4096;
	} else if (strcmp(kind, "reqsum") == 0) {
		req.checksum ^= 1;
	} else if (strcmp(kind, "flags") == 0) {
		req.flags = 1;
	} else if (strcmp(kind, "statsfd") == 0) {
		struct mxg_ctl_stats *st = (struct mxg_ctl_stats *)&req;

		memset(&req, 0, sizeof(req));
		mxg_ctl_hdr_init(&st->hdr, MXG_CTL_STATS, sizeof(*st), seq);
		msg_len = sizeof(*st);
	} else if (strcmp(kind, "twofds") != 0 &&
		   strcmp(kind, "checksum") != 0 &&
		   strcmp(kind, "corrupt") != 0 &&
		   strcmp(kind, "unsealed") != 0 &&
		   strcmp(kind, "imgversion") != 0 &&
		   strcmp(kind, "toobig") != 0) {
		return usage();
	}
	rc = mxg_ctl_connect(argv[2], &fd);
	if (rc) {
		mxg_cli_error("connect: %s", strerror(-rc));
		return MXG_EXIT_USAGE;
	}
	if (strcmp(kind, "twofds") == 0) {
		/* two SCM_RIGHTS fds in one message */
		int two[2];

		extra = dup(memfd);
		two[0] = memfd;
		two[1] = extra;
		rc = mxg_ctl_send_fds(fd, msg, msg_len, two, 2);
	} else {
		rc = mxg_ctl_send(fd, msg, msg_len, pass);
	}
	if (rc) {
		mxg_cli_error("send: %s", strerror(-rc));
		return MXG_EXIT_USAGE;
	}
	rc = mxg_ctl_recv(fd, msg_len >= sizeof(struct mxg_ctl_hdr) ? seq : 0,
			  MXG_CTL_TIMEOUT_MS, &r);
	if (rc) {
		mxg_cli_error("bad %s: no reply: %s", kind, strerror(-rc));
		return MXG_EXIT_FAIL;
	}
	printf("bad %s: status %d (%s): %s\n", kind, r.status,
	       r.status ? strerror(-r.status) : "accepted", r.text);
	rc = r.status < 0 ? 0 : 1;
	mxg_ctl_result_free(&r);
	close(fd);
	close(memfd);
	if (extra >= 0)
		close(extra);
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (msg != (uint8_t *)&req)
		free(msg);
	free(img);
	return rc;
}

int main(int argc, char **argv)
{
	mxg_cli_init("dpctl");
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "compile") == 0)
		return cmd_compile(argc, argv);
	if (strcmp(argv[1], "load") == 0)
		return cmd_load(argc, argv);
	if (strcmp(argv[1], "reload-loop") == 0)
		return cmd_reload_loop(argc, argv);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc, argv, MXG_CTL_STATS);
	if (strcmp(argv[1], "dpstats") == 0)
		return cmd_stats(argc, argv, MXG_CTL_DP_STATS);
	if (strcmp(argv[1], "bad") == 0)
		return cmd_bad(argc, argv);
	return usage();
}
