/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root-first loading of devices' drivers. A generic image matches every device of the
 * machine, but the root sits behind few of them: loading a driver is mostly the time
 * of reading and relocating its files, so the cheapest closure goes first, and what
 * is still queued when the root appears is left to the real root's udev.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "devqueue.h"
#include "log.h"
#include "str.h"

#define TAKEN 0xffff

static struct {
	size_t n, text_len;
	struct {
		unsigned short mod;
		unsigned short why; /* offset in text */
	} q[DEVQUEUE_MAX];
	char text[4096];
} dq;

void devqueue_reset(void)
{
	dq.n = dq.text_len = 0;
}

static bool is_waiting(const struct plan *plan, size_t k)
{
	return dq.q[k].mod != TAKEN && plan->modules[dq.q[k].mod].state == PLAN_PENDING;
}

/* The queue's entries still waiting, dropping the others. */
static size_t live(const struct plan *plan)
{
	size_t n = 0;

	for (size_t k = 0; k < dq.n; k++)
		if (is_waiting(plan, k))
			n++;
		else
			dq.q[k].mod = TAKEN;
	return n;
}

size_t devqueue_waiting(const struct plan *plan)
{
	return live(plan);
}

int devqueue_add(const struct plan *plan, size_t mod, const char *why)
{
	size_t len = strlen(why) + 1;

	if (!live(plan))
		devqueue_reset(); /* all taken: start over, text and all */
	for (size_t k = 0; k < dq.n; k++)
		if (dq.q[k].mod == mod)
			return 0;
	if (dq.n == DEVQUEUE_MAX || dq.text_len + len > sizeof(dq.text))
		return -ENOSPC;
	memcpy(dq.text + dq.text_len, why, len);
	dq.q[dq.n].mod = (unsigned short)mod;
	dq.q[dq.n++].why = (unsigned short)dq.text_len;
	dq.text_len += len;
	return 0;
}

static unsigned long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned long)st.st_size : 0;
}

unsigned long devqueue_cost(const struct plan *plan, size_t i)
{
	const char *p = plan->modules[i].deps;
	unsigned long sum = file_size(plan->modules[i].path);
	long d;

	/* <deps> is the whole closure, each once: a dep shared with a module loaded
	 * before costs nothing any more. */
	while ((d = plan_next_dep(&p)) >= 0)
		if ((size_t)d < plan->n_modules && plan->modules[d].state == PLAN_PENDING)
			sum += file_size(plan->modules[d].path);
	return sum;
}

/* The waiting entry of least cost (into *ret_cost); the first of equals. */
static size_t cheapest(const struct plan *plan, unsigned long *ret_cost)
{
	unsigned long best_cost = 0, c;
	size_t best = dq.n;

	for (size_t k = 0; k < dq.n; k++) {
		if (dq.q[k].mod == TAKEN)
			continue;
		c = devqueue_cost(plan, dq.q[k].mod);
		if (best == dq.n || c < best_cost) {
			best = k;
			best_cost = c;
		}
	}
	*ret_cost = best_cost;
	return best;
}

size_t devqueue_take(const struct plan *plan, size_t max, unsigned short *ret_mods,
		     const char **ret_whys)
{
	size_t n = 0, all = live(plan), k;
	unsigned long first = 0, c;

	while (n < max && n < all) {
		k = cheapest(plan, &c);
		/* Side by side only with what costs at most twice the first: a batch
		 * ends with its dearest load, and the root may be behind the first. */
		if (n && c > 2 * first)
			break;
		first = n ? first : c;
		ret_mods[n] = dq.q[k].mod;
		ret_whys[n++] = dq.text + dq.q[k].why;
		dq.q[k].mod = TAKEN;
	}
	return n;
}

size_t devqueue_log_left(const struct plan *plan)
{
	char line[512];
	struct str s;
	size_t n = live(plan);

	if (!n)
		return 0;
	str_init(&s, line, sizeof(line));
	for (size_t k = 0, i = 0; k < dq.n; k++) {
		if (dq.q[k].mod == TAKEN)
			continue;
		str_addf(&s, "%s%s", i++ ? ", " : "", plan->modules[dq.q[k].mod].name);
		log_debug("leaving '%s' for device '%s'", plan->modules[dq.q[k].mod].name,
			  dq.text + dq.q[k].why);
	}
	log_info("root found: leaving %zu device drivers to the real root: %s%s", n, line,
		 s.truncated ? " ..." : "");
	return n;
}
