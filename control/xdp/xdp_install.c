// SPDX-License-Identifier: BSD-3-Clause
/*
 * Putting a compiled policy in force: the idle buffer filled (policy
 * value, fresh prefix tries, rule counters cleared and their base carried
 * over by rule name), then one switch of mxg_active (include/mxgate/xdp.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "mxgate/policy.h"
#include "mxgate/xdp.h"
#include "policy_image.h"
#include "xdp_instance.h"

void mxg_xdp_policy_from_image(const void *image, uint32_t buffer,
			       struct mxg_xdp_policy *out)
{
	const struct mxg_policy_header *h = image;
	const struct mxg_rule *rules = mxg_policy_rules(h);
	uint32_t i;

	memset(out, 0, sizeof(*out));
	out->generation = h->generation;
	out->checksum = h->checksum;
	out->buffer = buffer;
	out->n_rules = h->n_rules;
	out->mode = h->mode;
	out->has_protected = h->has_protected;
	out->parser_limit = h->parser_limit;
	out->n_smtp_ports = h->n_smtp_ports;
	memcpy(out->smtp_ports, h->smtp_ports, sizeof(out->smtp_ports));
	if (h->has_protected)
		out->need |= MXG_XDP_NEED_DST;
	for (i = 0; i < h->n_rules && i < MXG_RULES_MAX; i++) {
		out->rules[i] = rules[i];
		if (rules[i].src_set != MXG_SET_NONE)
			out->need |= MXG_XDP_NEED_SRC;
		if (rules[i].dst_set != MXG_SET_NONE)
			out->need |= MXG_XDP_NEED_DST;
	}
}

/* BTF of the tries' keys and values, from the program's own BTF, so that
 * `bpftool map dump` prints them as structs. Optional. */
struct trie_btf {
	int fd;
	uint32_t k4, k6, val;
};

static void trie_btf_find(struct mxg_xdp *x, struct trie_btf *t)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	struct btf *btf;
	int k4, k6, val;

	t->fd = -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(x->prog_fd, &info, &len) || !info.btf_id)
		return;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return;
	k4 = btf__find_by_name_kind(btf, "mxg_xdp_lpm4_key", BTF_KIND_STRUCT);
	k6 = btf__find_by_name_kind(btf, "mxg_xdp_lpm6_key", BTF_KIND_STRUCT);
	val = btf__find_by_name_kind(btf, "mxg_setmask", BTF_KIND_STRUCT);
	btf__free(btf);
	if (k4 <= 0 || k6 <= 0 || val <= 0)
		return;
	t->fd = bpf_btf_get_fd_by_id(info.btf_id);
	t->k4 = (uint32_t)k4;
	t->k6 = (uint32_t)k6;
	t->val = (uint32_t)val;
}

static int trie_create(const struct trie_btf *t, int v6, uint32_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	uint32_t key_size = v6 ? sizeof(struct mxg_xdp_lpm6_key) :
				 sizeof(struct mxg_xdp_lpm4_key);
	int fd;

	if (t->fd >= 0) {
		opts.btf_fd = (uint32_t)t->fd;
		opts.btf_key_type_id = v6 ? t->k6 : t->k4;
		opts.btf_value_type_id = t->val;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE,
			    v6 ? "mxg_v6_trie" : "mxg_v4_trie", key_size,
			    sizeof(struct mxg_setmask), entries ? entries : 1,
			    &opts);
	if (fd < 0 && t->fd >= 0) {
		/* Older kernels may refuse BTF here: go without. */
		opts.btf_fd = 0;
		opts.btf_key_type_id = 0;
		opts.btf_value_type_id = 0;
		fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE,
				    v6 ? "mxg_v6_trie" : "mxg_v4_trie",
				    key_size, sizeof(struct mxg_setmask),
				    entries ? entries : 1, &opts);
	}
	return fd < 0 ? -errno : fd;
}

/* Fill new tries from the image's prefix lists; values are set masks. */
static int tries_fill(int fd4, int fd6, const struct mxg_policy_header *h)
{
	const struct mxg_setmask *classes = mxg_policy_classes(h);
	const struct mxg_prefix4 *v4 = mxg_policy_v4(h);
	const struct mxg_prefix6 *v6 = mxg_policy_v6(h);
	uint32_t i;

	for (i = 0; i < h->n_v4; i++) {
		struct mxg_xdp_lpm4_key k = { .prefixlen = v4[i].len };
		uint32_t be = htonl(v4[i].addr);

		memcpy(k.addr, &be, 4);
		if (bpf_map_update_elem(fd4, &k, &classes[v4[i].class_id],
					BPF_ANY))
			return -errno;
	}
	for (i = 0; i < h->n_v6; i++) {
		struct mxg_xdp_lpm6_key k = { .prefixlen = v6[i].len };

		memcpy(k.addr, v6[i].addr, 16);
		if (bpf_map_update_elem(fd6, &k, &classes[v6[i].class_id],
					BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Keep buffer b's totals (they are cumulative), clear its rule counters:
 * rule positions mean something else under the new policy. */
static int stats_reset_rules(struct mxg_xdp *x, uint32_t b)
{
	struct mxg_counters *v;
	int err = 0, cpu;

	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->map_fd[M_STATS], &b, v)) {
		err = -errno;
		goto free_values;
	}
	for (cpu = 0; cpu < x->ncpus; cpu++)
		memset(v[cpu].rules, 0, sizeof(v[cpu].rules));
	if (bpf_map_update_elem(x->map_fd[M_STATS], &b, v, BPF_ANY))
		err = -errno;
free_values:
	free(v);
	return err;
}

int xdp_rules_read(struct mxg_xdp *x, uint32_t b, struct mxg_xdp_rule_base *out)
{
	const size_t n = sizeof(*out) / sizeof(uint64_t);
	struct mxg_counters *v;
	int err = 0, cpu;
	size_t k;

	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->map_fd[M_RULE_BASE], &b, out) ||
	    bpf_map_lookup_elem(x->map_fd[M_STATS], &b, v)) {
		err = -errno;
		goto free_values;
	}
	for (cpu = 0; cpu < x->ncpus; cpu++)
		for (k = 0; k < n; k++)
			((uint64_t *)out)[k] +=
				((const uint64_t *)v[cpu].rules)[k];
free_values:
	free(v);
	return err;
}

/*
 * For each rule of 'to', the index of the rule with the same name in
 * 'from', or -1 (as mxgate-dp carries its counters).
 */
static void rules_by_name(const struct mxg_xdp_policy *from,
			  const struct mxg_xdp_policy *to, int16_t *prev)
{
	uint32_t i, j;

	for (i = 0; i < MXG_RULES_MAX; i++) {
		prev[i] = -1;
		if (i >= to->n_rules)
			continue;
		for (j = 0; j < from->n_rules && j < MXG_RULES_MAX; j++)
			if (!strncmp(to->rules[i].name, from->rules[j].name,
				     MXG_NAME_MAX)) {
				prev[i] = (int16_t)j;
				break;
			}
	}
}

/* What buffer 'cur' counted, to carry into the new buffer's base. */
struct carry {
	int active;			 /* a policy was in force */
	int16_t prev[MXG_RULES_MAX];	 /* rule i's index in cur, or -1 */
	struct mxg_xdp_rule_base before; /* cur's counts, before the switch */
	struct mxg_xdp_rule_base base;	 /* the new buffer's base */
	struct mxg_xdp_policy old;	 /* the policy in cur */
};

/* Before the switch: the new rules' base from cur's counts now. */
static int carry_start(struct mxg_xdp *x, int cur,
		       const struct mxg_xdp_policy *pol, struct carry *c)
{
	uint32_t zero = 0, i;
	int err;

	memset(&c->base, 0, sizeof(c->base));
	c->active = cur >= 0;
	if (!c->active)
		return 0;
	if (bpf_map_lookup_elem(x->map_fd[M_POL0 + cur], &zero, &c->old))
		return -errno;
	err = xdp_rules_read(x, (uint32_t)cur, &c->before);
	if (err)
		return err;
	rules_by_name(&c->old, pol, c->prev);
	for (i = 0; i < MXG_RULES_MAX; i++)
		if (c->prev[i] >= 0)
			c->base.rules[i] = c->before.rules[c->prev[i]];
	return 0;
}

/* After the switch, cur is idle: add what it counted since the read. */
static int carry_finish(struct mxg_xdp *x, int cur, uint32_t b, struct carry *c)
{
	struct mxg_xdp_rule_base *after;
	uint32_t i, k, moved = 0;
	int err;

	if (!c->active)
		return 0;
	after = malloc(sizeof(*after));
	if (!after)
		return -ENOMEM;
	err = xdp_rules_read(x, (uint32_t)cur, after);
	for (i = 0; !err && i < MXG_RULES_MAX; i++) {
		const uint64_t *a, *p;
		uint64_t *o;

		if (c->prev[i] < 0)
			continue;
		a = (const uint64_t *)&after->rules[c->prev[i]];
		p = (const uint64_t *)&c->before.rules[c->prev[i]];
		o = (uint64_t *)&c->base.rules[i];
		for (k = 0; k < sizeof(struct mxg_rule_counters) / 8; k++) {
			moved |= a[k] != p[k];
			o[k] += a[k] - p[k];
		}
	}
	if (!err && moved &&
	    bpf_map_update_elem(x->map_fd[M_RULE_BASE], &b, &c->base, BPF_ANY))
		err = -errno;
	free(after);
	return err;
}

int mxg_xdp_install(struct mxg_xdp *x, const void *image, size_t len)
{
	const struct mxg_policy_header *h = image;
	struct mxg_xdp_policy *pol;
	struct carry *carry = NULL;
	struct trie_btf tb;
	const char *why = NULL;
	uint32_t zero = 0, b;
	int err, cur, fd4 = -1, fd6 = -1, lock = -1;

	err = mxg_policy_image_check(image, len, &why);
	if (err) {
		XDP_ERR("policy image rejected: %s",
			why ? why : "invalid image");
		return err;
	}
	pol = malloc(sizeof(*pol));
	carry = malloc(sizeof(*carry));
	if (!pol || !carry) {
		err = -ENOMEM;
		goto free_policy;
	}
	if (x->pin_dir[0]) {
		lock = xdp_lock_dir(x->pin_dir);
		if (lock < 0) {
			err = lock;
			XDP_ERR("cannot lock %s: %s", x->pin_dir,
				strerror(-err));
			goto free_policy;
		}
	}
	/* Fill the buffer no packet uses. */
	cur = xdp_active_buffer(x);
	b = cur == 0 ? 1 : 0;
	mxg_xdp_policy_from_image(image, b, pol);

	trie_btf_find(x, &tb);
	fd4 = trie_create(&tb, 0, h->n_v4);
	if (fd4 < 0) {
		err = fd4;
		XDP_ERR("cannot create the IPv4 prefix trie (%u prefixes): %s",
			h->n_v4, strerror(-err));
		goto close_btf;
	}
	fd6 = trie_create(&tb, 1, h->n_v6);
	if (fd6 < 0) {
		err = fd6;
		XDP_ERR("cannot create the IPv6 prefix trie (%u prefixes): %s",
			h->n_v6, strerror(-err));
		goto close_tries;
	}
	err = tries_fill(fd4, fd6, h);
	if (err) {
		XDP_ERR("cannot fill the prefix tries: %s", strerror(-err));
		goto close_tries;
	}
	/* Map-in-map updates wait until no program uses the old entry. */
	if (bpf_map_update_elem(x->map_fd[M_V4], &b, &fd4, BPF_ANY) ||
	    bpf_map_update_elem(x->map_fd[M_V6], &b, &fd6, BPF_ANY)) {
		err = -errno;
		XDP_ERR("cannot install the prefix tries: %s", strerror(-err));
		goto close_tries;
	}
	err = stats_reset_rules(x, b);
	if (!err)
		err = carry_start(x, cur, pol, carry);
	if (!err && bpf_map_update_elem(x->map_fd[M_RULE_BASE], &b,
					&carry->base, BPF_ANY))
		err = -errno;
	if (err) {
		XDP_ERR("cannot reset the rule counters: %s", strerror(-err));
		goto close_tries;
	}
	if (bpf_map_update_elem(x->map_fd[M_POL0 + b], &zero, pol, BPF_ANY)) {
		err = -errno;
		XDP_ERR("cannot write the policy: %s", strerror(-err));
		goto close_tries;
	}
	xdp_tries_pin(x, b, fd4, fd6);
	/*
	 * The switch. When this returns, every packet that could still see
	 * the old buffer has finished: the next reload may rewrite it.
	 */
	if (bpf_map_update_elem(x->map_fd[M_ACTIVE], &zero,
				&x->map_fd[M_POL0 + b], BPF_ANY)) {
		err = -errno;
		XDP_ERR("cannot switch to the new policy: %s", strerror(-err));
		goto close_tries;
	}
	/* In force whatever follows: a failure here costs counts only. */
	err = carry_finish(x, cur, b, carry);
	if (err)
		XDP_WARN(
			"rule counters: what the old policy counted during the "
			"switch is lost: %s",
			strerror(-err));
	XDP_INFO("policy generation %llu in force (buffer %u, %u rules, %u+%u "
		 "prefixes)",
		 (unsigned long long)h->generation, b, h->n_rules, h->n_v4,
		 h->n_v6);
	err = 0;

close_tries:
	if (fd6 >= 0)
		close(fd6);
	if (fd4 >= 0)
		close(fd4);
close_btf:
	if (tb.fd >= 0)
		close(tb.fd);
	xdp_unlock_dir(lock);
free_policy:
	free(carry);
	free(pol);
	return err;
}
