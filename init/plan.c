/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parse the plan in one pass: records split on TAB and '\n', strings point into it. */
#include <errno.h>
#include <string.h>

#include "plan.h"
#include "str.h"

static struct plan_module modules[ABI_PLAN_MAX_MODULES];
static struct plan_alias aliases[PLAN_MAX_ALIASES];

/* Split line into at most max fields on TAB; the last field keeps any further TABs. */
static size_t split(char *line, char **fields, size_t max)
{
	size_t n = 0;

	fields[n++] = line;
	while (n < max) {
		char *tab = strchr(fields[n - 1], '\t');

		if (!tab)
			break;
		*tab = '\0';
		fields[n++] = tab + 1;
	}
	return n;
}

/* The flag letters, in the order of the PLAN_* bits. */
static const char flag_letters[] = {ABI_FLAG_ALWAYS,
				    ABI_FLAG_MATCH,
				    ABI_FLAG_OPTIONAL,
				    ABI_FLAG_SOFTDEP,
				    ABI_FLAG_COMPRESSED,
				    ABI_FLAG_REQUEST,
				    ABI_FLAG_CONSOLE,
				    ABI_FLAG_UNZSTD,
				    ABI_FLAG_DEFERRED,
				    ABI_FLAG_EARLY,
				    '\0'};

static int parse_flags(const char *text, unsigned *ret)
{
	unsigned flags = 0;

	if (strcmp(text, "-") == 0) {
		*ret = 0;
		return 0;
	}
	if (!*text)
		return -EBADMSG;
	/* Unknown letters are for later inits, as unknown records are. */
	for (const char *p = text; *p; p++) {
		const char *l = strchr(flag_letters, *p);

		if (l)
			flags |= 1u << (l - flag_letters);
	}
	*ret = flags;
	return 0;
}

long plan_next_dep(const char **cursor)
{
	const char *p = *cursor;
	long v = 0;

	while (*p == ',')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > ABI_PLAN_MAX_MODULES)
			return -1;
		p++;
	}
	*cursor = p;
	return v;
}

/* Every dependency must be an earlier module: the plan is in load order. */
static int check_deps(const char *deps, size_t self)
{
	const char *p = deps;
	long d;

	while ((d = plan_next_dep(&p)) >= 0)
		if ((size_t)d >= self)
			return -EBADMSG;
	return *p ? -EBADMSG : 0;
}

static int parse_module(struct plan *plan, char **f, size_t n)
{
	struct plan_module *m;
	int r;

	if (n < 5)
		return -EBADMSG;
	if (plan->n_modules >= ABI_PLAN_MAX_MODULES)
		return -E2BIG;
	m = &modules[plan->n_modules];
	memset(m, 0, sizeof(*m));
	m->name = f[1];
	m->path = f[2];
	if (!*m->name || m->path[0] != '/')
		return -EBADMSG;
	r = parse_flags(f[3], &m->flags);
	if (r < 0)
		return r;
	m->deps = strcmp(f[4], "-") == 0 ? "" : f[4];
	r = check_deps(m->deps, plan->n_modules);
	if (r < 0)
		return r;
	m->params = n > 5 ? f[5] : "";
	plan->n_modules++;
	return 0;
}

static int parse_alias(struct plan *plan, char **f, size_t n)
{
	unsigned long idx;

	if (n < 3 || !*f[1] || str_to_uint(f[2], &idx) < 0)
		return -EBADMSG;
	if (plan->n_aliases >= PLAN_MAX_ALIASES)
		return -E2BIG;
	aliases[plan->n_aliases].pattern = f[1];
	aliases[plan->n_aliases].module = (unsigned)idx;
	plan->n_aliases++;
	return 0;
}

static int parse_line(struct plan *plan, char *line)
{
	char *f[6];
	size_t n;

	if (!*line)
		return 0;
	n = split(line, f, ARRAY_SIZE(f));
	if (f[0][0] == '\0' || f[0][1] != '\0')
		return 0; /* not a one-letter record: a later format's, ignored */
	switch (f[0][0]) {
	case ABI_REC_KERNEL:
		if (n < 2)
			return -EBADMSG;
		plan->kernel = f[1];
		return 0;
	case ABI_REC_MODULE:
		return parse_module(plan, f, n);
	case ABI_REC_ALIAS:
		return parse_alias(plan, f, n);
	case ABI_REC_MD:
		if (n < 2 || f[1][0] != '/')
			return -EBADMSG;
		plan->mdadm = f[1];
		return 0;
	case ABI_REC_VCONSOLE:
		if (n < 6 || f[1][0] != '/')
			return -EBADMSG;
		memcpy(plan->vconsole, f + 1, 5 * sizeof(*f));
		return 0;
	case ABI_REC_LVM:
		if (n < 3 || f[1][0] != '/')
			return -EBADMSG;
		plan->lvm = f[1];
		plan->lvm_config = f[2];
		return 0;
	default:
		return 0;
	}
}

int plan_parse(struct plan *plan, char *buf, size_t len)
{
	char *line = buf, *end = buf + len;
	unsigned long version;
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->modules = modules;
	plan->aliases = aliases;
	plan->kernel = "";
	if (len > ABI_PLAN_MAX_BYTES)
		return -E2BIG;
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));

		plan->line++;
		if (!nl)
			return -EBADMSG; /* a cut file: the last line has no newline */
		*nl = '\0';
		if ((size_t)(nl - line) >= ABI_PLAN_MAX_LINE)
			return -EBADMSG;
		if (plan->line == 1) {
			char *f[2];

			if (split(line, f, 2) != 2 || strcmp(f[0], ABI_PLAN_MAGIC) != 0)
				return -EBADMSG;
			if (str_to_uint(f[1], &version) < 0)
				return -EBADMSG;
			if (version != ABI_PLAN_VERSION)
				return -EPROTO;
		} else {
			r = parse_line(plan, line);
			if (r < 0)
				return r;
		}
		line = nl + 1;
	}
	if (plan->line == 0)
		return -EBADMSG;
	for (size_t i = 0; i < plan->n_aliases; i++)
		if (aliases[i].module >= plan->n_modules) {
			plan->line = 0;
			return -EBADMSG;
		}
	plan->line = 0;
	return 0;
}
