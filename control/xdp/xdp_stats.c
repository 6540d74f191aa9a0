// SPDX-License-Identifier: BSD-3-Clause
/*
 * Counters and status of a loaded (or pinned) instance, summed over
 * CPUs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "mxgate/counters.h"
#include "mxgate/src_table.h"
#include "mxgate/xdp.h"
#include "src_table.h"
#include "top_sources.h"
#include "xdp_instance.h"

int mxg_xdp_counters(struct mxg_xdp *x, struct mxg_counters *c)
{
	struct mxg_xdp_rule_base *base = NULL;
	struct mxg_counters *v;
	int cur = xdp_active_buffer(x), err = 0, cpu;
	uint32_t b;
	size_t k;

	memset(c, 0, sizeof(*c));
	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* totals: both buffers, over the program's life */
	for (b = 0; b < MXG_XDP_BUFFERS; b++) {
		if (bpf_map_lookup_elem(x->map_fd[M_STATS], &b, v)) {
			err = -errno;
			goto free_values;
		}
		for (cpu = 0; cpu < x->ncpus; cpu++)
			for (k = 0; k < sizeof(c->totals) / 8; k++)
				((uint64_t *)&c->totals)[k] +=
					((const uint64_t *)&v[cpu].totals)[k];
	}
	if (cur < 0)
		goto free_values;
	base = malloc(sizeof(*base));
	if (!base) {
		err = -ENOMEM;
		goto free_values;
	}
	err = xdp_rules_read(x, (uint32_t)cur, base);
	if (!err)
		memcpy(c->rules, base->rules, sizeof(c->rules));
	free(base);
free_values:
	free(v);
	return err;
}

int mxg_xdp_table_stats(struct mxg_xdp *x, struct mxg_xdp_table *t)
{
	struct mxg_src_table_stats st = { 0 };
	struct bpf_map_info info;
	struct mxg_xdp_diag d;
	uint32_t len = sizeof(info);
	int err;

	memset(t, 0, sizeof(*t));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(x->map_fd[M_BUCKETS], &info, &len))
		return -errno;
	err = mxg_xdp_diag(x, &d);
	if (err)
		return err;
	t->capacity = (uint64_t)info.max_entries * MXG_ST_WAYS;
	st.inserts = t->inserts = d.inserts;
	st.evict_lossless = t->evict_lossless = d.evict_lossless;
	st.evict_lossy = t->evict_lossy = d.evict_lossy;
	t->entries = mxg_src_table_entries(&st, t->capacity);
	return 0;
}

/* Read every slot on every CPU: one batch call where the kernel has it. */
static int top_read(struct mxg_xdp *x, struct mxg_xdp_top_slot *v)
{
	const size_t per = (size_t)x->ncpus;
	uint32_t keys[MXG_XDP_TOP_SLOTS], count = MXG_XDP_TOP_SLOTS, out = 0;
	uint32_t i;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!bpf_map_lookup_batch(x->map_fd[M_TOP], NULL, &out, keys, v, &count,
				  &opts) ||
	    (errno == ENOENT && count == MXG_XDP_TOP_SLOTS))
		return 0;
	for (i = 0; i < MXG_XDP_TOP_SLOTS; i++) /* older kernels */
		if (bpf_map_lookup_elem(x->map_fd[M_TOP], &i, v + i * per))
			return -errno;
	return 0;
}

int mxg_xdp_top(struct mxg_xdp *x, struct mxg_top_entry *out, uint32_t max)
{
	const size_t per = (size_t)x->ncpus;
	struct mxg_xdp_top_slot *v;
	struct mxg_top_entry *all;
	size_t n = 0, i, j, cpu, first;
	int err;

	v = calloc(MXG_XDP_TOP_SLOTS * per, sizeof(*v));
	all = calloc(MXG_XDP_TOP_SLOTS * per, sizeof(*all));
	if (!v || !all) {
		err = -ENOMEM;
		goto free_all;
	}
	err = top_read(x, v);
	if (err)
		goto free_all;
	/* A source hashes to one slot on every CPU: merge within a slot. */
	for (i = 0; i < MXG_XDP_TOP_SLOTS; i++) {
		first = n;
		for (cpu = 0; cpu < per; cpu++) {
			const struct mxg_xdp_top_slot *s = &v[i * per + cpu];
			uint8_t addr[16];

			if (!s->family || !s->attempts)
				continue;
			memcpy(addr, s->addr, sizeof(addr));
			for (j = first; j < n; j++)
				if (all[j].family == s->family &&
				    !memcmp(all[j].addr, addr, sizeof(addr)))
					break;
			if (j == n) {
				memcpy(all[n].addr, addr, sizeof(addr));
				all[n++].family = s->family;
			}
			all[j].syns += s->attempts;
			all[j].dropped += s->dropped;
		}
	}
	qsort(all, n, sizeof(*all), mxg_top_cmp_rank);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof(*all));
	err = (int)n;
free_all:
	free(all);
	free(v);
	return err;
}

int mxg_xdp_diag(struct mxg_xdp *x, struct mxg_xdp_diag *d)
{
	struct mxg_xdp_diag *v;
	uint32_t zero = 0;
	int err = 0, cpu;
	size_t k;

	memset(d, 0, sizeof(*d));
	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->map_fd[M_DIAG], &zero, v)) {
		err = -errno;
	} else {
		for (cpu = 0; cpu < x->ncpus; cpu++)
			for (k = 0; k < sizeof(*d) / 8; k++)
				((uint64_t *)d)[k] +=
					((const uint64_t *)&v[cpu])[k];
	}
	free(v);
	return err;
}

static uint32_t trie_count(int outer_fd, uint32_t b, int v6)
{
	uint8_t key[sizeof(struct mxg_xdp_lpm6_key)], next[sizeof(key)];
	uint32_t id, n = 0;
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &b, &id))
		return 0;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	(void)v6;
	if (!bpf_map_get_next_key(fd, NULL, next)) {
		do {
			n++;
			memcpy(key, next, sizeof(key));
		} while (!bpf_map_get_next_key(fd, key, next));
	}
	close(fd);
	return n;
}

int mxg_xdp_get_status(struct mxg_xdp *x, struct mxg_xdp_status *s)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info), zero = 0;
	int b = xdp_active_buffer(x);

	memset(s, 0, sizeof(*s));
	s->prog_id = x->prog_id;
	s->inline_mode = x->inline_mode;
	s->config = *x->config;
	if (b < 0) {
		XDP_ERR("no policy installed");
		return -ENOENT;
	}
	s->buffer = (uint32_t)b;
	if (bpf_map_lookup_elem(x->map_fd[M_POL0 + b], &zero, &s->policy))
		return -errno;
	s->n_v4 = trie_count(x->map_fd[M_V4], (uint32_t)b, 0);
	s->n_v6 = trie_count(x->map_fd[M_V6], (uint32_t)b, 1);
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(x->map_fd[M_BUCKETS], &info, &len))
		s->buckets_max = info.max_entries * MXG_ST_WAYS;
	return 0;
}
