// SPDX-License-Identifier: BSD-3-Clause
/*
 * Set files, and reading a file whole.
 *
 * Set file formats, both tolerant of CRLF and trailing white space:
 *   spamhaus-drop  "CIDR ; SBLnnnn" lines; ';' starts a comment, on its
 *                  own line or after the CIDR; blank lines are ignored.
 *   plain          one CIDR or address per line; '#' starts a comment.
 * A line that does not parse is an error reported as FILE:LINE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_cidr.h"
#include "policy_diag.h"
#include "policy_errors.h"
#include "policy_path.h"
#include "policy_sets.h"

int pol_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	size_t cap, n = 0;
	struct stat st;
	char *b;
	int fd, rc, flags;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO must not hang us; it is refused below. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto close_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto close_fd;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = -EFBIG;
		goto close_fd;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	/* The size may change under us (or be 0 in /proc): read to EOF. */
	cap = (size_t)st.st_size + 1;
	if (cap < 4096)
		cap = 4096;
	if (cap > max + 1)
		cap = max + 1;
	b = malloc(cap + 1);
	if (!b) {
		rc = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				rc = -EFBIG;
				goto free_buf;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				rc = -ENOMEM;
				goto free_buf;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto free_buf;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		rc = -EFBIG;
		goto free_buf;
	}
	b[n] = '\0';
	close(fd);
	*buf = b;
	*len = n;
	return 0;

free_buf:
	free(b);
close_fd:
	close(fd);
	return rc;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

int pol_set_parse_text(struct pol_ctx *c, struct pol_policy *p,
		       struct pol_set *set, const char *file, const char *text,
		       size_t len)
{
	char comment = set->format == POL_FORMAT_SPAMHAUS_DROP ? ';' : '#';
	char path[POL_PATH_MAX], why[160], q[96];
	struct pol_path pp = { .len = 0 };
	unsigned long lineno = 0;
	size_t pos = 0;
	int rc;

	pp.s[0] = '\0';
	pol_path_key(&pp, "sets");
	pol_path_key(&pp, set->name);
	snprintf(path, sizeof(path), "%s", pp.s);
	while (pos < len) {
		const char *line = text + pos, *nl, *end, *cut;
		struct pol_prefix pfx;
		size_t i, n;

		nl = memchr(line, '\n', len - pos);
		end = nl ? nl : text + len;
		pos = (size_t)(end - text) + (nl ? 1 : 0);
		lineno++;
		cut = memchr(line, comment, (size_t)(end - line));
		if (cut)
			end = cut;
		while (line < end && is_space(*line))
			line++;
		while (end > line && is_space(end[-1]))
			end--;
		n = (size_t)(end - line);
		if (!n)
			continue;
		for (i = 0; i < n; i++)
			if (is_space(line[i]))
				break;
		if (i < n) {
			pol_quote(q, sizeof(q), line, n, 60);
			pol_error_file(
				c, set->file_f.off, file, lineno, path,
				"expected one CIDR per line%s, got %s",
				comment == ';' ? " (then \"; comment\")" : "",
				q);
			set->ok = 0;
			continue;
		}
		if (pol_cidr_parse(line, n, &pfx, why, sizeof(why))) {
			pol_quote(q, sizeof(q), line, n, 60);
			pol_error_file(c, set->file_f.off, file, lineno, path,
				       "bad CIDR %s: %s", q, why);
			set->ok = 0;
			continue;
		}
		if (p->n_prefixes_given >= MXG_PREFIXES_MAX) {
			pol_error_file(c, set->file_f.off, file, lineno, path,
				       "more than %u prefixes in all sets",
				       MXG_PREFIXES_MAX);
			set->ok = 0;
			return 0;
		}
		rc = pol_prefix_list_add(&set->list, &pfx);
		if (rc)
			return rc;
		p->n_prefixes_given++;
	}
	return 0;
}

static int set_file_path(const struct pol_ctx *c, const char *file, char *out,
			 size_t out_len)
{
	int n;

	if (file[0] == '/' || !c->base_dir || !c->base_dir[0])
		n = snprintf(out, out_len, "%s", file);
	else
		n = snprintf(out, out_len, "%s/%s", c->base_dir, file);
	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

int pol_sets_load(struct pol_ctx *c, struct pol_policy *p)
{
	char path[4096], q[96], qp[96];
	unsigned int i;
	int rc;

	for (i = 0; i < p->n_sets; i++) {
		struct pol_set *set = &p->sets[i];
		struct pol_path pp = { .len = 0 };
		char *text;
		size_t len;

		if (!set->is_file || !set->file_f.ok || !set->format_f.ok)
			continue;
		pp.s[0] = '\0';
		pol_path_key(&pp, "sets");
		pol_path_key(&pp, set->name);
		pol_path_key(&pp, "file");
		pol_quote(q, sizeof(q), set->file, strlen(set->file), 80);
		if (set_file_path(c, set->file, path, sizeof(path))) {
			pol_error(c, set->file_f.off, pp.s,
				  "path %s is too long", q);
			set->ok = 0;
			continue;
		}
		pol_quote(qp, sizeof(qp), path, strlen(path), 80);
		rc = pol_read_file(path, MXG_SET_FILE_MAX, &text, &len);
		if (rc == -ENOMEM)
			return rc;
		if (rc == -EFBIG) {
			pol_error(c, set->file_f.off, pp.s,
				  "set file %s is larger than %llu bytes", qp,
				  (unsigned long long)MXG_SET_FILE_MAX);
		} else if (rc == -EINVAL) {
			pol_error(c, set->file_f.off, pp.s,
				  "set file %s is not a regular file", qp);
		} else if (rc) {
			pol_error(c, set->file_f.off, pp.s,
				  "cannot read set file %s: %s", qp,
				  strerror(-rc));
		}
		if (rc) {
			set->ok = 0;
			continue;
		}
		rc = pol_set_parse_text(c, p, set, path, text, len);
		free(text);
		if (rc)
			return rc;
	}
	return 0;
}
