/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cross-field checks (policy_validate.c), on the typed policy with its
 * set files read. Below it: the typed policy (parse), diagnostics.
 */
#ifndef MXGATE_POLICY_VALIDATE_H
#define MXGATE_POLICY_VALIDATE_H

#include "policy_diag.h"
#include "policy_parse.h"

/* Resolve set references, check what needs more than one field, fill in
 * defaults. 0, or -ENOMEM; errors go to the context. */
int pol_validate(struct pol_ctx *c, struct pol_policy *p);

#endif /* MXGATE_POLICY_VALIDATE_H */
