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

#include "ctl_client.h"
#include "mxgate/ctl.h"
#include "mxgate/policy.h"
#include "policy_compile.h"

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
	return 2;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat sb;
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &sb) < 0 || sb.st_size <= 0) {
		fclose(f);
		return -EINVAL;
	}
	buf = malloc((size_t)sb.st_size);
	if (!buf ||
	    fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*out = buf;
	*len = (size_t)sb.st_size;
	return 0;
}

/* A policy file: a compiled image as is, or JSON compiled here. */
static int load_policy(const char *path, uint64_t generation, uint8_t **out,
		       size_t *len)
{
	struct mxg_policy_header *h;
	uint8_t *buf = NULL;
	size_t n = 0;
	int rc = read_file(path, &buf, &n);

	if (rc)
		return rc;
	if (n >= sizeof(*h) &&
	    ((struct mxg_policy_header *)buf)->magic == MXG_POLICY_MAGIC) {
		h = (struct mxg_policy_header *)buf;
	} else {
		struct mxg_diag diag;
		unsigned int i;

		free(buf);
		mxg_diag_init(&diag);
		rc = mxg_policy_compile_file(path, &h, &diag);
		for (i = 0; i < diag.stored; i++)
			fprintf(stderr, "%s\n", diag.lines[i]);
		mxg_diag_free(&diag);
		if (rc)
			return rc;
		n = h->total_len;
	}
	if (generation) {
		h->generation = generation;
		h->checksum = mxg_policy_checksum(h, h->total_len);
	}
	*out = (uint8_t *)h;
	*len = n;
	return 0;
}

static int show(const char *what, int rc, struct mxg_ctl_result *r)
{
	if (rc) {
		fprintf(stderr, "dpctl: %s: %s\n", what, strerror(-rc));
		return 1;
	}
	if (r->status) {
		fprintf(stderr, "dpctl: %s refused (%s): %s\n", what,
			strerror(-r->status), r->text);
		return 1;
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
	if (rc) {
		fprintf(stderr, "dpctl: %s: %s\n", argv[2], strerror(-rc));
		return 1;
	}
	f = fopen(argv[3], "wb");
	if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "dpctl: cannot write %s\n", argv[3]);
		return 1;
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
	if (rc) {
		fprintf(stderr, "dpctl: %s: %s\n", argv[3], strerror(-rc));
		return 1;
	}
	rc = mxg_ctl_connect(argv[2], &fd);
	if (rc) {
		fprintf(stderr, "dpctl: connect %s: %s\n", argv[2],
			strerror(-rc));
		return 1;
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
		if (rc) {
			fprintf(stderr, "dpctl: %s: %s\n", argv[4 + k],
				strerror(-rc));
			return 1;
		}
	}
	rc = mxg_ctl_connect(argv[2], &fd);
	if (rc) {
		fprintf(stderr, "dpctl: connect: %s\n", strerror(-rc));
		return 1;
	}
	for (i = 0; i < count; i++) {
		struct mxg_ctl_result r;
		int err = mxg_ctl_load_image(fd, img[i & 1], len[i & 1], 0, &r);

		if (err || r.status) {
			fprintf(stderr, "dpctl: reload %lu: %s\n", i + 1,
				err ? strerror(-err) : r.text);
			mxg_ctl_result_free(&r);
			close(fd);
			return 1;
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
		fprintf(stderr, "dpctl: connect %s: %s\n", argv[2],
			strerror(-rc));
		return 1;
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
	if (rc) {
		fprintf(stderr, "dpctl: %s: %s\n", argv[4], strerror(-rc));
		return 2;
	}
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
			return 2;
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
			return 2;
		req.image_len = big;
	} else if (mxg_ctl_memfd(img, len, &memfd)) {
		return 2;
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
			return 2;
		memcpy(msg, &req, sizeof(req));
		msg_len = MXG_CTL_REQ_MAX + 512;
		((struct mxg_ctl_hdr *)msg)->length = (uint32_t)msg_len;
	} else if (strcmp(kind, "nofd") == 0) {
		pass = -1;
	} else if (strcmp(kind, "pipefd") == 0) {
		if (pipe(pipefd))
			return 2;
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
		fprintf(stderr, "dpctl: connect: %s\n", strerror(-rc));
		return 2;
	}
	if (strcmp(kind, "twofds") == 0) {
		/* two SCM_RIGHTS fds in one message */
		union {
			char buf[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr align;
		} ctrl;
		struct iovec iov = { .iov_base = msg, .iov_len = msg_len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct cmsghdr *c;
		int two[2];

		extra = dup(memfd);
		two[0] = memfd;
		two[1] = extra;
		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = sizeof(ctrl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(two));
		memcpy(CMSG_DATA(c), two, sizeof(two));
		rc = sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
	} else {
		rc = mxg_ctl_send(fd, msg, msg_len, pass);
	}
	if (rc) {
		fprintf(stderr, "dpctl: send: %s\n", strerror(-rc));
		return 2;
	}
	rc = mxg_ctl_recv(fd, msg_len >= sizeof(struct mxg_ctl_hdr) ? seq : 0,
			  MXG_CTL_TIMEOUT_MS, &r);
	if (rc) {
		fprintf(stderr, "dpctl: bad %s: no reply: %s\n", kind,
			strerror(-rc));
		return 1;
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
