/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Build environment shim for the headers shared by userspace and BPF.
 *
 * The shared headers use only fixed-width integer types, no libc calls
 * and constant-bounded loops, so one copy of the code compiles for the
 * host and for clang's BPF target.
 */
#ifndef MXGATE_COMPAT_H
#define MXGATE_COMPAT_H

#if defined(__bpf__)
#include <linux/types.h>
typedef __u8 uint8_t;
typedef __s8 int8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define MXG_INLINE static __always_inline
/* Stops clang from folding a bounds check the verifier needs to see. */
#define MXG_BARRIER_VAR(v) asm volatile("" : "+r"(v))
#else
#include <stddef.h>
#include <stdint.h>
#define MXG_INLINE	   static inline __attribute__((always_inline))
#define MXG_BARRIER_VAR(v) ((void)0)
#endif

#define MXG_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

/* Big-endian loads by bytes: the same result on every host and in BPF. */
MXG_INLINE uint16_t mxg_load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

MXG_INLINE uint32_t mxg_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

#endif /* MXGATE_COMPAT_H */
