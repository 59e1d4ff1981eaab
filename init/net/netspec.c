/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network root specifications from the command line: pure text functions. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ipconf.h"
#include "netspec.h"
#include "str.h"

static int copy_n(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return -EINVAL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* An option word "key=value" in a comma-separated list; its value into buf. */
static bool option_value(const char *opts, const char *key, char *buf, size_t cap)
{
	size_t klen = strlen(key);

	for (const char *p = opts; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			if (copy_n(buf, cap, p + klen + 1, len - klen - 1) < 0)
				return false;
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool option_present(const char *opts, const char *word)
{
	size_t wlen = strlen(word);

	for (const char *p = opts; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == wlen && strncmp(p, word, wlen) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* Version and port from the options, once they are known. */
static int nfs_finish(struct netspec *n)
{
	char v[16];
	unsigned long port;

	if (n->path[0] && n->path[0] != '/')
		return -EINVAL;
	if (option_value(n->options, "vers", v, sizeof(v)) ||
	    option_value(n->options, "nfsvers", v, sizeof(v))) {
		if (v[0] != '3' && v[0] != '4')
			return -EINVAL;
		n->nfs_vers = v[0] - '0';
	}
	n->port = NETSPEC_NFS_PORT;
	if (option_value(n->options, "port", v, sizeof(v))) {
		if (str_to_uint(v, &port) < 0 || port == 0 || port > 65535)
			return -EINVAL;
		n->port = (uint16_t)port;
	}
	return 0;
}

/* "[<server>:]<path>" + the rest after sep ("," for the kernel, ":" for dracut). */
static int nfs_location(struct netspec *n, const char *text, char sep)
{
	const char *colon = strchr(text, ':'), *path = text, *opts;
	size_t len;

	if (colon && text[0] != '/') {
		if (ip4_parse(text, (size_t)(colon - text), &n->server) < 0)
			return -EINVAL;
		path = colon + 1;
	}
	opts = strchr(path, sep);
	len = opts ? (size_t)(opts - path) : strlen(path);
	if (copy_n(n->path, sizeof(n->path), path, len) < 0)
		return -EINVAL;
	if (opts &&
	    copy_n(n->options, sizeof(n->options), opts + 1, strlen(opts + 1)) < 0)
		return -EINVAL;
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *ret)
{
	char buf[8];
	unsigned long v;

	if (copy_n(buf, sizeof(buf), s, len) < 0 || str_to_uint(buf, &v) < 0 || !v ||
	    v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* dracut: <server>:<port>[/<export>][:<fstype>[:<rootflags>]] */
static int nbd_dracut(struct netspec *n, const char *text)
{
	const char *colon = strchr(text, ':'), *p, *end, *slash;

	if (!colon || ip4_parse(text, (size_t)(colon - text), &n->server) < 0)
		return -EINVAL;
	p = colon + 1;
	end = strchr(p, ':');
	if (!end)
		end = p + strlen(p);
	slash = memchr(p, '/', (size_t)(end - p));
	if (parse_port(p, (size_t)((slash ? slash : end) - p), &n->port) < 0)
		return -EINVAL;
	if (slash &&
	    copy_n(n->path, sizeof(n->path), slash + 1, (size_t)(end - slash - 1)) < 0)
		return -EINVAL;
	if (!*end)
		return 0;
	p = end + 1;
	end = strchr(p, ':');
	if (copy_n(n->fstype, sizeof(n->fstype), p, end ? (size_t)(end - p) : strlen(p)) <
	    0)
		return -EINVAL;
	if (end &&
	    copy_n(n->rootflags, sizeof(n->rootflags), end + 1, strlen(end + 1)) < 0)
		return -EINVAL;
	return 0;
}

/* Debian: <server>,<port>[,<export>]; a name in place of the port is an export. */
static int nbd_debian(struct netspec *n, const char *text)
{
	const char *c1 = strchr(text, ','), *p, *c2;

	if (!c1 || ip4_parse(text, (size_t)(c1 - text), &n->server) < 0)
		return -EINVAL;
	p = c1 + 1;
	c2 = strchr(p, ',');
	if (parse_port(p, c2 ? (size_t)(c2 - p) : strlen(p), &n->port) < 0) {
		if (c2 || !*p)
			return -EINVAL;
		n->port = NETSPEC_NBD_PORT;
		return copy_n(n->path, sizeof(n->path), p, strlen(p));
	}
	if (c2 && copy_n(n->path, sizeof(n->path), c2 + 1, strlen(c2 + 1)) < 0)
		return -EINVAL;
	return 0;
}

int netspec_parse(const char *root, const char *nfsroot, const char *nbdroot,
		  struct netspec *n, const char **what)
{
	int r = 0;

	memset(n, 0, sizeof(*n));
	*what = "root";
	if (!root)
		return 0;
	if (str_startswith(root, "nfs:") || str_startswith(root, "nfs4:")) {
		n->type = NETSPEC_NFS;
		n->nfs_vers = root[3] == '4' ? 4 : 3;
		r = nfs_location(n, strchr(root, ':') + 1, ':');
		if (r == 0 && !n->path[0])
			r = -EINVAL;
	} else if (!strcmp(root, "/dev/nfs")) {
		n->type = NETSPEC_NFS;
		n->nfs_vers = 3;
		if (nfsroot) {
			*what = "nfsroot";
			r = nfs_location(n, nfsroot, ',');
			if (r == 0 && !n->path[0])
				r = -EINVAL;
		}
	} else if (str_startswith(root, "nbd:")) {
		n->type = NETSPEC_NBD;
		r = nbd_dracut(n, root + 4);
	} else if (nbdroot && str_startswith(root, "/dev/nbd")) {
		n->type = NETSPEC_NBD;
		*what = "nbdroot";
		r = nbd_debian(n, nbdroot);
	}
	if (r == 0 && n->type == NETSPEC_NFS)
		r = nfs_finish(n);
	if (r < 0)
		n->type = NETSPEC_NONE;
	return r;
}

int netspec_apply_rootpath(struct netspec *n, const char *rootpath)
{
	struct netspec from;

	memset(&from, 0, sizeof(from));
	if (nfs_location(&from, rootpath, ',') < 0 || from.path[0] != '/')
		return -EINVAL;
	if (!n->server)
		n->server = from.server;
	if (!n->path[0]) {
		memcpy(n->path, from.path, sizeof(n->path));
		if (!n->options[0])
			memcpy(n->options, from.options, sizeof(n->options));
		return nfs_finish(n);
	}
	return 0;
}

int netspec_nfs_data(const struct netspec *n, uint32_t client, char *buf, size_t cap)
{
	char a[IP4_TEXT_MAX], c[IP4_TEXT_MAX];
	struct str s;

	str_init(&s, buf, cap);
	if (n->options[0])
		str_addf(&s, "%s,", n->options);
	str_addf(&s, "addr=%s", ip4_format(n->server, a));
	if (!option_value(n->options, "vers", c, sizeof(c)) &&
	    !option_value(n->options, "nfsvers", c, sizeof(c)))
		str_addf(&s, ",vers=%d", n->nfs_vers);
	if (n->nfs_vers == 4)
		str_addf(&s, ",clientaddr=%s", ip4_format(client, c));
	else if (!option_present(n->options, "lock") &&
		 !option_present(n->options, "nolock"))
		str_add(&s, ",nolock"); /* no lock daemon (rpc.statd) in the initramfs */
	return s.truncated ? -ENAMETOOLONG : 0;
}
