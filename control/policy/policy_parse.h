/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy compiler works in stages, each with its own header, each
 * using only the stages below it:
 *
 *   policy_errors.c    the error list a compile returns, input limits
 *                      (public, through policy_compile.h; no deps)
 *   policy_path.c      JSON paths and quoting for messages (no deps)
 *   policy_names.c     name-to-value tables, "did you mean" (no deps)
 *   policy_cidr.c      CIDR syntax and prefix lists (quotes with path)
 *   policy_scan.c      raw text -> syntax check, positions of every value
 *                      and key (cJSON gives none), line:col
 *   policy_diag.c      error lines "FILE:LINE:COL: json.path: message"
 *   policy_parse.c     cJSON + positions -> struct pol_policy (types,
 *                      enums, ranges, CIDR syntax, unknown/duplicate keys)
 *   policy_sets.c      set files (spamhaus-drop, plain)
 *   policy_validate.c  cross-field checks: set references, rule names,
 *                      conflicting fields, unreachable rules
 *   policy_compile.c   struct pol_policy -> image; runs the stages
 *                      (the public API, policy_compile.h)
 *
 * Every stage runs on what the earlier ones could read, so one run reports
 * every error it can find; only the image is withheld when any was found.
 *
 * This header: the typed policy that parse produces and the later stages
 * read.
 */
#ifndef MXGATE_POLICY_PARSE_H
#define MXGATE_POLICY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mxgate/policy.h"
#include "policy_cidr.h"
#include "policy_diag.h"

/* A field as written: where its key and value are, and whether the value
 * was read without error. */
struct pol_field {
	uint32_t key_off;
	uint32_t off;
	uint8_t present;
	uint8_t ok;
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

/*
 * auto_block: mxgated turns a prefix whose drops stay at or above 'drops'
 * for 'for' seconds into a dynamic block for 'ttl' seconds (opt-in; not
 * in the image: mxgated reads it from the policy it compiled).
 */
#define POL_AUTO_FOR_MAX (24u * 3600)	   /* 1d */
#define POL_AUTO_TTL_MAX (30u * 24 * 3600) /* 30d */
struct pol_auto_block {
	struct pol_field f;
	struct pol_field drops_f, for_f, ttl_f, ipv4_prefix_f, ipv6_prefix_f;
	uint64_t drops_count;
	uint32_t drops_period_s;
	uint32_t for_s, ttl_s;
	uint8_t ipv4_prefix, ipv6_prefix;
};

/* At most this many appliances share the traffic behind ECMP. */
#define MXG_ECMP_SHARE_MAX 64

struct pol_policy {
	uint32_t root_off;
	uint8_t root_ok; /* the top level is an object */
	struct pol_field version_f;
	struct pol_field mode_f;
	uint8_t mode;
	struct pol_field parser_limit_f;
	uint8_t parser_limit; /* enum mxg_parser_limit */
	struct pol_field smtp_ports_f;
	uint16_t smtp_ports[MXG_PORTS_MAX];
	uint16_t n_smtp_ports;
	/* ECMP: this box is one of ecmp_share (1 = alone); the compiler
	 * divides per: global and per: dst limits by it. */
	struct pol_field ecmp_share_f;
	uint32_t ecmp_share;
	struct pol_auto_block auto_block;
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

#endif /* MXGATE_POLICY_PARSE_H */
