// SPDX-License-Identifier: BSD-3-Clause
#include "capture_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define PCAPNG_SHB	    0x0A0D0D0Au
#define PCAPNG_IDB	    0x00000001u
#define PCAPNG_EPB	    0x00000006u
#define PCAPNG_BOM	    0x1A2B3C4Du
#define PCAPNG_OPT_END	    0
#define PCAPNG_OPT_COMMENT  1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME	    2
#define PCAPNG_IF_TSRESOL   9

struct capw {
	enum capw_format format;
	enum capw_link link;
	/* pcap through libpcap */
	pcap_t *dead;
	pcap_dumper_t *dumper;
	/* pcapng by hand */
	FILE *f;
	int close_f;
	int failed;
};

static const char *const format_names[] = {
	[CAPW_PCAP] = "pcap",
	[CAPW_PCAP_NS] = "pcap-ns",
	[CAPW_PCAPNG] = "pcapng",
};

static const char *const link_names[] = {
	[CAPW_LINK_ETH] = "eth",
	[CAPW_LINK_SLL] = "sll",
	[CAPW_LINK_SLL2] = "sll2",
	[CAPW_LINK_RAW] = "raw",
};

int capw_format_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *capw_format_name(enum capw_format f)
{
	return format_names[f];
}

int capw_link_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(link_names) / sizeof(link_names[0]); i++)
		if (!strcmp(name, link_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *capw_link_name(enum capw_link l)
{
	return link_names[l];
}

uint32_t capw_link_type(enum capw_link l)
{
	switch (l) {
	case CAPW_LINK_SLL:
		return 113;
	case CAPW_LINK_SLL2:
		return 276;
	case CAPW_LINK_RAW:
		return 101;
	default:
		return 1;
	}
}

/* The DLT value libpcap's writer wants for the link type. */
static int link_dlt(enum capw_link l)
{
	switch (l) {
	case CAPW_LINK_SLL:
		return DLT_LINUX_SLL;
	case CAPW_LINK_SLL2:
		return DLT_LINUX_SLL2;
	case CAPW_LINK_RAW:
		return DLT_RAW;
	default:
		return DLT_EN10MB;
	}
}

uint64_t capw_quantum_ns(enum capw_format f)
{
	return f == CAPW_PCAP ? 1000 : 1;
}

/* pcapng is written little-endian whatever the host. */
static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v & 0xffff);
	put_le16(p + 2, v >> 16);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xffff);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Append an option (code, value) at buf + *off; buf is large enough. */
static void put_opt(uint8_t *buf, size_t *off, uint16_t code, const void *val,
		    size_t len)
{
	put_le16(buf + *off, code);
	put_le16(buf + *off + 2, (uint16_t)len);
	memset(buf + *off + 4, 0, pad4(len));
	memcpy(buf + *off + 4, val, len);
	*off += 4 + pad4(len);
}

static void write_bytes(struct capw *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		w->failed = 1;
}

/* A block: type, total length, body (already padded), total length. */
static void write_block(struct capw *w, uint32_t type, const uint8_t *body,
			size_t body_len)
{
	uint8_t hdr[8];
	uint8_t trail[4];
	uint32_t total = (uint32_t)(12 + body_len);

	put_le32(hdr, type);
	put_le32(hdr + 4, total);
	put_le32(trail, total);
	write_bytes(w, hdr, sizeof(hdr));
	write_bytes(w, body, body_len);
	write_bytes(w, trail, sizeof(trail));
}

static int pcapng_headers(struct capw *w, uint32_t snaplen, const char *comment)
{
	static const char appl[] = "mxgate-scenario";
	static const char ifname[] = "mxgate0";
	size_t clen = comment ? strlen(comment) : 0;
	size_t off = 0, cap;
	uint8_t *body;
	uint8_t tsresol = 9;

	if (clen > 0xfff0)
		clen = 0xfff0;
	cap = 16 + 4 + pad4(sizeof(appl)) + 4 + pad4(clen) + 4 + 64;
	body = calloc(1, cap);
	if (!body)
		return -ENOMEM;

	/* Section header: byte-order magic, version 1.0, length unknown. */
	put_le32(body, PCAPNG_BOM);
	put_le16(body + 4, 1);
	put_le16(body + 6, 0);
	memset(body + 8, 0xff, 8);
	off = 16;
	if (clen)
		put_opt(body, &off, PCAPNG_OPT_COMMENT, comment, clen);
	put_opt(body, &off, PCAPNG_SHB_USERAPPL, appl, sizeof(appl) - 1);
	put_le32(body + off, PCAPNG_OPT_END);
	off += 4;
	write_block(w, PCAPNG_SHB, body, off);

	/* Interface: link type, snaplen, nanosecond resolution. */
	memset(body, 0, cap);
	put_le16(body, (uint16_t)capw_link_type(w->link));
	put_le32(body + 4, snaplen);
	off = 8;
	put_opt(body, &off, PCAPNG_IF_NAME, ifname, sizeof(ifname) - 1);
	put_opt(body, &off, PCAPNG_IF_TSRESOL, &tsresol, 1);
	put_le32(body + off, PCAPNG_OPT_END);
	off += 4;
	write_block(w, PCAPNG_IDB, body, off);
	free(body);
	return w->failed ? -EIO : 0;
}

int capw_open(struct capw **out, const char *path, enum capw_format format,
	      enum capw_link link, uint32_t snaplen, const char *comment,
	      char *err, size_t errlen)
{
	struct capw *w;
	int ret;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->format = format;
	w->link = link;

	if (format != CAPW_PCAPNG) {
		w->dead = pcap_open_dead_with_tstamp_precision(
			link_dlt(link), (int)snaplen,
			format == CAPW_PCAP_NS ? PCAP_TSTAMP_PRECISION_NANO :
						 PCAP_TSTAMP_PRECISION_MICRO);
		if (!w->dead) {
			snprintf(err, errlen, "pcap_open_dead failed");
			ret = -ENOMEM;
			goto free_writer;
		}
		w->dumper = pcap_dump_open(w->dead, path);
		if (!w->dumper) {
			snprintf(err, errlen, "%s", pcap_geterr(w->dead));
			ret = -EIO;
			goto close_dead;
		}
		*out = w;
		return 0;
	}

	if (!strcmp(path, "-")) {
		w->f = stdout;
	} else {
		w->f = fopen(path, "wb");
		if (!w->f) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto free_writer;
		}
		w->close_f = 1;
	}
	ret = pcapng_headers(w, snaplen, comment);
	if (ret) {
		snprintf(err, errlen, "%s: write failed", path);
		goto close_file;
	}
	*out = w;
	return 0;

close_file:
	if (w->close_f)
		fclose(w->f);
close_dead:
	if (w->dead)
		pcap_close(w->dead);
free_writer:
	free(w);
	return ret;
}

int capw_write(struct capw *w, uint64_t ts_ns, const uint8_t *data,
	       uint32_t caplen, uint32_t len)
{
	uint8_t hdr[20], zero[4] = { 0 };
	uint32_t total;

	if (w->dumper) {
		struct pcap_pkthdr h;
		uint64_t frac = ts_ns % 1000000000u;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
		h.ts.tv_usec = (suseconds_t)(w->format == CAPW_PCAP_NS ?
						     frac :
						     frac / 1000);
		h.caplen = caplen;
		h.len = len;
		pcap_dump((u_char *)w->dumper, &h, data);
		return 0;
	}

	/* Enhanced packet block. */
	total = (uint32_t)(12 + 20 + pad4(caplen));
	put_le32(hdr, PCAPNG_EPB);
	put_le32(hdr + 4, total);
	write_bytes(w, hdr, 8);
	put_le32(hdr, 0); /* interface 0 */
	put_le32(hdr + 4, (uint32_t)(ts_ns >> 32));
	put_le32(hdr + 8, (uint32_t)ts_ns);
	put_le32(hdr + 12, caplen);
	put_le32(hdr + 16, len);
	write_bytes(w, hdr, 20);
	write_bytes(w, data, caplen);
	write_bytes(w, zero, pad4(caplen) - caplen);
	put_le32(hdr, total);
	write_bytes(w, hdr, 4);
	return w->failed ? -EIO : 0;
}

int capw_close(struct capw *w)
{
	int ret = 0;

	if (!w)
		return 0;
	if (w->dumper) {
		FILE *f = pcap_dump_file(w->dumper);

		if (pcap_dump_flush(w->dumper) || ferror(f))
			ret = -EIO;
		pcap_dump_close(w->dumper);
		pcap_close(w->dead);
	} else {
		if (fflush(w->f) || ferror(w->f) || w->failed)
			ret = -EIO;
		if (w->close_f && fclose(w->f))
			ret = -EIO;
	}
	free(w);
	return ret;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int capw_convert(enum capw_link link, const uint8_t *eth, uint32_t caplen,
		 uint32_t len, unsigned int flags, uint8_t *out, size_t cap,
		 uint32_t *out_caplen, uint32_t *out_len)
{
	/* Linux packet types: PACKET_HOST 0, PACKET_OUTGOING 4. */
	uint8_t pkttype = (flags & CAPW_F_OUTGOING) ? 4 : 0;
	uint32_t l3 = 14, hlen;
	uint16_t proto;
	unsigned int i;

	if (link == CAPW_LINK_ETH) {
		if (caplen > cap)
			return -EINVAL;
		memcpy(out, eth, caplen);
		*out_caplen = caplen;
		*out_len = len;
		return 1;
	}
	if (caplen < 14)
		return 0;
	switch (link) {
	case CAPW_LINK_SLL:
		hlen = CAPW_SLL_HLEN;
		break;
	case CAPW_LINK_SLL2:
		hlen = CAPW_SLL2_HLEN;
		break;
	default:
		proto = get_be16(eth + 12);
		for (i = 0; i < 2 && (proto == 0x8100 || proto == 0x88a8);
		     i++) {
			if (caplen < l3 + 4)
				return 0;
			proto = get_be16(eth + l3 + 2);
			l3 += 4;
		}
		if (proto != 0x0800 && proto != 0x86dd)
			return 0;
		if (caplen <= l3)
			return 0;
		hlen = 0;
		break;
	}
	if ((size_t)caplen - l3 + hlen > cap)
		return -EINVAL;

	memset(out, 0, hlen);
	if (link == CAPW_LINK_SLL) {
		/* type, ARPHRD_ETHER, address length, address, protocol */
		put_be16(out, pkttype);
		put_be16(out + 2, 1);
		put_be16(out + 4, 6);
		memcpy(out + 6, eth + 6, 6);
		memcpy(out + 14, eth + 12, 2);
	} else if (link == CAPW_LINK_SLL2) {
		/* protocol, reserved, ifindex, ARPHRD_ETHER, type, addr */
		memcpy(out, eth + 12, 2);
		put_be32(out + 4, 1);
		put_be16(out + 8, 1);
		out[10] = pkttype;
		out[11] = 6;
		memcpy(out + 12, eth + 6, 6);
	}
	memcpy(out + hlen, eth + l3, caplen - l3);
	*out_caplen = caplen - l3 + hlen;
	*out_len = len - l3 + hlen;
	return 1;
}
