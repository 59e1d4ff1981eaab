/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libkmod, loaded when a build resolves modules, not at every start of the program. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "dynlib.h"
#include "kmodlib.h"
#include "log.h"

struct kmodlib kmodlib;

static int load_result = -ELIBACC;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define SYM(name)                                                                        \
	{                                                                                \
		"kmod_" #name, offsetof(struct kmodlib, name)                            \
	}

static void load(void)
{
	static const struct dynlib_symbol syms[] = {
		SYM(new),
		SYM(unref),
		SYM(set_log_fn),
		SYM(load_resources),
		SYM(get_dirname),
		SYM(list_next),
		SYM(config_get_aliases),
		SYM(config_get_blacklists),
		SYM(config_get_options),
		SYM(config_get_softdeps),
		SYM(config_get_install_commands),
		SYM(config_get_remove_commands),
		SYM(config_iter_next),
		SYM(config_iter_get_key),
		SYM(config_iter_get_value),
		SYM(config_iter_free_iter),
		SYM(module_new_from_lookup),
		SYM(module_ref),
		SYM(module_unref),
		SYM(module_unref_list),
		SYM(module_get_module),
		SYM(module_get_name),
		SYM(module_get_path),
		SYM(module_get_initstate),
		SYM(module_get_dependencies),
		SYM(module_get_install_commands),
	};
	load_result =
		dynlib_open(KMODLIB_SONAME, syms, sizeof(syms) / sizeof(syms[0]),
			    &kmodlib, sizeof(kmodlib), load_error, sizeof(load_error));
}

int kmodlib_load(void)
{
	pthread_once(&once, load);
	if (load_result < 0)
		log_error("cannot resolve modules: %s", load_error);
	return load_result;
}
