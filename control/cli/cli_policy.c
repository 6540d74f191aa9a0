// SPDX-License-Identifier: BSD-3-Clause
/* Loading a policy or a compiled image for a command line (cli_policy.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_policy.h"
#include "policy_image.h"

static void __attribute__((format(printf, 2, 3)))
add_line(struct mxg_diag *d, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	int n;

	d->count++;
	if (d->stored >= MXG_DIAG_MAX)
		return;
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n >= 0)
		d->lines[d->stored++] = line;
}

/* The image in fd, at most MXG_POLICY_IMAGE_MAX bytes, checked. */
static int read_image(struct mxg_cli_policy *p, int fd)
{
	const char *why = NULL;
	struct stat sb;
	size_t done = 0;
	uint8_t *buf;
	int rc;

	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		goto unreadable;
	}
	if (!S_ISREG(sb.st_mode)) {
		add_line(&p->diag, "%s: the policy image is not a regular file",
			 p->path);
		return -EINVAL;
	}
	if (sb.st_size <= 0 || (uint64_t)sb.st_size > MXG_POLICY_IMAGE_MAX) {
		add_line(&p->diag,
			 "%s: not a policy image: %lld bytes (1 to %llu)",
			 p->path, (long long)sb.st_size,
			 (unsigned long long)MXG_POLICY_IMAGE_MAX);
		return -EINVAL;
	}
	buf = malloc((size_t)sb.st_size);
	if (!buf) {
		rc = -ENOMEM;
		goto unreadable;
	}
	while (done < (size_t)sb.st_size) {
		ssize_t n = pread(fd, buf + done, (size_t)sb.st_size - done,
				  (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			free(buf);
			goto unreadable;
		}
		done += (size_t)n;
	}
	if (mxg_policy_image_check(buf, done, &why)) {
		add_line(&p->diag, "%s: invalid policy image: %s", p->path,
			 why ? why : "rejected");
		free(buf);
		return -EINVAL;
	}
	p->image = (struct mxg_policy_header *)buf;
	p->len = done;
	return 0;

unreadable:
	add_line(&p->diag, "%s: cannot read the policy image: %s", p->path,
		 strerror(-rc));
	return rc;
}

/* An image file starts with the image magic; JSON cannot. */
static int has_image_magic(int fd)
{
	uint32_t magic = 0;

	return pread(fd, &magic, sizeof(magic), 0) == sizeof(magic) &&
	       magic == MXG_POLICY_MAGIC;
}

int mxg_cli_policy_load(struct mxg_cli_policy *p, const char *path,
			enum mxg_cli_policy_kind kind)
{
	int fd = -1, rc;

	memset(p, 0, sizeof(*p));
	mxg_diag_init(&p->diag);
	p->path = path;
	if (kind != MXG_CLI_POLICY_JSON)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (kind == MXG_CLI_POLICY_IMAGE && fd < 0) {
		rc = -errno;
		add_line(&p->diag, "%s: cannot read the policy image: %s", path,
			 strerror(-rc));
		return rc;
	}
	if (fd >= 0 && (kind == MXG_CLI_POLICY_IMAGE || has_image_magic(fd))) {
		rc = read_image(p, fd);
		close(fd);
		return rc;
	}
	if (fd >= 0)
		close(fd);
	/* JSON, or a file that could not be opened: the compiler says why. */
	rc = mxg_policy_compile_file(path, &p->image, &p->diag);
	if (rc) {
		if (!p->diag.stored)
			add_line(&p->diag, "%s: cannot compile the policy: %s",
				 path, strerror(-rc));
		return rc;
	}
	p->len = p->image->total_len;
	p->compiled = 1;
	return 0;
}

void mxg_cli_policy_free(struct mxg_cli_policy *p)
{
	free(p->image);
	p->image = NULL;
	mxg_diag_free(&p->diag);
}

void mxg_cli_policy_error(const struct mxg_cli_policy *p)
{
	unsigned int more = p->diag.count ? p->diag.count - 1 : 0;

	if (!p->diag.stored)
		mxg_cli_error("%s: cannot load the policy", p->path);
	else if (!more)
		mxg_cli_error("%s", p->diag.lines[0]);
	else
		mxg_cli_error("%s (and %u more error%s: see `mxgatectl check "
			      "%s`)",
			      p->diag.lines[0], more, more == 1 ? "" : "s",
			      p->path);
}

void mxg_cli_policy_load_or_exit(struct mxg_cli_policy *p, const char *path,
				 enum mxg_cli_policy_kind kind)
{
	if (mxg_cli_policy_load(p, path, kind) == 0)
		return;
	mxg_cli_policy_error(p);
	exit(MXG_EXIT_USAGE);
}
