/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libkmod, loaded when a build resolves modules, not at every start of the program. */
#ifndef MKINITRAMFS_KMODLIB_H
#define MKINITRAMFS_KMODLIB_H

#include <libkmod.h>

/* The soname loaded; the packages depend on it by hand (debian/control, PKGBUILD). */
#define KMODLIB_SONAME "libkmod.so.2"

/*
 * The entry points the module pipeline uses, typed as libkmod.h declares them. Linking
 * libkmod made every run load it and libcrypto (1.2 ms of relocations and page faults
 * of a 5 ms no-op, which needs neither).
 */
struct kmodlib {
	typeof(&kmod_new) new;
	typeof(&kmod_unref) unref;
	typeof(&kmod_set_log_fn) set_log_fn;
	typeof(&kmod_load_resources) load_resources;
	typeof(&kmod_get_dirname) get_dirname;
	typeof(&kmod_list_next) list_next;
	typeof(&kmod_config_get_aliases) config_get_aliases;
	typeof(&kmod_config_get_blacklists) config_get_blacklists;
	typeof(&kmod_config_get_options) config_get_options;
	typeof(&kmod_config_get_softdeps) config_get_softdeps;
	typeof(&kmod_config_get_install_commands) config_get_install_commands;
	typeof(&kmod_config_get_remove_commands) config_get_remove_commands;
	typeof(&kmod_config_iter_next) config_iter_next;
	typeof(&kmod_config_iter_get_key) config_iter_get_key;
	typeof(&kmod_config_iter_get_value) config_iter_get_value;
	typeof(&kmod_config_iter_free_iter) config_iter_free_iter;
	typeof(&kmod_module_new_from_lookup) module_new_from_lookup;
	typeof(&kmod_module_ref) module_ref;
	typeof(&kmod_module_unref) module_unref;
	typeof(&kmod_module_unref_list) module_unref_list;
	typeof(&kmod_module_get_module) module_get_module;
	typeof(&kmod_module_get_name) module_get_name;
	typeof(&kmod_module_get_path) module_get_path;
	typeof(&kmod_module_get_initstate) module_get_initstate;
	typeof(&kmod_module_get_dependencies) module_get_dependencies;
	typeof(&kmod_module_get_install_commands) module_get_install_commands;
};

/* The table, filled by kmodlib_load(); nothing may call through it before. */
extern struct kmodlib kmodlib;

/* libkmod's kmod_list_foreach, through the table. */
#define kmodlib_foreach(entry, first)                                                    \
	for ((entry) = (first); (entry); (entry) = kmodlib.list_next((first), (entry)))

/*
 * Load the library once (thread-safe; later calls return what the first did): 0, or
 * -ELIBACC after logging which library or symbol is missing.
 */
int kmodlib_load(void);

#endif
