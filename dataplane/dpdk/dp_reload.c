// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp policy reload: a LOAD_IMAGE memfd checked, turned into a new
 * policy, and swapped in under RCU.
 *
 * A new image is validated and turned into a complete struct dp_policy
 * (engine and rte_lpm tables) off the fast path, then published with one
 * atomic pointer store. Workers load the pointer once per poll round and
 * report an RCU quiescent state (rte_rcu_qsbr) after the round, so a
 * frame is decided entirely under one policy. The old policy is freed
 * only after rte_rcu_qsbr_check() has seen every online worker pass a
 * quiescent state. Bucket state lives in the shared source table keyed by
 * stable rule ids, so it carries over; per-rule counters follow their
 * rule by name. No queue is stopped: nothing is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "dp_log.h"
#include "mxgate/ctl.h"

#define DP_RCU_WAIT_MS	  5000
#define DP_CTL_SEALS_NEED (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

void dp_policy_reap(int wait)
{
	if (!dp.pending_free)
		return;
	if (rte_rcu_qsbr_check(dp.qsv, dp.pending_token, wait ? true : false) !=
	    1)
		return;
	dp_policy_destroy(dp.pending_free);
	dp.pending_free = NULL;
	DP_LOG(INFO, "control", "retired policy freed after its grace period");
}

int dp_policy_swap(struct dp_policy *next, char *err, size_t errlen)
{
	struct dp_policy *old = dp.active;
	uint64_t token, deadline;

	dp_policy_reap(0);
	if (dp.pending_free) {
		snprintf(err, errlen,
			 "the policy before last is still in use by a worker");
		return -EBUSY;
	}
	__atomic_store_n(&dp.active, next, __ATOMIC_RELEASE);
	dp.reloads++;
	token = rte_rcu_qsbr_start(dp.qsv);
	deadline = dp_now_ms() + DP_RCU_WAIT_MS;
	while (rte_rcu_qsbr_check(dp.qsv, token, false) != 1) {
		if (dp_now_ms() > deadline) {
			dp.pending_free = old;
			dp.pending_token = token;
			DP_LOG(WARNING, "control",
			       "a worker has not passed a quiescent state in "
			       "%d ms; the old policy is kept until it does",
			       DP_RCU_WAIT_MS);
			return 0;
		}
		rte_delay_us_sleep(100);
	}
	dp_policy_destroy(old);
	return 0;
}

/* A LOAD_IMAGE request with its one fd: validate, build, swap. */
int dp_reload_image(const struct mxg_ctl_load *req, int fd, char *msg,
		    size_t msglen)
{
	const struct mxg_policy_header *h;
	struct dp_policy *next = NULL;
	struct stat sb;
	void *map;
	int seals, rc;

	if (req->flags || req->pad) {
		snprintf(msg, msglen, "LOAD_IMAGE: flags and pad must be 0");
		return -EINVAL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the file descriptor is not a memfd");
		return -EBADF;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the file descriptor is not a sealable "
			 "memfd");
		return -EBADF;
	}
	if ((seals & DP_CTL_SEALS_NEED) != DP_CTL_SEALS_NEED) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the memfd must be sealed against write, "
			 "shrink and grow");
		return -EPERM;
	}
	if (req->image_len > MXG_POLICY_IMAGE_MAX) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: image of %" PRIu64
			 " bytes exceeds the %llu-byte limit",
			 req->image_len,
			 (unsigned long long)MXG_POLICY_IMAGE_MAX);
		return -EFBIG;
	}
	if ((uint64_t)sb.st_size != req->image_len) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the memfd holds %lld bytes, the request "
			 "says %" PRIu64,
			 (long long)sb.st_size, req->image_len);
		return -EBADMSG;
	}
	if (req->image_len < sizeof(*h)) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: %" PRIu64 " bytes cannot hold an image",
			 req->image_len);
		return -EBADMSG;
	}
	map = mmap(NULL, req->image_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = -errno;
		snprintf(msg, msglen, "LOAD_IMAGE: mmap: %s", strerror(-rc));
		return rc;
	}
	h = map;
	if (h->checksum != req->checksum) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: the request's checksum does not match "
			 "the image's");
		rc = -EBADMSG;
		goto unmap;
	}
	if (req->expect_generation &&
	    req->expect_generation != dp.active->generation) {
		snprintf(msg, msglen,
			 "LOAD_IMAGE: generation %" PRIu64
			 " is in force, not %" PRIu64,
			 dp.active->generation, req->expect_generation);
		rc = -ESTALE;
		goto unmap;
	}
	rc = dp_policy_create(&next, map, req->image_len, dp.active,
			      ++dp.load_seq, msg, msglen);
	if (rc)
		goto unmap;
	rc = dp_policy_swap(next, msg, msglen);
	if (rc) {
		dp_policy_destroy(next);
		goto unmap;
	}
	snprintf(msg, msglen,
		 "policy generation %" PRIu64 " in force: %u rules, %" PRIu64
		 " prefixes",
		 next->generation, next->engine->n_rules, next->n_prefixes);
	DP_LOG(NOTICE, "control", "%s", msg);
unmap:
	munmap(map, req->image_len);
	return rc;
}
