/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The writer of the boot plan read by /init, in the format of abi/abi.h. */
#ifndef MKINITRAMFS_PLAN_H
#define MKINITRAMFS_PLAN_H

#include <stddef.h>

#include "util.h"

struct plan;

/* kver "" for an image without modules (-k none). */
int plan_new(const char *kver, struct plan **ret);
void plan_free(struct plan *p);
DEFINE_FREEP(plan_free, struct plan)

/*
 * Append an M record; modules must be added in load order. `flags` are the ABI_FLAG_*
 * letters ("" for none), `deps` indexes of earlier records. Returns the new record's
 * index, or -EINVAL (a TAB or newline in a field, a dep not earlier), -E2BIG (beyond
 * the ABI limits).
 */
int plan_add_module(struct plan *p, const char *name, const char *path, const char *flags,
		    const size_t *deps, size_t ndeps, const char *params);
int plan_add_alias(struct plan *p, const char *pattern, size_t index);
int plan_add_fact(struct plan *p, const char *key, const char *value);
/* One record's line (no newline) from its fields, the first its one-letter type;
 * -EINVAL when a field holds a TAB or newline, or the type is not one letter. */
int plan_record_text(const char *const *fields, size_t n, char **ret);

/* What the hooks ask the init to do beyond loading modules (abi.h's R, L and V records).
 */
struct plan_handlers {
	const char *mdadm; /* the image's mdadm (MDADM=yes), or NULL */
	/* The V record's fields ("V" first), or none: the console helper and its files.
	 */
	const char *const *vconsole;
	size_t nvconsole;
	const char *lvm; /* the image's lvm (LVM=yes), or NULL */
};

/* Append the records of h (NULL: none). -EINVAL for a path the init cannot use. */
int plan_add_handlers(struct plan *p, const struct plan_handlers *h);

/* The plan's text; owned by `p`, valid until the next change. */
int plan_render(struct plan *p, const char **ret_text, size_t *ret_size);

#endif
