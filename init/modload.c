/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module loading policy: order, dependencies, blacklist, parameters, failures. */
#include <errno.h>
#include <string.h>

#include "devqueue.h"
#include "helper.h"
#include "log.h"
#include "modload.h"
#include "str.h"
#include "sys.h"

static struct plan *plan;
static const struct cmdline *cmd;
static struct modload_stats stats;
static bool console_needed;
static bool deferred_needed;
static bool holding; /* devices' matches wait in devqueue.c: root first */

void modload_init(struct plan *p, const struct cmdline *c)
{
	plan = p;
	cmd = c;
	memset(&stats, 0, sizeof(stats));
	console_needed = deferred_needed = holding = false;
	devqueue_reset();
}

const struct modload_stats *modload_stats(void)
{
	return &stats;
}

int modload_params(size_t i, char *buf, size_t cap)
{
	const struct plan_module *m = &plan->modules[i];
	const char *p;
	size_t pos = 0;
	struct str s;

	str_init(&s, buf, cap);
	str_add(&s, m->params);
	while ((p = cmdline_next_modparam(cmd, m->name, &pos))) {
		if (s.len)
			str_addc(&s, ' ');
		str_add(&s, p);
	}
	return s.truncated ? -E2BIG : 0;
}

static bool is_soft_failure(const struct plan_module *m)
{
	return m->flags & (PLAN_OPTIONAL | PLAN_SOFTDEP);
}

/*
 * A batch: while one is open, load_one() queues a module after its deps instead of
 * loading it, and modload_batch_run() loads the queue, up to `jobs` modules at once,
 * each once its deps are done. A batch opens only on a machine with several CPUs; with
 * one, every module loads in place, as it always did.
 */
#define BATCH_MAX 256
static struct {
	unsigned jobs; /* 0: no batch open */
	int loaded;    /* devices' matches loaded */
	size_t n, text_len;
	struct {
		unsigned short mod;
		unsigned short
			why; /* 1 + offset in text of the device's modalias, or 0 */
	} q[BATCH_MAX];
	char text[4096];
} batch;

static void batch_load(void);

/*
 * 'u' modules: the image's unzstd helper writes "X.ko" beside "X.ko.zst", once for all
 * the modules of a load (a module and its deps, every 'a' one, a batch), and the init
 * loads "X.ko": its path loses ".zst" (the plan is parsed in place, so writable).
 */
#define UNZSTD_MAX 128
static struct {
	char *argv[UNZSTD_MAX + 2];
	size_t n;
} unz;

static void unzstd_run(void)
{
	if (!unz.n)
		return;
	log_info("decompressing %zu modules with '%s'", unz.n, ABI_UNZSTD_PATH);
	unz.argv[0] = (char *)"unzstd";
	unz.argv[unz.n + 1] = NULL;
	/* A file it could not write is then missing: its load fails naming it. */
	(void)helper_run(ABI_UNZSTD_PATH, unz.argv);
	for (size_t k = 1; k <= unz.n; k++)
		unz.argv[k][strlen(unz.argv[k]) - 4] = '\0';
	unz.n = 0;
}

static void unzstd_add(size_t i)
{
	struct plan_module *m = &plan->modules[i];

	if (!(m->flags & PLAN_UNZSTD) ||
	    (m->state != PLAN_PENDING && m->state < PLAN_QUEUED))
		return;
	m->flags &= ~(unsigned)PLAN_UNZSTD;
	if (unz.n == UNZSTD_MAX)
		unzstd_run();
	unz.argv[1 + unz.n++] = (char *)m->path;
}

/* Module i and its deps (its whole closure: abi.h's <deps>). */
static void unzstd_closure(size_t i)
{
	const char *p = plan->modules[i].deps;
	long d;

	while ((d = plan_next_dep(&p)) >= 0)
		if ((size_t)d < plan->n_modules)
			unzstd_add((size_t)d);
	unzstd_add(i);
}

static int load_one(size_t i);
static int load_queued(bool all);

static void load_deps(const struct plan_module *m)
{
	const char *p = m->deps;
	long d;

	while ((d = plan_next_dep(&p)) >= 0)
		if ((size_t)d < plan->n_modules)
			(void)load_one((size_t)d);
}

/* The parameters into params (MODLOAD_PARAMS_MAX bytes); the finit_module flags. */
static int prepare(size_t i, char *params)
{
	const struct plan_module *m = &plan->modules[i];
	int r = modload_params(i, params, MODLOAD_PARAMS_MAX);

	if (r < 0) {
		log_error("parameters of module '%s' do not fit in %u bytes", m->name,
			  (unsigned)MODLOAD_PARAMS_MAX);
		return r;
	}
	log_debug("loading module '%s' from '%s' with '%s'", m->name, m->path, params);
	return m->flags & PLAN_COMPRESSED ? MODLOAD_COMPRESSED_FILE : 0;
}

/* Record the result r of loading m; returns it, or 0 when a failure may be ignored. */
static int finish(struct plan_module *m, int r)
{
	if (r == -EEXIST)
		r = 0; /* built in, or loaded earlier: what we wanted */
	m->err = r;
	if (r == 0) {
		m->state = PLAN_LOADED;
		stats.loaded++;
		return 0;
	}
	m->state = PLAN_FAILED;
	if (is_soft_failure(m)) {
		stats.failed_optional++;
		log_warning("optional module '%s' failed to load: %s, ignoring", m->name,
			    log_errname(r));
		return 0;
	}
	stats.failed_required++;
	log_error("module '%s' failed to load from '%s': %s", m->name, m->path,
		  log_errname(r));
	return r;
}

static int load_one(size_t i)
{
	struct plan_module *m = &plan->modules[i];
	char params[MODLOAD_PARAMS_MAX];
	int r;

	if (m->state == PLAN_LOADED || m->state >= PLAN_QUEUED)
		return 0;
	if (m->state != PLAN_PENDING)
		return m->err;
	if (cmdline_blacklisted(cmd, m->name)) {
		m->state = PLAN_SKIPPED;
		stats.skipped++;
		log_info(
			"module '%s' is blacklisted on the kernel command line, skipping",
			m->name);
		return 0;
	}
	if (!batch.jobs) {
		unzstd_closure(i);
		unzstd_run();
	}
	load_deps(m);
	if (batch.jobs) {
		if (batch.n == BATCH_MAX)
			batch_load();
		m->state = PLAN_QUEUED;
		batch.q[batch.n].mod = (unsigned short)i;
		batch.q[batch.n++].why = 0;
		return 0;
	}
	r = prepare(i, params);
	if (r >= 0)
		r = sys_finit_module(m->path, params, r);
	return finish(m, r);
}

void modload_batch_begin(void)
{
	int n = sys_ncpu();

	batch.n = batch.text_len = 0;
	batch.loaded = 0;
	batch.jobs = n < 2		       ? 0
		     : n < SYS_MODULE_JOBS_MAX ? (unsigned)n
					       : SYS_MODULE_JOBS_MAX;
}

/* Whether every dep of m has been loaded or given up on. */
static bool deps_done(const struct plan_module *m)
{
	const char *p = m->deps;
	long d;

	while ((d = plan_next_dep(&p)) >= 0)
		if ((size_t)d < plan->n_modules && plan->modules[d].state >= PLAN_QUEUED)
			return false;
	return true;
}

/* Queue entry k ended with r; a device's match says so, as match() does. */
static void batch_done(size_t k, int r)
{
	struct plan_module *m = &plan->modules[batch.q[k].mod];

	(void)finish(m, r);
	if (m->state != PLAN_LOADED || !batch.q[k].why)
		return;
	log_info("module '%s' loaded for %s'%s'", m->name, "device ",
		 batch.text + batch.q[k].why - 1);
	batch.loaded++;
}

static void batch_load(void)
{
	char params[MODLOAD_PARAMS_MAX];
	int pids[SYS_MODULE_JOBS_MAX], running = 0, k, r;
	size_t slot[SYS_MODULE_JOBS_MAX], left = batch.n;

	for (size_t e = 0; e < batch.n; e++)
		unzstd_add(batch.q[e].mod);
	unzstd_run();
	if (left)
		log_info("loading %zu modules, up to %u at once", left, batch.jobs);
	while (left) {
		/* Queue order has deps first: one pass starts all that can start. */
		for (size_t e = 0; e < batch.n && running < (int)batch.jobs; e++) {
			size_t i = batch.q[e].mod;
			struct plan_module *m = &plan->modules[i];

			if (m->state != PLAN_QUEUED || !deps_done(m))
				continue;
			r = prepare(i, params);
			if (r >= 0)
				r = sys_module_start(m->path, params, r);
			if (r > 0) {
				m->state = PLAN_LOADING;
				pids[running] = r;
				slot[running++] = e;
			} else {
				batch_done(e, r);
				left--;
			}
		}
		if (!running)
			break; /* cannot happen: deps come before their modules */
		k = sys_module_wait(pids, running, &r);
		batch_done(slot[k], r);
		left--;
		running--;
		pids[k] = pids[running];
		slot[k] = slot[running];
	}
	batch.n = batch.text_len = 0;
}

/* Whether 'a' module flags f waits: 'k' for a person, 'd' for a late root or one. */
static bool waits(unsigned f)
{
	return !console_needed &&
	       ((f & PLAN_CONSOLE) || ((f & PLAN_DEFERRED) && !deferred_needed));
}

/* An 'a' module to load now: not one that waits. */
static bool is_always_now(unsigned f)
{
	return (f & PLAN_ALWAYS) && !waits(f);
}

/* The 'a' modules, in plan order; the 'k' ones once a person must type, the 'd' ones
 * then or once the root is late. */
int modload_always(void)
{
	int first = 0;

	for (size_t i = 0; i < plan->n_modules && !batch.jobs; i++)
		if (is_always_now(plan->modules[i].flags))
			unzstd_closure(i);
	unzstd_run();
	for (size_t i = 0; i < plan->n_modules; i++) {
		unsigned f = plan->modules[i].flags;
		int r;

		if (!is_always_now(f))
			continue;
		r = load_one(i);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

void modload_console(void)
{
	if (!plan || console_needed)
		return;
	console_needed = true;
	(void)modload_always();
	/* A USB keyboard's host controller may wait in the queue. */
	holding = false;
	(void)load_queued(true);
}

void modload_shell(void)
{
	if (!plan)
		return;
	modload_console();
	for (size_t i = 0; i < plan->n_modules; i++)
		unzstd_add(i);
	unzstd_run();
}

int modload_deferred(unsigned seconds)
{
	unsigned n = 0;

	if (!plan || deferred_needed || console_needed)
		return 0;
	for (size_t i = 0; i < plan->n_modules; i++)
		n += (plan->modules[i].flags & (PLAN_DEFERRED | PLAN_CONSOLE)) ==
			     PLAN_DEFERRED &&
		     plan->modules[i].state == PLAN_PENDING;
	deferred_needed = true;
	if (!n)
		return 0;
	log_warning("root not seen after %u s: loading the %u deferred drivers", seconds,
		    n);
	(void)modload_always();
	return (int)n;
}

bool modload_has_match(void)
{
	for (size_t i = 0; i < plan->n_modules; i++)
		if (plan->modules[i].flags & PLAN_MATCH)
			return true;
	return false;
}

/* Queue module i for a device's modalias, which its "loaded for" line will name. */
static void queue_match(size_t i, const char *alias)
{
	size_t len = strlen(alias) + 1;

	if (batch.text_len + len > sizeof(batch.text))
		batch_load();
	(void)load_one(i);
	if (plan->modules[i].state != PLAN_QUEUED || len > sizeof(batch.text))
		return;
	memcpy(batch.text + batch.text_len, alias, len);
	batch.q[batch.n - 1].why = (unsigned short)(batch.text_len + 1);
	batch.text_len += len;
}

int modload_batch_run(void)
{
	batch_load();
	batch.jobs = 0;
	return batch.loaded;
}

/* Load module i matched by alias now, or in the open batch; 1 when loaded now. */
static int load_match(size_t i, const char *alias, bool by_name)
{
	struct plan_module *m = &plan->modules[i];

	if (batch.jobs) {
		queue_match(i, alias);
		return 0;
	}
	if (load_one(i) != 0 || m->state != PLAN_LOADED)
		return 0;
	log_info("module '%s' loaded for %s'%s'", m->name, by_name ? "" : "device ",
		 alias);
	return 1;
}

void modload_hold(bool on)
{
	holding = on;
}

/*
 * Load queued drivers side by side in a batch: one step's (as many as the batch runs
 * at once), or all of them. Returns how many were taken from the queue.
 */
static int load_queued(bool all)
{
	unsigned short mods[DEVQUEUE_MAX];
	const char *whys[DEVQUEUE_MAX];
	size_t n = 0, k;

	modload_batch_begin();
	do {
		k = devqueue_take(plan,
				  all	       ? DEVQUEUE_MAX - n
				  : batch.jobs ? batch.jobs
					       : 1,
				  mods + n, whys + n);
		n += k;
	} while (all && k);
	for (k = 0; k < n; k++)
		(void)load_match(mods[k], whys[k], false);
	(void)modload_batch_run();
	return (int)n;
}

int modload_queue_step(void)
{
	return load_queued(false);
}

/* Devices match 'm' modules; a request (by_name) also 'r' ones. */
static int match(const char *alias, bool by_name)
{
	int loaded = 0;

	for (size_t i = 0; i < plan->n_aliases; i++) {
		const struct plan_alias *a = &plan->aliases[i];
		struct plan_module *m = &plan->modules[a->module];

		if (m->state != PLAN_PENDING || !str_glob(a->pattern, alias))
			continue;
		if (!by_name && (m->flags & (PLAN_REQUEST | PLAN_CONSOLE)) &&
		    !(console_needed && (m->flags & PLAN_CONSOLE)))
			continue;
		log_debug("'%s' matches '%s' of module '%s'", alias, a->pattern, m->name);
		/* Root first: a device's driver waits, unless its hook wants it early or
		 * the queue is full. */
		if (!by_name && holding && !(m->flags & PLAN_EARLY) &&
		    devqueue_add(plan, a->module, alias) == 0)
			continue;
		loaded += load_match(a->module, alias, by_name);
	}
	return loaded;
}

int modload_match(const char *modalias)
{
	return match(modalias, false);
}

int modload_name(const char *name)
{
	for (size_t i = 0; i < plan->n_modules; i++) {
		struct plan_module *m = &plan->modules[i];

		if (!str_modname_eq(m->name, name, strlen(name)))
			continue;
		if (load_one(i) < 0 || m->state != PLAN_LOADED)
			return m->state == PLAN_SKIPPED ? 0 : -m->err > 0 ? m->err : -EIO;
		log_info("module '%s' loaded on request", m->name);
		return 1;
	}
	return match(name, true);
}

void modload_fs(const char *type)
{
	char alias[64];
	struct str s;

	str_init(&s, alias, sizeof(alias));
	str_addf(&s, "fs-%s", type);
	if (!s.truncated)
		(void)modload_name(alias);
}

void modload_requested_all(void)
{
	for (size_t i = 0; i < plan->n_modules; i++)
		if (plan->modules[i].flags & PLAN_REQUEST)
			(void)load_one(i);
}

void modload_log_failures(int level)
{
	char line[1024];
	struct str s;
	size_t n = 0;

	str_init(&s, line, sizeof(line));
	for (size_t i = 0; i < plan->n_modules; i++) {
		const struct plan_module *m = &plan->modules[i];

		if (m->state != PLAN_FAILED)
			continue;
		str_addf(&s, "%s%s (%s)", n++ ? ", " : "", m->name, log_errname(m->err));
	}
	if (n == 0)
		log_msg(level, "no module failed to load");
	else
		log_msg(level, "modules that failed to load: %s%s", line,
			s.truncated ? " ..." : "");
}
