/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deliberately broken (and a few valid but unusual) capture files,
 * written byte by byte, for testing what reads captures. Every file
 * that has records starts with up to three good ones: Ethernet IPv4
 * SYNs from 203.0.113.9 to 198.51.100.25 port 25, one per second from
 * 1700000000.
 */
#ifndef MXGATE_TESTS_BADPCAP_H
#define MXGATE_TESTS_BADPCAP_H

#include <stddef.h>

/* What libpcap 1.10 does with a file (tests/unit/test_scenario.c). */
enum badpcap_outcome {
	BADPCAP_OPEN_FAILS, /* pcap_open_offline() returns NULL */
	BADPCAP_READ_FAILS, /* pcap_next_ex() returns -1 after 'good' */
	BADPCAP_READS,	    /* every record reads, then -2 (end of file) */
};

struct badpcap_kind {
	const char *name;
	const char *file; /* what is in the file */
	enum badpcap_outcome outcome;
	unsigned int good;   /* records pcap_next_ex() returns */
	const char *libpcap; /* libpcap's reaction, and its message */
};

extern const struct badpcap_kind badpcap_kinds[];
extern const unsigned int badpcap_n_kinds;

/* The kind's file name suffix: ".pcap" or ".pcapng". */
const char *badpcap_suffix(const struct badpcap_kind *k);

/* Write the file for 'kind'. Returns 0, -EINVAL for an unknown kind, or
 * a negative errno from the file system. */
int badpcap_write(const char *kind, const char *path);

/* The mxgate-badpcap command line; returns the exit status. */
int badpcap_main(int argc, char **argv);

#endif
