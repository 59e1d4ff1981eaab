/* SPDX-License-Identifier: GPL-2.0-or-later */
/* files/: FILES and BINARIES in fake roots and on this machine, checked with readelf/ldd. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files/files.h"
#include "stage.h"
#include "strv.h"
#include "testutil.h"
#include "util.h"

/* --- a scratch root under build/tmp --- */

static char root[PATH_MAX];
static struct stage *stage;

static void setup(void)
{
	strcpy(root, "build/tmp/files.XXXXXX");
	cr_assert(system("mkdir -p build/tmp") == 0);
	cr_assert(mkdtemp(root));
	/* Absolute, so the stage's sources are comparable. */
	char *abs = realpath(root, NULL);
	cr_assert(abs);
	strcpy(root, abs);
	free(abs);
	cr_assert(stage_new(&stage) == 0);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];
	stage_free(stage);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert(system(cmd) == 0);
}

TestSuite(files, .init = setup, .fini = teardown);

static char *at(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int i;
	i = (i + 1) % 4;
	int n = snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel[0] == '/' ? rel + 1 : rel);
	cr_assert(n > 0 && (size_t)n < sizeof(buf[i]));
	return buf[i];
}

static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert(system(cmd) == 0, "command failed: %s", cmd);
}

static void mkfile(const char *rel, mode_t mode, const char *content)
{
	sh("mkdir -p \"$(dirname '%s')\"", at(rel));
	FILE *f = fopen(at(rel), "we");
	cr_assert(f, "cannot create '%s'", rel);
	fputs(content, f);
	cr_assert(fclose(f) == 0);
	cr_assert(chmod(at(rel), mode) == 0);
}

static void mklink(const char *rel, const char *target)
{
	sh("mkdir -p \"$(dirname '%s')\"", at(rel));
	cr_assert(symlink(target, at(rel)) == 0, "symlink '%s'", rel);
}

/* --- looking into the stage --- */

static const struct stage_entry *find(const char *path)
{
	size_t n;
	const struct stage_entry *e = stage_entries(stage, &n);
	if (path[0] == '/')
		path++;
	for (size_t i = 0; i < n; i++)
		if (streq(e[i].path, path))
			return &e[i];
	return NULL;
}

static int has_below(const char *dir)
{
	size_t n, len = strlen(dir);
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++)
		if (strncmp(e[i].path, dir, len) == 0 && e[i].path[len] == '/')
			return 1;
	return 0;
}

/*
 * Resolve a path the way the kernel will once the image is unpacked: through the
 * stage's own symlinks. Returns the entry (a file) or NULL.
 */
static const struct stage_entry *image_resolve(const char *path)
{
	char canon[PATH_MAX] = "", rest[PATH_MAX];
	int follows = 0;

	snprintf(rest, sizeof(rest), "%s", path);
	for (;;) {
		char *p = rest, name[NAME_MAX + 1], cand[PATH_MAX];
		while (*p == '/')
			p++;
		if (!*p)
			return find(canon);
		size_t n = strcspn(p, "/");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		memmove(rest, p + n, strlen(p + n) + 1);
		if (streq(name, "."))
			continue;
		if (streq(name, "..")) {
			char *s = strrchr(canon, '/');
			*(s ? s : canon) = '\0';
			continue;
		}
		snprintf(cand, sizeof(cand), "%s%s%s", canon, *canon ? "/" : "", name);
		const struct stage_entry *e = find(cand);
		if (e && e->kind == STAGE_SYMLINK) {
			char joined[PATH_MAX];
			cr_assert(++follows < 40, "symlink loop in the image at '%s'", cand);
			snprintf(joined, sizeof(joined), "%s%s", e->target, rest);
			strcpy(rest, joined);
			if (e->target[0] == '/')
				canon[0] = '\0';
			continue;
		}
		if (!e && !has_below(cand))
			return NULL;
		strcpy(canon, cand);
	}
}

static void assert_image_file(const char *path, const char *source)
{
	const struct stage_entry *e = image_resolve(path);
	cr_assert(e, "'%s' does not resolve in the image", path);
	cr_assert_eq(e->kind, STAGE_FILE, "'%s' is not a file in the image", path);
	if (source)
		cr_assert_str_eq(e->source, source, "'%s'", path);
}

/* Every file comes from inside the root: nothing of the host leaks in. */
static void assert_nothing_from_host(void)
{
	size_t n, len = strlen(root);
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == STAGE_FILE)
			cr_assert(strncmp(e[i].source, root, len) == 0 && e[i].source[len] == '/',
				  "'%s' comes from the host: '%s'", e[i].path, e[i].source);
}

static int add_path(const char *path)
{
	return files_add_path(stage, root, path, "test", 0);
}

/*
 * A failing add: its return, and the one message it logged, naming what was asked and
 * the file to blame (missing or unreadable), as the user would write it.
 */
#define ASSERT_ADD_FAILS(call, name, want_r, culprit)                                  \
	do {                                                                           \
		struct testutil_stderr cap_;                                           \
		char want_[8192];                                                      \
		testutil_stderr_begin(&cap_);                                          \
		int r_ = (call);                                                       \
		char *err_ = testutil_stderr_end(&cap_);                               \
		cr_assert_eq(r_, (want_r));                                            \
		snprintf(want_, sizeof(want_),                                         \
			 "mkinitramfs: error: test: cannot add '%s': '%s': %s\n", (name), \
			 (culprit), strerror(-(want_r)));                              \
		cr_assert_str_eq(err_, want_);                                         \
		free(err_);                                                            \
	} while (0)

/* --- FILES --- */

Test(files, plain_file_keeps_mode_and_source)
{
	mkfile("etc/app.conf", 0640, "x=1\n");
	cr_assert_eq(add_path("/etc/app.conf"), 0);
	const struct stage_entry *e = find("etc/app.conf");
	cr_assert(e && e->kind == STAGE_FILE);
	cr_assert_eq(e->mode, S_IFREG | 0640);
	cr_assert_str_eq(e->source, at("etc/app.conf"));
}

Test(files, staged_file_carries_the_inode_that_was_checked)
{
	struct stat st;
	mkfile("etc/app.conf", 0644, "x=1\n");
	cr_assert_eq(add_path("/etc/app.conf"), 0);
	const struct stage_entry *e = find("etc/app.conf");
	cr_assert(e && e->kind == STAGE_FILE);
	cr_assert_eq(stat(at("etc/app.conf"), &st), 0);
	cr_assert(e->source_ino == st.st_ino && e->source_dev == st.st_dev);
}

/*
 * procfs says size 0 for /proc/self/environ: left out with a warning naming it, not
 * packed empty without a word.
 */
Test(files, procfs_files_are_left_out)
{
	static const char *const paths[] = {"/proc/self/environ", "/proc/self/mem"};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct testutil_stderr cap;
		char want[256];
		testutil_stderr_begin(&cap);
		int r = files_add_path(stage, "/", paths[i], "test", 0);
		char *err = testutil_stderr_end(&cap);
		cr_assert_eq(r, 0);
		cr_assert_null(find(paths[i] + 1));
		snprintf(want, sizeof(want),
			 "mkinitramfs: warning: '%s' is a file of procfs or sysfs, not a file to copy, ignoring\n",
			 paths[i]);
		cr_assert_str_eq(err, want);
		free(err);
	}
}

/*
 * Entries are unpacked in sorted order, following symlinks on the way: an entry below a
 * staged symlink would land wherever the link points, maybe before that exists.
 */
static void assert_no_entry_below_symlink(void)
{
	size_t n;
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == STAGE_SYMLINK)
			cr_assert_not(has_below(e[i].path), "entries below the symlink '%s'",
				      e[i].path);
}

Test(files, merged_usr_directories_are_real_in_the_image)
{
	mkfile("usr/lib/x86_64-linux-gnu/libc.so.6", 0755, "libc");
	mkfile("usr/bin/busybox", 0755, "busybox");
	mklink("lib", "usr/lib");
	mklink("bin", "usr/bin");
	/* What the rest of the generator adds as real paths, before and after. */
	cr_assert_eq(stage_add_dir(stage, "bin", 0755), 0);
	cr_assert_eq(add_path("/lib/x86_64-linux-gnu/libc.so.6"), 0);
	cr_assert_eq(add_path("/bin/busybox"), 0);
	cr_assert_eq(stage_add_symlink(stage, "bin/sh", "busybox"), 0);
	cr_assert_eq(stage_add_file(stage, "lib/modules/6.1.0/modules.dep", 0644, "/dev/null"), 0);
	cr_assert_null(find("lib"), "no symlink for a directory on the way");
	cr_assert_eq(find("bin")->kind, STAGE_DIR);
	assert_image_file("/lib/x86_64-linux-gnu/libc.so.6",
			  at("usr/lib/x86_64-linux-gnu/libc.so.6"));
	assert_image_file("/bin/busybox", at("usr/bin/busybox"));
	assert_image_file("/bin/sh", at("usr/bin/busybox"));
	cr_assert_eq(stage_finish(stage), 0);
	assert_no_entry_below_symlink();
}

Test(files, symlink_chain_relative_and_absolute)
{
	/* /lib64/ld.so -> /lib/x86_64-linux-gnu/ld.so, /lib64 -> usr/lib64, /lib -> usr/lib */
	mklink("lib64", "usr/lib64");
	mklink("lib", "usr/lib");
	mklink("usr/lib64/ld.so", "/lib/x86_64-linux-gnu/ld.so");
	mklink("usr/lib/x86_64-linux-gnu/ld.so", "ld-2.36.so");
	mkfile("usr/lib/x86_64-linux-gnu/ld-2.36.so", 0755, "ld");
	cr_assert_eq(add_path("/lib64/ld.so"), 0);
	cr_assert_str_eq(find("lib64/ld.so")->target, "/lib/x86_64-linux-gnu/ld.so");
	cr_assert_str_eq(find("lib/x86_64-linux-gnu/ld.so")->target, "ld-2.36.so");
	assert_image_file("/lib64/ld.so", at("usr/lib/x86_64-linux-gnu/ld-2.36.so"));
	cr_assert_eq(find("lib/x86_64-linux-gnu/ld-2.36.so")->mode, S_IFREG | 0755);
	cr_assert_null(find("lib64"));
	cr_assert_null(find("usr/lib64/ld.so"), "one copy, at the path as written");
	cr_assert_eq(stage_finish(stage), 0);
	assert_no_entry_below_symlink();
}

Test(files, dotdot_after_a_symlinked_directory_goes_where_the_host_goes)
{
	/* On the host, ../lib from /lib64 (= /opt/real/lib64) is /opt/real/lib. */
	mklink("lib64", "opt/real/lib64");
	mklink("opt/real/lib64/ld.so", "../lib/ld.so");
	mkfile("opt/real/lib/ld.so", 0755, "the real one");
	mkfile("lib/ld.so", 0755, "a decoy");
	cr_assert_eq(add_path("/lib64/ld.so"), 0);
	assert_image_file("/lib64/ld.so", at("opt/real/lib/ld.so"));
	cr_assert_null(find("lib/ld.so"), "the decoy is not taken");
	cr_assert_eq(stage_finish(stage), 0);
	assert_no_entry_below_symlink();
}

Test(files, dotdot_and_absolute_targets_stay_in_the_root)
{
	/* The host has /etc/passwd; the root does not. */
	mklink("etc/escape", "../../../../../../../../etc/passwd");
	mklink("etc/absolute", "/etc/passwd");
	ASSERT_ADD_FAILS(add_path("/etc/escape"), "/etc/escape", -ENOENT, "/etc/passwd");
	ASSERT_ADD_FAILS(add_path("/etc/absolute"), "/etc/absolute", -ENOENT, "/etc/passwd");
	cr_assert_eq(add_path("/../../../../etc/passwd"), -ENOENT);

	mkfile("etc/passwd", 0644, "root:x:0:0::/:/bin/sh\n");
	cr_assert_eq(add_path("/etc/escape"), 0);
	cr_assert_eq(add_path("/etc/absolute"), 0);
	assert_image_file("/etc/escape", at("etc/passwd"));
	assert_image_file("/etc/absolute", at("etc/passwd"));
	assert_nothing_from_host();
}

Test(files, symlink_loops_are_eloop)
{
	mklink("a", "b");
	mklink("b", "a");
	mklink("self", "self");
	mklink("dir/up", "../dir/up/x");
	ASSERT_ADD_FAILS(add_path("/a"), "/a", -ELOOP, "/a");
	cr_assert_eq(add_path("/self"), -ELOOP);
	cr_assert_eq(add_path("/dir/up"), -ELOOP);
}

Test(files, missing_and_not_a_directory)
{
	mkfile("etc/file", 0644, "");
	ASSERT_ADD_FAILS(add_path("/etc/missing.conf"), "/etc/missing.conf", -ENOENT, "/etc/missing.conf");
	ASSERT_ADD_FAILS(add_path("/etc/file/below"), "/etc/file/below", -ENOTDIR, "/etc/file/below");
	mklink("etc/dangling", "nowhere/x");
	/* the missing target is named */
	ASSERT_ADD_FAILS(add_path("/etc/dangling"), "/etc/dangling", -ENOENT, "/etc/nowhere/x");
	cr_assert_eq(add_path("relative/path"), -EINVAL);
}

Test(files, directory_is_added_recursively)
{
	mkfile("etc/app/a.conf", 0600, "a");
	mkfile("etc/app/sub/b.conf", 0644, "b");
	sh("chmod 0750 '%s'", at("etc/app/sub"));
	mkfile("usr/share/app/data", 0644, "data");
	mklink("etc/app/data", "../../usr/share/app/data"); /* target outside the dir */
	mklink("etc/app/dangling", "does-not-exist"); /* kept as it is */
	mklink("etc/app/loop", "loop");
	mklink("etc/app/sub/parent", ".."); /* a cycle through a symlink */
	mklink("etc/app/shared", "/usr/share/app"); /* a directory elsewhere */
	cr_assert_eq(add_path("/etc/app"), 0);
	cr_assert_eq(find("etc/app")->kind, STAGE_DIR);
	cr_assert_eq(find("etc/app/sub")->mode, S_IFDIR | 0750);
	cr_assert_eq(find("etc/app/a.conf")->mode, S_IFREG | 0600);
	cr_assert_eq(find("etc/app/sub/b.conf")->kind, STAGE_FILE);
	cr_assert_str_eq(find("etc/app/data")->target, "../../usr/share/app/data");
	cr_assert_eq(find("usr/share/app/data")->kind, STAGE_FILE);
	cr_assert_str_eq(find("etc/app/dangling")->target, "does-not-exist");
	cr_assert_str_eq(find("etc/app/loop")->target, "loop");
	cr_assert_str_eq(find("etc/app/sub/parent")->target, "..");
	cr_assert_eq(find("usr/share/app")->kind, STAGE_DIR);
	assert_image_file("/etc/app/shared/data", at("usr/share/app/data"));
	assert_image_file("/etc/app/sub/parent/sub/parent/a.conf", at("etc/app/a.conf"));
	assert_nothing_from_host();
	cr_assert_eq(stage_finish(stage), 0);
	assert_no_entry_below_symlink();
}

Test(files, fifo_is_refused_devices_are_kept)
{
	cr_assert(mkfifo(at("fifo"), 0644) == 0);
	ASSERT_ADD_FAILS(add_path("/fifo"), "/fifo", -EINVAL, "/fifo");
	/* An optional entry ("/absent?"): missing is no failure, and nothing is said. */
	struct testutil_stderr cap;
	testutil_stderr_begin(&cap);
	cr_assert_eq(files_add_path(stage, root, "/absent", "test", FILES_QUIET_MISSING),
		     -ENOENT);
	char *quiet = testutil_stderr_end(&cap);
	cr_assert_str_eq(quiet, "");
	free(quiet);
	/* /dev/null of the host, added with the host as the root. */
	cr_assert_eq(files_add_path(stage, "/", "/dev/null", "test", 0), 0);
	const struct stage_entry *e = find("dev/null");
	cr_assert(e && e->kind == STAGE_DEVICE && S_ISCHR(e->mode));
}

Test(files, host_root_mirrors_host_symlinks)
{
	struct stat st;

	cr_assert_eq(files_add_path(stage, "/", "/lib64/ld-linux-x86-64.so.2", "test", 0), 0);
	assert_image_file("/lib64/ld-linux-x86-64.so.2", NULL);
	/* Every symlink in the stage is the host's own, with the same target. */
	size_t n;
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++) {
		char host[PATH_MAX], target[PATH_MAX];
		snprintf(host, sizeof(host), "/%s", e[i].path);
		cr_assert(lstat(host, &st) == 0);
		if (e[i].kind == STAGE_SYMLINK) {
			ssize_t len = readlink(host, target, sizeof(target) - 1);
			cr_assert(len > 0);
			target[len] = '\0';
			cr_assert_str_eq(e[i].target, target);
		} else {
			char *real = realpath(host, NULL);
			cr_assert_str_eq(e[i].source, real);
			cr_assert(S_ISREG(st.st_mode));
			free(real);
		}
	}
	cr_assert_eq(stage_finish(stage), 0);
	assert_no_entry_below_symlink();
}

/* --- BINARIES on this machine, with readelf and ldd as oracles --- */

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib",
};

static void run_lines(const char *cmd, void (*fn)(const char *line, void *data), void *data)
{
	char line[4096];
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		fn(line, data);
	}
	cr_assert(pclose(p) == 0, "'%s' failed", cmd);
}

static void collect_needed(const char *line, void *data)
{
	const char *a = strstr(line, "(NEEDED)");
	if (!a)
		return;
	a = strchr(a, '[');
	cr_assert(a);
	cr_assert(strv_push_take(data, strndup(a + 1, strcspn(a + 1, "]"))) == 0);
}

static void collect_interp(const char *line, void *data)
{
	const char *a = strstr(line, "program interpreter: ");
	if (a)
		cr_assert(strv_push_take(data, strndup(a + 21, strcspn(a + 21, "]"))) == 0);
}

/* ldd's "libfoo.so.1 => /path (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)". */
static void collect_ldd(const char *line, void *data)
{
	const char *arrow = strstr(line, "=> /"), *p;
	if (arrow)
		p = arrow + 3;
	else if ((p = strchr(line, '/')) == NULL)
		return;
	cr_assert(strv_push_take(data, strndup(p, strcspn(p, " "))) == 0);
}

/* The NEEDED closure by readelf: each library must be in the image, in a lib dir. */
static void assert_closure_by_readelf(const char *program)
{
	struct strv todo = STRV_INIT, seen = STRV_INIT;
	char cmd[PATH_MAX + 64];

	cr_assert(strv_push(&todo, program) == 0);
	for (size_t i = 0; i < todo.n; i++) {
		struct strv needed = STRV_INIT;
		snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf -W -d '%s'", todo.v[i]);
		run_lines(cmd, collect_needed, &needed);
		for (size_t j = 0; j < needed.n; j++) {
			const struct stage_entry *e = NULL;
			char path[PATH_MAX];
			if (strv_contains(&seen, needed.v[j]))
				continue;
			cr_assert(strv_push(&seen, needed.v[j]) == 0);
			for (size_t d = 0; d < ARRAY_SIZE(lib_dirs) && !e; d++) {
				snprintf(path, sizeof(path), "%s/%s", lib_dirs[d], needed.v[j]);
				e = image_resolve(path);
			}
			cr_assert(e && e->kind == STAGE_FILE, "'%s' (needed by '%s') is missing",
				  needed.v[j], todo.v[i]);
			cr_assert(strv_push(&todo, e->source) == 0);
		}
		strv_clear(&needed);
	}
	cr_assert_gt(seen.n, 0);
	strv_clear(&todo);
	strv_clear(&seen);
}

static void assert_binary_complete(const char *program)
{
	struct strv interp = STRV_INIT, ldd = STRV_INIT;
	char cmd[PATH_MAX + 64];
	char *real = realpath(program, NULL);

	cr_assert_eq(files_add_binary(stage, "/", program, "test", 0), 0, "'%s'", program);
	assert_image_file(program, real);
	snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf -W -l '%s'", program);
	run_lines(cmd, collect_interp, &interp);
	cr_assert_eq(interp.n, 1);
	assert_image_file(interp.v[0], NULL);
	assert_closure_by_readelf(program);
	/* ldd (the dynamic loader itself) agrees on every path it would load. */
	snprintf(cmd, sizeof(cmd), "LC_ALL=C ldd '%s'", program);
	run_lines(cmd, collect_ldd, &ldd);
	cr_assert_gt(ldd.n, 1);
	for (size_t i = 0; i < ldd.n; i++) {
		char *lib = realpath(ldd.v[i], NULL);
		assert_image_file(ldd.v[i], lib);
		free(lib);
	}
	cr_assert_eq(stage_finish(stage), 0);
	assert_no_entry_below_symlink();
	strv_clear(&interp);
	strv_clear(&ldd);
	free(real);
}

Test(files, binary_ls_on_the_host)
{
	assert_binary_complete("/bin/ls");
	cr_assert_null(find("etc/ld.so.cache"), "libraries in built-in directories only");
}

Test(files, binary_bsdtar_on_the_host)
{
	assert_binary_complete("/usr/bin/bsdtar");
	assert_binary_complete("/usr/bin/zstd"); /* shares libraries: no conflict */
}

Test(files, binary_found_by_name)
{
	cr_assert_eq(files_add_binary(stage, "/", "ls", "test", 0), 0);
	assert_image_file("/usr/bin/ls", "/usr/bin/ls");
	assert_image_file("/lib64/ld-linux-x86-64.so.2", NULL);
}

Test(files, static_binary_is_just_the_file)
{
	size_t n, files = 0;

	cr_assert_eq(files_add_binary(stage, "/", "/usr/bin/busybox", "test", 0), 0);
	const struct stage_entry *e = stage_entries(stage, &n);
	for (size_t i = 0; i < n; i++)
		files += e[i].kind == STAGE_FILE;
	cr_assert_eq(files, 1);
	assert_image_file("/usr/bin/busybox", "/usr/bin/busybox");
}

Test(files, missing_binary_names_it)
{
	ASSERT_ADD_FAILS(files_add_binary(stage, "/", "no-such-program-here", "test", 0), "no-such-program-here", -ENOENT, "no-such-program-here");
	cr_assert_eq(files_add_binary(stage, "/", "bin/ls", "test", 0), -EINVAL);
	cr_assert_eq(files_add_binary(stage, "/", "/usr/bin", "test", 0), -EISDIR);
	ASSERT_ADD_FAILS(files_add_binary(stage, "/", "/no/such/program", "test", 0), "/no/such/program", -ENOENT, "/no/such/program");
	size_t n;
	stage_entries(stage, &n);
	cr_assert_eq(n, 0, "nothing staged by failures");
}

Test(files, script_is_added_as_it_is)
{
	size_t n;

	mkfile("usr/bin/hello", 0755, "#!/bin/sh\necho hello\n");
	cr_assert_eq(files_add_binary(stage, root, "hello", "test", 0), 0);
	stage_entries(stage, &n);
	cr_assert_eq(n, 1, "only the script, not its interpreter");
	assert_image_file("/usr/bin/hello", at("usr/bin/hello"));
}

Test(files, corrupt_program_is_enoexec)
{
	mkfile("bin/broken", 0755, "");
	sh("head -c 200 /bin/ls > '%s'", at("bin/broken"));
	ASSERT_ADD_FAILS(files_add_binary(stage, root, "/bin/broken", "test", 0), "/bin/broken", -ENOEXEC, "/bin/broken");
}

/* --- BINARIES in a fake root: only the root is searched --- */

static void copy(const char *from, const char *rel)
{
	sh("mkdir -p \"$(dirname '%s')\" && cp -L '%s' '%s'", at(rel), from, at(rel));
}

/* ls and its libraries at places the host never uses, found through ld.so.conf. */
static void fake_root_with_ls(void)
{
	struct strv ldd = STRV_INIT;

	run_lines("LC_ALL=C ldd /bin/ls", collect_ldd, &ldd);
	for (size_t i = 0; i < ldd.n; i++) {
		char rel[PATH_MAX];
		const char *base = strrchr(ldd.v[i], '/') + 1;
		if (strstr(base, "ld-linux"))
			continue;
		snprintf(rel, sizeof(rel), "opt/libs/%s", base);
		copy(ldd.v[i], rel);
	}
	strv_clear(&ldd);
	copy("/lib64/ld-linux-x86-64.so.2", "lib64/ld-linux-x86-64.so.2");
	copy("/bin/ls", "opt/app/ls");
	mkfile("etc/ld.so.conf", 0644, "# comment\n  include ld.so.conf.d/*.conf\nhwcap 0 nosegneg\n");
	mkfile("etc/ld.so.conf.d/other.txt", 0644, "/nowhere\n");
	mkfile("etc/ld.so.conf.d/libs.conf", 0644, "/opt/libs   # trailing comment\n");
}

Test(files, fake_root_uses_only_the_root)
{
	cr_assert(access("/lib/x86_64-linux-gnu/libselinux.so.1", F_OK) == 0);
	fake_root_with_ls();
	mkfile("etc/ld.so.cache", 0644, "cache");
	cr_assert_eq(files_add_binary(stage, root, "/opt/app/ls", "test", 0), 0);
	/* /opt/libs is known only to ld.so.conf: at run time, only to the cache. */
	assert_image_file("/etc/ld.so.cache", at("etc/ld.so.cache"));
	assert_image_file("/opt/app/ls", at("opt/app/ls"));
	assert_image_file("/lib64/ld-linux-x86-64.so.2", at("lib64/ld-linux-x86-64.so.2"));
	assert_image_file("/opt/libs/libc.so.6", at("opt/libs/libc.so.6"));
	assert_image_file("/opt/libs/libselinux.so.1", at("opt/libs/libselinux.so.1"));
	assert_image_file("/opt/libs/libpcre2-8.so.0", at("opt/libs/libpcre2-8.so.0"));
	assert_nothing_from_host();
}

Test(files, fake_root_missing_library_is_named)
{
	fake_root_with_ls();
	sh("rm '%s'", at("opt/libs/libselinux.so.1"));
	/* the host has it, the root does not */
	ASSERT_ADD_FAILS(files_add_binary(stage, root, "/opt/app/ls", "test", 0), "/opt/app/ls", -ENOENT, "libselinux.so.1");
}

Test(files, fake_root_truncated_library_is_enoexec)
{
	fake_root_with_ls();
	sh("truncate -s 200 '%s'", at("opt/libs/libselinux.so.1"));
	ASSERT_ADD_FAILS(files_add_binary(stage, root, "/opt/app/ls", "test", 0), "/opt/app/ls", -ENOEXEC, "/opt/libs/libselinux.so.1");
}

Test(files, fake_root_missing_interpreter_is_named)
{
	fake_root_with_ls();
	sh("rm '%s'", at("lib64/ld-linux-x86-64.so.2"));
	ASSERT_ADD_FAILS(files_add_binary(stage, root, "/opt/app/ls", "test", 0), "/opt/app/ls", -ENOENT, "/lib64/ld-linux-x86-64.so.2");
}

Test(files, fake_root_ld_so_conf_outside_the_root_is_not_read)
{
	fake_root_with_ls();
	/* An include that climbs out of the root lands on the root's own /etc. */
	mkfile("etc/ld.so.conf", 0644, "include ../../../../../../../etc/ld.so.conf.d/*.conf\n");
	sh("rm -r '%s'", at("etc/ld.so.conf.d"));
	ASSERT_ADD_FAILS(files_add_binary(stage, root, "/opt/app/ls", "test", 0), "/opt/app/ls", -ENOENT, "libselinux.so.1");
}

/* --- DT_RUNPATH / DT_RPATH with $ORIGIN, wrong-arch candidates --- */

static void build_rpath_root(const char *prog_flags)
{
	char x[PATH_MAX];

	snprintf(x, sizeof(x), "%s", at("opt/x"));
	copy("/lib64/ld-linux-x86-64.so.2", "lib64/ld-linux-x86-64.so.2");
	copy("/lib/x86_64-linux-gnu/libc.so.6", "lib/x86_64-linux-gnu/libc.so.6");
	sh("mkdir -p %s/bin %s/lib %s/lib2 %s/bad %s/text", x, x, x, x, x);
	sh("cd %s && echo 'int u(void){return 1;}' > u.c && "
	   "echo 'int u(void); int t(void){return u();}' > t.c && "
	   "echo 'int t(void); int main(void){return t();}' > m.c && "
	   "cc -shared -fPIC -o lib2/libu.so.1 -Wl,-soname,libu.so.1 u.c && "
	   "cc -shared -fPIC -o lib/libt.so.1 -Wl,-soname,libt.so.1 t.c lib2/libu.so.1 && "
	   "cc -o bin/prog m.c lib/libt.so.1 -Wl,-rpath-link,lib2 %s && rm *.c",
	   x, prog_flags);
	/* Earlier in the search path: a library of another machine, and a text file. */
	sh("cp %s/lib/libt.so.1 %s/bad/ && printf '\\267\\000' | "
	   "dd of=%s/bad/libt.so.1 bs=1 seek=18 conv=notrunc status=none", x, x, x);
	mkfile("opt/x/text/libt.so.1", 0644, "INPUT(-lt)\n");
}

Test(files, rpath_with_origin_is_inherited)
{
	/* RPATH: used for the program's libraries and, as ld.so does, theirs. */
	build_rpath_root("-Wl,--disable-new-dtags "
			 "-Wl,-rpath,'$ORIGIN/../bad:$ORIGIN/../text:${ORIGIN}/../lib:$ORIGIN/../lib2'");
	cr_assert_eq(files_add_binary(stage, root, "/opt/x/bin/prog", "test", 0), 0);
	assert_image_file("/opt/x/lib/libt.so.1", at("opt/x/lib/libt.so.1"));
	assert_image_file("/opt/x/lib2/libu.so.1", at("opt/x/lib2/libu.so.1"));
	assert_image_file("/lib/x86_64-linux-gnu/libc.so.6", NULL);
	cr_assert_null(find("opt/x/bad/libt.so.1"), "the wrong machine is skipped");
	cr_assert_null(find("opt/x/text/libt.so.1"), "a non-ELF file is skipped");
	assert_nothing_from_host();
}

Test(files, runpath_is_not_inherited)
{
	/* RUNPATH: only for the program's own needs; libt cannot find libu through it. */
	build_rpath_root("-Wl,--enable-new-dtags "
			 "-Wl,-rpath,'$ORIGIN/../bad:$ORIGIN/../text:$ORIGIN/../lib:$ORIGIN/../lib2'");
	ASSERT_ADD_FAILS(files_add_binary(stage, root, "/opt/x/bin/prog", "test", 0), "/opt/x/bin/prog", -ENOENT, "libu.so.1");
	/* Once ld.so.conf names it, it is found. */
	mkfile("etc/ld.so.conf", 0644, "/opt/x/lib2\n");
	stage_free(stage);
	cr_assert(stage_new(&stage) == 0);
	cr_assert_eq(files_add_binary(stage, root, "/opt/x/bin/prog", "test", 0), 0);
	assert_image_file("/opt/x/lib2/libu.so.1", at("opt/x/lib2/libu.so.1"));
	cr_assert_null(find("opt/x/bad/libt.so.1"));
}
