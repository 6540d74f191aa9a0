// SPDX-License-Identifier: BSD-3-Clause
/*
 * Attach and detach: pin the instance for operators (on a BPF
 * filesystem), attach to one interface (host mode) or two (inline-bridge
 * mode), and undo both.
 */
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mxgate/xdp.h"
#include "xdp_instance.h"

#define BPFFS_MOUNT_POINT "/sys/fs/bpf"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* ------------------------------------------------------------------ */
/* Pins */

/* Is dir's parent on a BPF filesystem? */
static int check_bpffs(const char *dir)
{
	char parent[PATH_MAX];
	struct statfs st;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	else if (slash)
		slash[1] = 0;
	if (statfs(parent, &st)) {
		XDP_ERR("cannot use %s for pins: %s", parent, strerror(errno));
		return -errno;
	}
	if ((unsigned long)st.f_type == BPF_FS_MAGIC)
		return 0;
	/*
	 * The standard mount point is empty on machines whose init does not
	 * mount bpffs; mount it there, as bpftool does. Anywhere else the
	 * operator chose the directory, so only say what is wrong.
	 */
	if (!strcmp(parent, BPFFS_MOUNT_POINT) &&
	    !mount("bpf", BPFFS_MOUNT_POINT, "bpf", 0, "mode=0700") &&
	    !statfs(parent, &st) && (unsigned long)st.f_type == BPF_FS_MAGIC) {
		XDP_INFO("mounted a BPF filesystem on %s", parent);
		return 0;
	}
	XDP_ERR("%s is not a BPF filesystem; mount one with: mount -t "
		"bpf bpf %s",
		parent, parent);
	return -ENOTSUP;
}

static void unpin_all(const char *dir)
{
	char path[PATH_MAX], name[64];
	uint32_t b;
	int i, v6;

	if (!xdp_pin_path(path, sizeof(path), dir, XDP_PROG_NAME))
		unlink(path);
	for (i = 0; i < M_COUNT; i++)
		if (!xdp_pin_path(path, sizeof(path), dir, xdp_map_names[i]))
			unlink(path);
	for (b = 0; b < MXG_XDP_BUFFERS; b++)
		for (v6 = 0; v6 < 2; v6++)
			if (!xdp_trie_pin_name(name, sizeof(name), v6, b) &&
			    !xdp_pin_path(path, sizeof(path), dir, name))
				unlink(path);
	if (rmdir(dir) && errno != ENOENT)
		XDP_WARN("cannot remove %s: %s", dir, strerror(errno));
}

static int pin_all(struct mxg_xdp *x, const char *dir)
{
	char path[PATH_MAX];
	int i, err;

	err = xdp_pin_path(path, sizeof(path), dir, XDP_PROG_NAME);
	if (!err && bpf_obj_pin(x->prog_fd, path))
		err = -errno;
	for (i = 0; !err && i < M_COUNT; i++) {
		err = xdp_pin_path(path, sizeof(path), dir, xdp_map_names[i]);
		if (!err && bpf_obj_pin(x->map_fd[i], path))
			err = -errno;
	}
	if (err)
		XDP_ERR("cannot pin %s: %s", path, strerror(-err));
	return err;
}

/* Current tries of both buffers, pinned for operators. */
static void pin_current_tries(struct mxg_xdp *x)
{
	uint32_t b, id;
	int v6, fd4, fd6;

	for (b = 0; b < MXG_XDP_BUFFERS; b++) {
		int fds[2] = { -1, -1 };

		for (v6 = 0; v6 < 2; v6++)
			if (!bpf_map_lookup_elem(x->map_fd[v6 ? M_V6 : M_V4],
						 &b, &id))
				fds[v6] = bpf_map_get_fd_by_id(id);
		fd4 = fds[0];
		fd6 = fds[1];
		if (fd4 >= 0 && fd6 >= 0)
			xdp_tries_pin(x, b, fd4, fd6);
		if (fd4 >= 0)
			close(fd4);
		if (fd6 >= 0)
			close(fd6);
	}
}

/* ------------------------------------------------------------------ */
/* Attach and detach */

static const char *attach_name(int mode)
{
	return mode == MXG_XDP_ATTACH_NATIVE  ? "native" :
	       mode == MXG_XDP_ATTACH_GENERIC ? "generic" :
						"none";
}

static uint32_t attach_flags(int mode)
{
	return mode == MXG_XDP_ATTACH_NATIVE ? XDP_FLAGS_DRV_MODE :
					       XDP_FLAGS_SKB_MODE;
}

/* Attach to one interface; *mode says how. */
static int attach_one(struct mxg_xdp *x, const char *name, uint32_t ifindex,
		      int want, uint8_t *mode)
{
	uint32_t flags = XDP_FLAGS_UPDATE_IF_NOEXIST, other = 0;
	int err;

	if (want != MXG_XDP_WANT_GENERIC) {
		err = bpf_xdp_attach((int)ifindex, x->prog_fd,
				     flags | XDP_FLAGS_DRV_MODE, NULL);
		if (!err) {
			*mode = MXG_XDP_ATTACH_NATIVE;
			XDP_INFO("attached to %s in native mode", name);
			return 0;
		}
		if (err == -EBUSY || err == -EEXIST)
			goto busy;
		if (want == MXG_XDP_WANT_NATIVE) {
			XDP_ERR("cannot attach to %s in native mode: %s%s",
				name, strerror(-err),
				err == -EOPNOTSUPP ?
					" (the driver has no native XDP; "
					"try --xdp-mode generic)" :
					"");
			return err;
		}
		XDP_WARN("%s: native XDP unavailable (%s); using generic mode, "
			 "which runs after the kernel allocates socket "
			 "buffers and is much slower",
			 name, strerror(-err));
	}
	err = bpf_xdp_attach((int)ifindex, x->prog_fd,
			     flags | XDP_FLAGS_SKB_MODE, NULL);
	if (!err) {
		*mode = MXG_XDP_ATTACH_GENERIC;
		XDP_INFO("attached to %s in generic mode", name);
		return 0;
	}
	if (err == -EBUSY || err == -EEXIST)
		goto busy;
	XDP_ERR("cannot attach to %s in generic mode: %s", name,
		strerror(-err));
	return err;

busy:
	bpf_xdp_query_id((int)ifindex, 0, &other);
	XDP_ERR("%s already has an XDP program attached (id %u); detach it "
		"first",
		name, other);
	return -EBUSY;
}

/* Detach from one interface if our program is the one attached there. */
static void detach_one(struct mxg_xdp *x, uint32_t ifindex, int mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = x->prog_fd);
	char name[IF_NAMESIZE] = "?";
	uint32_t id = 0;
	int err;

	if (!if_indextoname(ifindex, name)) {
		XDP_WARN("interface %u is gone: nothing to detach there",
			 ifindex);
		return;
	}
	err = bpf_xdp_query_id((int)ifindex, (int)attach_flags(mode), &id);
	if (err || id != x->prog_id) {
		XDP_WARN("%s: mxgate's program (id %u) is not attached in %s "
			 "mode (found id %u); left alone",
			 name, x->prog_id, attach_name(mode), id);
		return;
	}
	err = bpf_xdp_detach((int)ifindex, attach_flags(mode), &opts);
	if (err)
		XDP_WARN("cannot detach from %s: %s", name, strerror(-err));
	else
		XDP_INFO("detached from %s", name);
}

int mxg_xdp_attach(struct mxg_xdp *x, const struct mxg_xdp_attach_opts *o)
{
	const char *dir = o->pin_dir ? o->pin_dir : MXG_XDP_PIN_DIR;
	uint32_t ifindex[MXG_XDP_IFACES_MAX] = { 0 }, i, n = o->n_ifaces;
	uint8_t mode[MXG_XDP_IFACES_MAX] = { 0 };
	int err, lock, attached = 0;

	if (n != (x->inline_mode ? 2u : 1u)) {
		XDP_ERR("%s mode takes %s interface%s",
			x->inline_mode ? "inline" : "host",
			x->inline_mode ? "two" : "one",
			x->inline_mode ? "s" : "");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		ifindex[i] = if_nametoindex(o->ifname[i]);
		if (!ifindex[i]) {
			XDP_ERR("no interface named \"%s\"", o->ifname[i]);
			return -ENODEV;
		}
	}
	if (n == 2 && ifindex[0] == ifindex[1]) {
		XDP_ERR("inline mode needs two different interfaces");
		return -EINVAL;
	}
	if (xdp_active_buffer(x) < 0) {
		XDP_ERR("no policy installed: install one before attaching");
		return -EINVAL;
	}
	if (n == 2) {
		for (i = 0; i < 2; i++)
			if (bpf_map_update_elem(x->map_fd[M_PORTS], &ifindex[i],
						&ifindex[1 - i], BPF_ANY)) {
				err = -errno;
				XDP_ERR("cannot set the port map: %s",
					strerror(-err));
				return err;
			}
	}

	err = check_bpffs(dir);
	if (err)
		return err;
	if (mkdir(dir, 0700)) {
		err = -errno;
		if (err == -EEXIST)
			XDP_ERR("%s exists: mxgate's XDP program is already "
				"attached (use reload or detach)",
				dir);
		else
			XDP_ERR("cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	lock = xdp_lock_dir(dir);
	if (lock < 0) {
		err = lock;
		XDP_ERR("cannot lock %s: %s", dir, strerror(-err));
		goto remove_dir;
	}
	err = pin_all(x, dir);
	if (err)
		goto unpin;
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s", dir);
	pin_current_tries(x);

	x->config->n_ifaces = 0;
	for (i = 0; i < n; i++) {
		err = attach_one(x, o->ifname[i], ifindex[i], o->want,
				 &mode[i]);
		if (err)
			goto detach;
		attached++;
		x->config->ifindex[i] = ifindex[i];
		x->config->attach[i] = mode[i];
		x->config->n_ifaces = i + 1;
	}
	xdp_unlock_dir(lock);
	return 0;

detach:
	for (i = 0; i < (uint32_t)attached; i++)
		detach_one(x, ifindex[i], mode[i]);
	x->config->n_ifaces = 0;
	x->pin_dir[0] = 0;
unpin:
	unpin_all(dir);
	xdp_unlock_dir(lock);
	return err;
remove_dir:
	rmdir(dir);
	return err;
}

int mxg_xdp_detach(struct mxg_xdp *x)
{
	uint32_t i, n;
	int lock;

	if (!x->pin_dir[0]) {
		XDP_ERR("this instance is not attached");
		return -EINVAL;
	}
	lock = xdp_lock_dir(x->pin_dir);
	if (lock < 0)
		XDP_WARN("cannot lock %s: %s", x->pin_dir, strerror(-lock));
	n = x->config->n_ifaces;
	for (i = 0; i < n && i < MXG_XDP_IFACES_MAX; i++)
		detach_one(x, x->config->ifindex[i], x->config->attach[i]);
	x->config->n_ifaces = 0;
	unpin_all(x->pin_dir);
	xdp_unlock_dir(lock);
	x->pin_dir[0] = 0;
	return 0;
}
