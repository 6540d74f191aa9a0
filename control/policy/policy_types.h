/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the policy compiler, shared by its stages:
 *
 *   policy_scan.c      raw text -> syntax check, positions of every value
 *                      and key (cJSON gives none), line:col
 *   policy_parse.c     cJSON + positions -> struct pol_policy (types,
 *                      enums, ranges, CIDR syntax, unknown/duplicate keys)
 *   policy_sets.c      CIDRs, and set files (spamhaus-drop, plain)
 *   policy_validate.c  cross-field checks: set references, rule names,
 *                      conflicting fields, unreachable rules
 *   policy_compile.c   struct pol_policy -> image; the public API
 *   policy_diag.c      error lines "FILE:LINE:COL: json.path: message"
 *
 * Every stage runs on what the earlier ones could read, so one run reports
 * every error it can find; only the image is withheld when any was found.
 */
#ifndef MXGATE_POLICY_TYPES_H
#define MXGATE_POLICY_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "policy_compile.h"

/* ------------------------------------------------------------------ */
/* Positions and the syntax scan (policy_scan.c) */

#define POL_JSON_DEPTH_MAX  32 /* policies nest 4 deep; cJSON allows 1000 */
#define POL_JSON_NUMBER_MAX 63 /* longest number token (cJSON's buffer) */

enum pol_json_kind {
	POL_JSON_NULL = 1,
	POL_JSON_FALSE,
	POL_JSON_TRUE,
	POL_JSON_NUMBER,
	POL_JSON_STRING,
	POL_JSON_ARRAY,
	POL_JSON_OBJECT,
};

/*
 * One JSON value, in document (pre-)order, as cJSON builds its tree: the
 * first child of a container is the next node, and 'next' is the index
 * just past the value's subtree (its next sibling, if it has one).
 */
struct pol_json_node {
	uint32_t off;	  /* first byte of the value */
	uint32_t key_off; /* the member's key (its quote), else = off */
	uint32_t tok_len; /* scalars: length of the token */
	uint32_t next;
	uint8_t kind; /* enum pol_json_kind */
};

struct pol_json_scan {
	const char *text;
	size_t len;
	struct pol_json_node *nodes;
	uint32_t n_nodes, cap_nodes;
	uint32_t *line_starts; /* offsets where lines begin; [0] = 0 */
	uint32_t n_lines;
	/* chars[i]: characters (UTF-8 lead bytes) in text[0..i), so that a
	 * column costs O(1) however long the line and however many errors */
	uint32_t *chars;
	uint32_t bom; /* 3 if the text starts with a UTF-8 BOM */
	/* A syntax error: where, in which container, and what. */
	size_t err_off;
	char err_path[256];
	char err[160];
};

/* 0, -EINVAL on a syntax error (err_*), -ENOMEM. */
int pol_json_scan(struct pol_json_scan *s, const char *text, size_t len);
void pol_json_scan_free(struct pol_json_scan *s);
/* 1-based line and column (in characters) of a byte offset. */
void pol_json_linecol(const struct pol_json_scan *s, size_t off,
		      unsigned int *line, unsigned int *col);

/* ------------------------------------------------------------------ */
/* JSON paths and error lines (policy_diag.c) */

#define POL_PATH_MAX 192

struct pol_path {
	char s[POL_PATH_MAX];
	size_t len;
};

/* Append ".key" (or ["key"] for keys that are not plain words) or "[i]";
 * return the previous length for pol_path_pop. */
size_t pol_path_key(struct pol_path *p, const char *key);
size_t pol_path_index(struct pol_path *p, unsigned int i);
void pol_path_pop(struct pol_path *p, size_t saved);

/* Quote a string for a message: "...", escaped, cut at 'max' bytes. */
void pol_quote(char *out, size_t out_len, const char *s, size_t len,
	       size_t max);

struct pol_err_slot {
	uint64_t key; /* sort key: where in the policy, then set file line */
	uint64_t seq;
	char *line;
};

struct pol_ctx {
	const char *name;     /* the policy file, in messages */
	const char *base_dir; /* for relative set file paths; NULL: "." */
	struct pol_json_scan scan;
	struct pol_path path;
	struct mxg_diag *diag;
	/* Errors are kept sorted by position, the first MXG_DIAG_MAX. */
	struct pol_err_slot errs[MXG_DIAG_MAX];
	unsigned int n_errs;
	uint64_t seq;
	unsigned int count;
	int oom; /* an allocation failed: report -ENOMEM */
};

/* An error at byte offset 'off' of the policy, for the current path (or
 * 'path' when not NULL). */
void pol_error(struct pol_ctx *c, size_t off, const char *path, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));
/* An error in a set file, reported as "SETFILE:LINE: path: message" and
 * sorted after the policy position 'off' that named the file. */
void pol_error_file(struct pol_ctx *c, size_t off, const char *file,
		    unsigned long line, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Move the collected errors into c->diag, in order. */
void pol_errors_flush(struct pol_ctx *c);

/* ------------------------------------------------------------------ */
/* The typed policy (policy_parse.c) */

/* A field as written: where its key and value are, and whether the value
 * was read without error. */
struct pol_field {
	uint32_t key_off;
	uint32_t off;
	uint8_t present;
	uint8_t ok;
};

struct pol_prefix {
	uint8_t addr[16]; /* IPv4 in addr[0..3]; host bits zero */
	uint8_t len;
	uint8_t family; /* 4 or 6 */
};

struct pol_prefix_list {
	struct pol_prefix *v;
	size_t n, cap;
	size_t n4, n6;
};

enum pol_addr_kind {
	POL_ADDR_LIST = 1, /* CIDRs, inline */
	POL_ADDR_REF = 2,  /* "@set" */
};

/* A src, dst or protected field. */
struct pol_addr {
	struct pol_field f;
	uint8_t kind; /* enum pol_addr_kind, when f.ok */
	char ref[MXG_NAME_MAX];
	struct pol_prefix_list list;
	int set; /* resolved named set for POL_ADDR_REF, else -1 */
};

enum pol_set_format {
	POL_FORMAT_SPAMHAUS_DROP = 1,
	POL_FORMAT_PLAIN = 2,
};

#define POL_SET_NAME_MAX (MXG_NAME_MAX - 2) /* "@" + name + NUL */

struct pol_set {
	char name[POL_SET_NAME_MAX + 1];
	uint32_t key_off, off;
	uint8_t ok;	 /* spec read (and file loaded) without error */
	uint8_t is_file; /* {"file": ..., "format": ...} */
	struct pol_field file_f, format_f;
	char *file; /* as written */
	uint8_t format;
	struct pol_prefix_list list;
};

struct pol_rule {
	uint32_t off; /* the rule object */
	uint8_t is_object;
	struct pol_field name_f;
	char name[MXG_NAME_MAX];
	struct pol_addr src, dst;
	struct pol_field ports_f;
	uint16_t ports[MXG_PORTS_MAX];
	uint16_t n_ports;
	struct pol_field family_f;
	uint8_t family; /* enum mxg_family_match */
	struct pol_field action_f;
	uint8_t action; /* enum mxg_action */
	struct pol_field limit_f;
	struct pol_field rate_f;
	uint64_t rate_count;
	uint32_t rate_period_s;
	struct pol_field burst_f;
	uint32_t burst;
	struct pol_field per_f;
	uint8_t per; /* enum mxg_key_kind */
	struct pol_field ipv4_prefix_f, ipv6_prefix_f;
	uint8_t ipv4_prefix, ipv6_prefix;
	struct pol_field over_f;
	uint8_t over; /* enum mxg_over */
};

struct pol_policy {
	uint32_t root_off;
	uint8_t root_ok; /* the top level is an object */
	struct pol_field version_f;
	struct pol_field mode_f;
	uint8_t mode;
	struct pol_field smtp_ports_f;
	uint16_t smtp_ports[MXG_PORTS_MAX];
	uint16_t n_smtp_ports;
	struct pol_addr protected_a;
	struct pol_field sets_f;
	struct pol_set sets[MXG_NAMED_SETS_MAX];
	unsigned int n_sets;
	struct pol_field rules_f;
	struct pol_rule rules[MXG_RULES_MAX];
	unsigned int n_rules;
	size_t n_prefixes_given; /* over all sets, bounded by MXG_PREFIXES_MAX */
};

void pol_policy_init(struct pol_policy *p);
void pol_policy_free(struct pol_policy *p);

/* JSON (cJSON tree + scan) -> typed policy. 0, or -ENOMEM. */
int pol_parse(struct pol_ctx *c, const cJSON *root, struct pol_policy *p);

/* ------------------------------------------------------------------ */
/* CIDRs and set files (policy_sets.c) */

/* Parse "addr" or "addr/len". 0, or -EINVAL with a reason in 'why'. */
int pol_cidr_parse(const char *s, size_t len, struct pol_prefix *out, char *why,
		   size_t why_len);
int pol_prefix_list_add(struct pol_prefix_list *l, const struct pol_prefix *p);
void pol_prefix_list_free(struct pol_prefix_list *l);
/* Render a prefix as "addr/len" (buf of at least 64 bytes). */
void pol_prefix_format(const struct pol_prefix *p, char *buf, size_t len);

/*
 * Read a whole regular file of at most 'max' bytes into a malloc'd,
 * NUL-terminated buffer. 0, or -errno (-EFBIG when larger than 'max',
 * -EINVAL when not a regular file). Never blocks on a FIFO or device.
 */
int pol_read_file(const char *path, size_t max, char **buf, size_t *len);

/* Read every file set of 'p'. 0, or -ENOMEM; errors go to the context. */
int pol_sets_load(struct pol_ctx *c, struct pol_policy *p);
/* Read one blocklist buffer; 'file' and 'path' are for messages. */
int pol_set_parse_text(struct pol_ctx *c, struct pol_policy *p,
		       struct pol_set *set, const char *file, const char *text,
		       size_t len);

/* ------------------------------------------------------------------ */
/* Cross-field checks (policy_validate.c) and compiling (policy_compile.c) */

int pol_validate(struct pol_ctx *c, struct pol_policy *p);
int pol_compile(struct pol_ctx *c, const struct pol_policy *p,
		struct mxg_policy_header **out);

/* Name-to-value tables for string enums: value, or -1 if unknown. */
struct pol_enum {
	const char *name;
	int value;
};
int pol_enum_value(const struct pol_enum *tab, const char *name);
const char *pol_enum_name(const struct pol_enum *tab, int value);

/* Edit distance, capped; for "did you mean" hints. */
unsigned int pol_edit_distance(const char *a, const char *b);

#endif /* MXGATE_POLICY_TYPES_H */
