/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validation of a compiled policy image received from outside (control
 * socket, file): every length, offset, count, enum and index is checked
 * before any engine reads the image.
 */
#ifndef MXGATE_POLICY_IMAGE_H
#define MXGATE_POLICY_IMAGE_H

#include <stddef.h>

#include "mxgate/policy.h"

/*
 * 0 if buf[0..len) is a well-formed image: magic, version, header_len,
 * total_len == len, offsets and counts inside the buffer and within the
 * MXG_*_MAX limits, the checksum, every rule field in range (enums, set
 * bits < n_sets, port counts, prefix lengths, bucket parameters as
 * mxg_bucket_params_init would make them), class ids < n_classes, prefix
 * lists sorted with host bits clear. Otherwise -EINVAL and *why (if not
 * NULL) points at a static one-line reason.
 *
 * Also required, as the compiler writes them: the buffer 8-byte aligned;
 * the canonical layout (rules at header_len, then sets, classes, v4 and
 * v6, each at the next 8-byte boundary, total_len ending the v6 list);
 * reserved bytes (pads, unused port slots) zero; allow/deny rules with
 * the limit-only fields zero; key_id = mxg_rule_key_id() and distinct;
 * class 0 empty and class bits < n_sets; each prefix's class holding the
 * sets of the prefix covering it.
 */
int mxg_policy_image_check(const void *buf, size_t len, const char **why);

#endif /* MXGATE_POLICY_IMAGE_H */
