/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The writer of the boot plan read by /init, in the format of abi/abi.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "plan.h"
#include "util.h"

/* A growable text buffer; records are appended to one of three sections. */
struct buf {
	char *s;
	size_t n;
	size_t cap;
};

struct plan {
	struct buf head;    /* magic, K, F */
	struct buf modules; /* M */
	struct buf aliases; /* A */
	struct buf out;
	size_t nmodules;
};

static void buf_free(struct buf *b)
{
	free(b->s);
	*b = (struct buf){0};
}

static int buf_append(struct buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + len + 1)
			cap *= 2;
		char *v = realloc(b->s, cap);
		if (!v)
			return -ENOMEM;
		b->s = v;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
	return 0;
}

/* Fields must not break the line structure the init parses in one pass. */
static int field_ok(const char *s)
{
	return !strpbrk(s, "\t\n");
}

/* Appends one whole line, refusing lines the init could not hold. */
_printf_(2, 3) static int buf_line(struct buf *b, const char *fmt, ...)
{
	char line[ABI_PLAN_MAX_LINE + 1];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= ABI_PLAN_MAX_LINE) /* the newline must fit too */
		return -E2BIG;
	line[n++] = '\n';
	return buf_append(b, line, (size_t)n);
}

int plan_new(const char *kver, struct plan **ret)
{
	if (!field_ok(kver))
		return -EINVAL;
	_cleanup_(plan_freep) struct plan *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = buf_line(&p->head, "%s\t%d", ABI_PLAN_MAGIC, ABI_PLAN_VERSION);
	if (r < 0)
		return r;
	r = buf_line(&p->head, "%c\t%s", ABI_REC_KERNEL, kver);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	buf_free(&p->head);
	buf_free(&p->modules);
	buf_free(&p->aliases);
	buf_free(&p->out);
	free(p);
}

static int format_deps(const size_t *deps, size_t ndeps, size_t self, char **ret)
{
	struct buf b = {0};
	int r = 0;
	if (!ndeps)
		r = buf_append(&b, "-", 1);
	for (size_t i = 0; r >= 0 && i < ndeps; i++) {
		char num[32];
		if (deps[i] >= self) {
			r = -EINVAL;
			break;
		}
		int n = snprintf(num, sizeof(num), "%s%zu", i ? "," : "", deps[i]);
		r = buf_append(&b, num, (size_t)n);
	}
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*ret = b.s;
	return 0;
}

int plan_add_module(struct plan *p, const char *name, const char *path, const char *flags,
		    const size_t *deps, size_t ndeps, const char *params)
{
	if (!*name || !field_ok(name) || path[0] != '/' || !field_ok(path) ||
	    !field_ok(flags) || !field_ok(params))
		return -EINVAL;
	if (p->nmodules >= ABI_PLAN_MAX_MODULES)
		return -E2BIG;
	_cleanup_free_ char *d = NULL;
	int r = format_deps(deps, ndeps, p->nmodules, &d);
	if (r < 0)
		return r;
	r = buf_line(&p->modules, "%c\t%s\t%s\t%s\t%s\t%s", ABI_REC_MODULE, name, path,
		     *flags ? flags : "-", d, params);
	if (r < 0)
		return r;
	return (int)p->nmodules++;
}

int plan_add_alias(struct plan *p, const char *pattern, size_t index)
{
	if (!*pattern || !field_ok(pattern) || index >= p->nmodules)
		return -EINVAL;
	return buf_line(&p->aliases, "%c\t%s\t%zu", ABI_REC_ALIAS, pattern, index);
}

int plan_add_fact(struct plan *p, const char *key, const char *value)
{
	if (!*key || !field_ok(key) || !field_ok(value))
		return -EINVAL;
	return buf_line(&p->head, "%c\t%s\t%s", ABI_REC_FACT, key, value);
}

int plan_record_text(const char *const *fields, size_t n, char **ret)
{
	_cleanup_(buf_free) struct buf b = {0};
	int r;

	if (!n || strlen(fields[0]) != 1)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!field_ok(fields[i]))
			return -EINVAL;
		if (i) {
			r = buf_append(&b, "\t", 1);
			if (r < 0)
				return r;
		}
		r = buf_append(&b, fields[i], strlen(fields[i]));
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(b.s);
	return 0;
}

/*
 * lvm's settings for a boot without udev: it scans /dev itself, creates the /dev/VG/LV
 * links and /dev/mapper nodes itself, waits for no udev event and starts no dmeventd.
 * The image has no devices file (system.devices), so every PV is seen.
 */
#define LVM_CONFIG                                                                       \
	"devices{obtain_device_list_from_udev=0 use_devicesfile=0} "                     \
	"activation{udev_sync=0 udev_rules=0 monitoring=0}"

int plan_add_handlers(struct plan *p, const struct plan_handlers *h)
{
	int r;

	if (!h)
		return 0;
	if ((h->mdadm && (h->mdadm[0] != '/' || !field_ok(h->mdadm))) ||
	    (h->lvm && (h->lvm[0] != '/' || !field_ok(h->lvm))))
		return -EINVAL;
	if (h->mdadm) {
		r = buf_line(&p->head, "%c\t%s", ABI_REC_MD, h->mdadm);
		if (r < 0)
			return r;
	}
	if (h->lvm) {
		r = buf_line(&p->head, "%c\t%s\t%s", ABI_REC_LVM, h->lvm, LVM_CONFIG);
		if (r < 0)
			return r;
	}
	if (h->nvconsole) {
		_cleanup_free_ char *line = NULL;
		r = plan_record_text(h->vconsole, h->nvconsole, &line);
		if (r < 0)
			return r;
		return buf_line(&p->head, "%s", line);
	}
	return 0;
}

int plan_render(struct plan *p, const char **ret_text, size_t *ret_size)
{
	size_t total = p->head.n + p->modules.n + p->aliases.n;
	if (total > ABI_PLAN_MAX_BYTES)
		return -E2BIG;
	p->out.n = 0;
	const struct buf *parts[] = {&p->head, &p->modules, &p->aliases};
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		int r = buf_append(&p->out, parts[i]->s ? parts[i]->s : "", parts[i]->n);
		if (r < 0)
			return r;
	}
	*ret_text = p->out.s;
	*ret_size = p->out.n;
	return 0;
}
