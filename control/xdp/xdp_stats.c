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
#include "xdp_instance.h"

int mxg_xdp_counters(struct mxg_xdp *x, struct mxg_counters *c)
{
	struct mxg_counters *v;
	int cur = xdp_active_buffer(x), err = 0, cpu;
	uint32_t b;
	size_t k;

	memset(c, 0, sizeof(*c));
	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (b = 0; b < MXG_XDP_BUFFERS; b++) {
		if (bpf_map_lookup_elem(x->map_fd[M_STATS], &b, v)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < x->ncpus; cpu++) {
			const uint64_t *s = (const uint64_t *)&v[cpu].totals;
			uint64_t *t = (uint64_t *)&c->totals;

			for (k = 0; k < sizeof(c->totals) / 8; k++)
				t[k] += s[k];
			if ((int)b != cur)
				continue;
			s = (const uint64_t *)v[cpu].rules;
			t = (uint64_t *)c->rules;
			for (k = 0; k < sizeof(c->rules) / 8; k++)
				t[k] += s[k];
		}
	}
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
