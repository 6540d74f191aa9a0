/* SPDX-License-Identifier: BSD-3-Clause */
/* The built-in default policy: control/examples/default.json, compiled
 * by `mxgatectl compile` at build time and embedded in mxgate-replay. */
	.section .rodata
	.balign 64
	.global mxg_default_policy
	.global mxg_default_policy_end
mxg_default_policy:
	.incbin MXG_DEFAULT_POLICY_BIN
mxg_default_policy_end:
	.section .note.GNU-stack, "", @progbits
