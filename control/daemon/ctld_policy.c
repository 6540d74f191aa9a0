// SPDX-License-Identifier: BSD-3-Clause
/*
 * The policy mxgated puts in force: the operator's file, compiled alone
 * for its diagnostics, then again with the dynamic entries in front:
 *
 *   rules[0] mxgated-block  src @mxgated-block, deny     (if any block)
 *   rules[1] mxgated-brake  global limit at the brake    (if pulled)
 *   rules[2] mxgated-allow  src @mxgated-allow, allow    (if any allow)
 *   rules[3..] the file's rules, unchanged
 *
 * Rule names are the buckets' stable ids, so the file's rules keep their
 * state however the dynamic entries change.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mxgated.h"
#include "policy_compile.h"

/* The lines of a failed compile, as mxgatectl check prints them. */
static void diag_to_strv(const char *name, const struct mxg_diag *d, int rc,
			 struct strv *errs)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		strv_add(errs, "%s: %s", name, strerror(-rc));
		return;
	}
	mxg_diag_print(f, name, d, rc);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		strv_add(errs, "%s", line);
	free(buf);
}

static char *read_text(const char *path, size_t *len, struct strv *errs)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		strv_add(errs, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > MXG_POLICY_FILE_MAX) {
		strv_add(errs, "%s: not a regular file of at most %d bytes",
			 path, MXG_POLICY_FILE_MAX);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Is 'path' (resolved) inside directory 'dir' (resolved)? */
static int inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return 1;
	return !strncmp(path, dir, n) && path[n] == '/';
}

/* Set files only under the policy's directory (or --allow-set-dir). */
static void check_set_paths(const struct policy_src *p, const cJSON *doc,
			    struct strv *errs)
{
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(doc, "sets");
	const cJSON *s;

	if (!cJSON_IsObject(sets))
		return;
	cJSON_ArrayForEach(s, sets)
	{
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(s, "file");
		char joined[PATH_MAX * 2], real[PATH_MAX];

		if (!cJSON_IsObject(s) || !cJSON_IsString(file))
			continue;
		if (file->valuestring[0] == '/')
			snprintf(joined, sizeof(joined), "%s",
				 file->valuestring);
		else
			snprintf(joined, sizeof(joined), "%s/%s", p->dir,
				 file->valuestring);
		if (!realpath(joined, real))
			continue; /* the compiler says it cannot be read */
		if (inside(real, p->dir) ||
		    (p->set_dir_ok && inside(real, p->set_dir_ok)))
			continue;
		strv_add(errs,
			 "%s: sets.%s.file: \"%s\" is %s, outside the policy's "
			 "directory %s; mxgated reads set files only there "
			 "(mxgated --allow-set-dir DIR permits another)",
			 p->path, s->string, file->valuestring, real, p->dir);
	}
}

/* Reserved names and room for the synthetic rules and sets. */
static void check_reserved(const struct policy_src *p, const cJSON *doc,
			   struct strv *errs)
{
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(doc, "sets");
	const cJSON *r;
	int i = 0, n;

	cJSON_ArrayForEach(r, rules)
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(r, "name");

		if (cJSON_IsString(nm) &&
		    !strncmp(nm->valuestring, DYN_RESERVED_PREFIX,
			     strlen(DYN_RESERVED_PREFIX)))
			strv_add(errs,
				 "%s: rules[%d].name: \"%s\": names starting "
				 "\"%s\" are reserved for mxgated's dynamic "
				 "entries",
				 p->path, i, nm->valuestring,
				 DYN_RESERVED_PREFIX);
		i++;
	}
	cJSON_ArrayForEach(r, sets)
	{
		if (r->string && !strncmp(r->string, DYN_RESERVED_PREFIX,
					  strlen(DYN_RESERVED_PREFIX)))
			strv_add(errs,
				 "%s: sets.%s: names starting \"%s\" are "
				 "reserved for mxgated's dynamic entries",
				 p->path, r->string, DYN_RESERVED_PREFIX);
	}
	n = cJSON_GetArraySize(rules);
	if (n > MXG_RULES_MAX - DYN_RULES_RESERVED)
		strv_add(errs,
			 "%s: rules: %d rules; under mxgated at most %d (%d "
			 "of the %d are kept for block, brake and allow)",
			 p->path, n, MXG_RULES_MAX - DYN_RULES_RESERVED,
			 DYN_RULES_RESERVED, MXG_RULES_MAX);
	n = cJSON_IsObject(sets) ? cJSON_GetArraySize(sets) : 0;
	if (n > MXG_NAMED_SETS_MAX - DYN_SETS_RESERVED)
		strv_add(errs,
			 "%s: sets: %d sets; under mxgated at most %d (%d "
			 "are kept for block and allow)",
			 p->path, n, MXG_NAMED_SETS_MAX - DYN_SETS_RESERVED,
			 DYN_SETS_RESERVED);
}

int policy_load(struct policy_src *p, struct strv *errs)
{
	struct mxg_policy_header *image = NULL;
	struct mxg_diag diag;
	unsigned int before = errs->n;
	cJSON *doc = NULL;
	char *text;
	size_t len = 0;
	int rc;

	text = read_text(p->path, &len, errs);
	if (!text)
		return -EINVAL;
	doc = cJSON_ParseWithLength(text, len);
	free(text);
	/* Confinement first: the compiler would read the set files. */
	if (doc)
		check_set_paths(p, doc, errs);
	if (errs->n != before) {
		cJSON_Delete(doc);
		return -EINVAL;
	}
	mxg_diag_init(&diag);
	rc = mxg_policy_compile_file(p->path, &image, &diag);
	if (rc) {
		diag_to_strv(p->path, &diag, rc, errs);
		mxg_diag_free(&diag);
		cJSON_Delete(doc);
		return -EINVAL;
	}
	mxg_diag_free(&diag);
	if (!doc) {
		strv_add(errs, "%s: cannot parse the JSON again", p->path);
		free(image);
		return -EINVAL;
	}
	check_reserved(p, doc, errs);
	if (errs->n != before) {
		free(image);
		cJSON_Delete(doc);
		return -EINVAL;
	}
	p->n_rules = image->n_rules;
	p->n_prefixes = mxg_policy_prefix_count(image);
	free(image);
	cJSON_Delete(p->doc);
	p->doc = doc;
	return 0;
}

/*
 * A set of the dynamic entries of one kind: a "plain" set file in a
 * memfd, named by its /proc/self/fd path (*fd is closed by the caller
 * after the compile). Set files may be 256 MB where the policy JSON may
 * be 1 MB, so a million entries fit.
 */
static cJSON *dyn_set(const struct dyn_state *d, int kind, int *fd)
{
	char path[64];
	cJSON *o;
	FILE *f;
	size_t i;
	int dup_fd;

	*fd = memfd_create(kind == DYN_BLOCK ? "mxgated-block" :
					       "mxgated-allow",
			   MFD_CLOEXEC);
	if (*fd < 0)
		return NULL;
	dup_fd = dup(*fd);
	f = dup_fd >= 0 ? fdopen(dup_fd, "w") : NULL;
	if (!f) {
		if (dup_fd >= 0)
			close(dup_fd);
		return NULL;
	}
	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == kind)
			fprintf(f, "%s\n", d->v[i].cidr);
	if (fclose(f))
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddStringToObject(o, "format", "plain");
	return o;
}

int policy_build(const struct policy_src *p, const struct dyn_state *d,
		 uint64_t generation, struct mxg_policy_header **image,
		 struct strv *errs)
{
	size_t n_block = dyn_count(d, DYN_BLOCK),
	       n_allow = dyn_count(d, DYN_ALLOW);
	cJSON *doc, *sets, *rules, *r, *lim;
	struct mxg_diag diag;
	char *text;
	int rc, at = 0, fd_block = -1, fd_allow = -1;

	*image = NULL;
	doc = cJSON_Duplicate(p->doc, 1);
	if (!doc)
		return -ENOMEM;
	sets = cJSON_GetObjectItemCaseSensitive(doc, "sets");
	if (!sets && (n_block || n_allow))
		sets = cJSON_AddObjectToObject(doc, "sets");
	/* A new rules array: the synthetic rules, then the file's. */
	rules = cJSON_CreateArray();
	if (n_block) {
		cJSON_AddItemToObject(sets, DYN_RULE_BLOCK,
				      dyn_set(d, DYN_BLOCK, &fd_block));
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "name", DYN_RULE_BLOCK);
		cJSON_AddStringToObject(r, "src", "@" DYN_RULE_BLOCK);
		cJSON_AddStringToObject(r, "action", "deny");
		cJSON_AddItemToArray(rules, r);
		at++;
	}
	if (d->brake.active) {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "name", DYN_RULE_BRAKE);
		lim = cJSON_AddObjectToObject(r, "limit");
		cJSON_AddStringToObject(lim, "rate", d->brake.rate);
		cJSON_AddNumberToObject(lim, "burst", d->brake.burst);
		cJSON_AddStringToObject(lim, "per", "global");
		cJSON_AddItemToArray(rules, r);
		at++;
	}
	if (n_allow) {
		cJSON_AddItemToObject(sets, DYN_RULE_ALLOW,
				      dyn_set(d, DYN_ALLOW, &fd_allow));
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "name", DYN_RULE_ALLOW);
		cJSON_AddStringToObject(r, "src", "@" DYN_RULE_ALLOW);
		cJSON_AddStringToObject(r, "action", "allow");
		cJSON_AddItemToArray(rules, r);
		at++;
	}
	{
		cJSON *old =
			cJSON_DetachItemFromObjectCaseSensitive(doc, "rules");

		while (old && old->child)
			cJSON_AddItemToArray(rules, cJSON_DetachItemViaPointer(
							    old, old->child));
		cJSON_Delete(old);
		cJSON_AddItemToObject(doc, "rules", rules);
	}
	(void)at;
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!text) {
		rc = -ENOMEM;
		goto close_fds;
	}
	mxg_diag_init(&diag);
	rc = mxg_policy_compile_buffer(p->path, text, strlen(text), p->dir,
				       image, &diag);
	free(text);
close_fds:
	if (fd_block >= 0)
		close(fd_block);
	if (fd_allow >= 0)
		close(fd_allow);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		diag_to_strv(p->path, &diag, rc, errs);
		mxg_diag_free(&diag);
		return rc;
	}
	mxg_diag_free(&diag);
	(*image)->generation = generation;
	(*image)->checksum = 0;
	(*image)->checksum = mxg_policy_checksum(*image, (*image)->total_len);
	return 0;
}

void policy_free(struct policy_src *p)
{
	cJSON_Delete(p->doc);
	p->doc = NULL;
}
