/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The console keymap and font of the image (hooks keymap, consolefont, sd-vconsole).
 *
 * The keymap is converted at build time by this machine's `loadkeys -b` (kbd) into the
 * binary form the vconsole helper hands to KDSKBENT. kbd's keymap language (includes,
 * keysym names, modifier combinations, compose and string definitions, charsets) is
 * large and loadkeys is its one reference implementation, installed wherever keymaps
 * are (kbd is what reads them on the running system too); its binary output is a few
 * KiB and needs no parser in the image. mkinitcpio makes the same choice. The font is
 * a PSF file of the root, decompressed here and checked, loaded as it is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inputjournal.h"
#include "abi.h"
#include "compress.h"
#include "conf.h"
#include "log.h"
#include "sysroot.h"
#include "util.h"
#include "vconsole.h"

#define VCONSOLE_CONF "/etc/vconsole.conf"
#define MAX_KEYMAP_BYTES (1u << 20)
#define MAX_FONT_BYTES (4u << 20)
#define SEARCH_DEPTH 4

extern char **environ;

/* Arch and Fedora (kbd), Debian (console-data, kbd). */
static const char *const keymap_dirs[] = {"/usr/share/kbd/keymaps",
					  "/usr/lib/kbd/keymaps", "/usr/share/keymaps",
					  "/lib/kbd/keymaps", NULL};
static const char *const keymap_suffixes[] = {".map.gz", ".map", ".kmap.gz",
					      ".kmap",	 "",	 NULL};
static const char *const font_dirs[] = {
	"/usr/share/kbd/consolefonts", "/usr/lib/kbd/consolefonts",
	"/usr/share/consolefonts", "/lib/kbd/consolefonts", NULL};
static const char *const font_suffixes[] = {".psfu.gz", ".psf.gz", ".psfu", ".psf",
					    ".gz",	"",	   NULL};

static const char *shown_root(const char *root)
{
	return streq(root, "/") ? "" : root;
}

/* The root's vconsole.conf; a missing one is empty. */
static int read_conf(const char *root, struct conf **ret)
{
	_cleanup_(conf_freep) struct conf *conf = NULL;
	_cleanup_free_ char *text = NULL, *name = NULL;
	struct conf_error err = {{0}};
	size_t len = 0;
	int r = conf_new(&conf);

	if (r < 0)
		return log_error_errno(r, "cannot read '%s'", VCONSOLE_CONF);
	r = sysroot_read(root, VCONSOLE_CONF, 1u << 20, &text, &len);
	if (r == -ENOENT) {
		*ret = TAKE_PTR(conf);
		return 0;
	}
	if (r < 0) {
		log_error("cannot read '%s%s': %s", shown_root(root), VCONSOLE_CONF,
			  sysroot_strerror(r));
		return r;
	}
	if (asprintf(&name, "%s%s", shown_root(root), VCONSOLE_CONF) < 0)
		return -ENOMEM;
	r = conf_load_string(conf, text, len, name, NULL, &err);
	if (r < 0) {
		log_error("%s", err.message);
		return r;
	}
	*ret = TAKE_PTR(conf);
	return 0;
}

/* Names go into the plan and the logs: no TAB, newline, quote or control character. */
static int check_name(const char *what, const char *name)
{
	char esc[256];

	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '\'' || *p == '"' || *p == '\\' ||
		    *p == 0x7f) {
			log_error("%s name '%s' has a character no %s name has", what,
				  log_escape(name, esc, sizeof(esc)), what);
			return -EINVAL;
		}
	if (!*name || name[0] == '-') {
		log_error("%s name '%s' is not a %s name", what,
			  log_escape(name, esc, sizeof(esc)), what);
		return -EINVAL;
	}
	return 0;
}

/* dir/name+suffix inside root, a regular file: 1 and *ret, or 0. */
static int try_file(const char *root, const char *dir, const char *name,
		    const char *const *suffixes, char **ret)
{
	for (size_t i = 0; suffixes[i]; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (asprintf(&path, "%s/%s%s", dir, name, suffixes[i]) < 0)
			return -ENOMEM;
		int fd = sysroot_open(root, path, O_RDONLY | O_NONBLOCK);
		if (fd < 0)
			continue;
		int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
		close(fd);
		if (ok) {
			*ret = TAKE_PTR(path);
			return 1;
		}
	}
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	/* The PC's keymaps first: Debian also has amiga/, atari/, mac/ and sun/ ones. */
	if (streq(x, "i386") != streq(y, "i386"))
		return streq(x, "i386") ? -1 : 1;
	return strcmp(x, y);
}

/* The subdirectories of dir inside root, sorted (i386 first), without include/. */
static int subdirs(const char *root, const char *dir, struct strv *ret)
{
	int fd = sysroot_open(root, dir, O_RDONLY | O_DIRECTORY);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r >= 0 && (de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
		    !streq(de->d_name, "include"))
			r = strv_push(ret, de->d_name);
	closedir(d);
	if (r >= 0 && ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), compare_names);
	return r;
}

/* The file in dir, else in its subdirectories (depth first), as kbd looks keymaps up. */
static int search(const char *root, const char *dir, const char *name,
		  const char *const *suffixes, int depth, char **ret)
{
	struct strv subs = STRV_INIT;
	int r = try_file(root, dir, name, suffixes, ret);

	if (r != 0 || depth == 0)
		return r;
	r = subdirs(root, dir, &subs);
	for (size_t i = 0; r == 0 && i < subs.n; i++) {
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, subs.v[i]) < 0)
			r = -ENOMEM;
		else
			r = search(root, sub, name, suffixes, depth - 1, ret);
	}
	strv_clear(&subs);
	return r;
}

static void dirs_text(const char *root, const char *const *dirs, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; dirs[i] && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s'%s%s'", i ? ", " : "",
				      shown_root(root), dirs[i]);
}

/* A keymap or font by name (or a path, taken inside root); its in-root path. */
static int find(const char *root, const char *what, const char *name, const char *origin,
		const char *const *dirs, const char *const *suffixes, int depth,
		char **ret)
{
	char where[1024];
	int r = 0;

	if (strchr(name, '/')) {
		r = try_file(root, "", name[0] == '/' ? name + 1 : name, suffixes, ret);
	} else {
		for (size_t i = 0; r == 0 && dirs[i]; i++)
			r = search(root, dirs[i], name, suffixes, depth, ret);
	}
	if (r > 0)
		return 0;
	if (r < 0)
		return log_error_errno(r, "cannot look for %s '%s' (%s)", what, name,
				       origin);
	dirs_text(root, dirs, where, sizeof(where));
	if (strchr(name, '/'))
		log_error("%s '%s' (%s) not found in '%s'", what, name, origin,
			  *shown_root(root) ? root : "/");
	else
		log_error("%s '%s' (%s) not found in %s", what, name, origin, where);
	return -ENOENT;
}

static int read_all(int fd, char **buf, size_t *len, size_t max)
{
	size_t cap = 0;

	for (;;) {
		if (*len == cap) {
			char *v;
			if (cap >= max)
				return -EFBIG;
			cap = cap ? cap * 2 : 16384;
			v = realloc(*buf, cap);
			if (!v)
				return -ENOMEM;
			*buf = v;
		}
		ssize_t n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		*len += (size_t)n;
	}
}

/* What loadkeys wrote on stderr, its lines joined by "; ", for the one error line. */
static const char *joined_lines(char *text, size_t len)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	text[len] = '\0';
	for (char *p = text; (p = strchr(p, '\n'));)
		*p = ';';
	return text;
}

static int spawn_loadkeys(char *const argv[], int out, int err, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int r = posix_spawn_file_actions_init(&fa);

	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, err, 2);
	if (r == 0)
		r = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

static int read_outputs(int fout, int ferr, char **out, size_t *nout, char **err,
			size_t *nerr)
{
	int r = read_all(fout, out, nout, MAX_KEYMAP_BYTES);

	if (r < 0)
		return r;
	return read_all(ferr, err, nerr, 1u << 16);
}

/* Run it, then its output and its messages; the exit status in *status. */
static int collect(char *const argv[], int pout[2], int perr[2], char **out, size_t *nout,
		   char **err, size_t *nerr, int *status)
{
	pid_t pid;
	int r = spawn_loadkeys(argv, pout[1], perr[1], &pid);

	close(pout[1]);
	close(perr[1]);
	pout[1] = perr[1] = -1;
	if (r < 0)
		return r;
	/* stderr after stdout: loadkeys writes a few lines of error at most, which the
	 * pipe holds while its output is read. */
	r = read_outputs(pout[0], perr[0], out, nout, err, nerr);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* `loadkeys -q -b -u KEYMAP [TOGGLE]` on this machine: the binary keymap. */
static int run_loadkeys(const char *keymap, const char *toggle, const char *name,
			char **ret, size_t *ret_len)
{
	char *argv[] = {(char *)"loadkeys", (char *)"-q",   (char *)"-b", (char *)"-u",
			(char *)keymap,	    (char *)toggle, NULL};
	_cleanup_free_ char *out = NULL, *err = NULL;
	int pout[2] = {-1, -1}, perr[2] = {-1, -1}, status = 0, r;
	size_t nout = 0, nerr = 0;
	char esc[512];

	if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0)
		r = -errno;
	else
		r = collect(argv, pout, perr, &out, &nout, &err, &nerr, &status);
	close_pair(pout);
	close_pair(perr);
	if (r == -ENOENT) {
		log_error(
			"keymap '%s': 'loadkeys' (package kbd) is not installed on this machine: it converts the keymap for the image",
			name);
		return r;
	}
	if (r < 0)
		return log_error_errno(r, "keymap '%s': cannot run 'loadkeys -b'", name);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !nout) {
		log_error("keymap '%s': 'loadkeys -b' refused '%s': %s", name, keymap,
			  err ? log_escape(joined_lines(err, nerr), esc, sizeof(esc))
			      : "no output");
		return -EINVAL;
	}
	*ret = TAKE_PTR(out);
	*ret_len = nout;
	return 0;
}

/* loadkeys's output as the helper reads it: magic, 256 flags, 128 or 256 keys each. */
static int check_bkeymap(const char *data, size_t len, const char *name)
{
	size_t tables = 0;

	if (len >= 7 + 256 && memcmp(data, "bkeymap", 7) == 0) {
		for (size_t i = 0; i < 256; i++)
			tables += data[7 + i] == 1;
		if (tables && (len - 263 == tables * 256 || len - 263 == tables * 512))
			return 0;
	}
	log_error("keymap '%s': 'loadkeys -b' wrote %zu bytes that are no binary keymap",
		  name, len);
	return -EINVAL;
}

static int stage_keymap(struct stage *stage, const char *root, const char *name,
			const char *toggle, const char *origin)
{
	_cleanup_free_ char *path = NULL, *tpath = NULL, *host = NULL, *thost = NULL,
			    *data = NULL;
	size_t len = 0;
	int r = check_name("keymap", name);

	if (r < 0)
		return r;
	if (toggle) {
		r = check_name("keymap", toggle);
		if (r < 0)
			return r;
	}
	r = find(root, "keymap", name, origin, keymap_dirs, keymap_suffixes, SEARCH_DEPTH,
		 &path);
	if (r < 0)
		return r;
	if (toggle) {
		r = find(root, "keymap", toggle, "KEYMAP_TOGGLE", keymap_dirs,
			 keymap_suffixes, SEARCH_DEPTH, &tpath);
		if (r < 0)
			return r;
	}
	/* loadkeys reads the files, and their includes next to them, on this machine. */
	if (asprintf(&host, "%s%s", shown_root(root), path) < 0 ||
	    (tpath && asprintf(&thost, "%s%s", shown_root(root), tpath) < 0))
		return -ENOMEM;
	r = run_loadkeys(host, thost, name, &data, &len);
	if (r < 0)
		return r;
	r = check_bkeymap(data, len, name);
	if (r < 0)
		return r;
	r = stage_add_data(stage, ABI_KEYMAP_PATH, 0644, data, len);
	if (r < 0)
		return log_error_errno(r, "keymap '%s': cannot add it to the image",
				       name);
	log_verbose("keymap '%s' from '%s': %zu bytes as '%s'", name, host, len,
		    ABI_KEYMAP_PATH);
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A PSF1 or PSF2 font whose glyphs a console takes (at most 512 of 32x32). */
static const char *psf_problem(const unsigned char *d, size_t len)
{
	if (len >= 4 && d[0] == 0x36 && d[1] == 0x04) {
		size_t count = d[2] & 1 ? 512 : 256;
		if (!d[3] || d[3] > 32)
			return "its glyphs are not 1 to 32 rows high";
		return len < 4 + count * d[3] ? "it is shorter than its glyphs" : NULL;
	}
	if (len < 32 || le32(d) != 0x864ab572)
		return "it is not a PSF1 or PSF2 font";
	uint32_t header = le32(d + 8), count = le32(d + 16), bytes = le32(d + 20),
		 height = le32(d + 24), width = le32(d + 28);
	if (!width || width > 32 || !height || height > 32 || !count || count > 512)
		return "a console takes at most 512 glyphs of 32x32 pixels";
	if (header < 32 || bytes != height * ((width + 7) / 8) ||
	    header + (size_t)count * bytes > len)
		return "its header does not match its size";
	return NULL;
}

static int stage_font(struct stage *stage, const char *root, const char *name,
		      const char *origin)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ void *data = NULL;
	const char *problem;
	size_t len = 0;
	int r = check_name("console font", name);

	if (r < 0)
		return r;
	r = find(root, "console font", name, origin, font_dirs, font_suffixes, 0, &path);
	if (r < 0)
		return r;
	struct stat st;
	int fd = sysroot_open_input(root, path, &st, NULL);
	r = fd < 0 ? fd : compress_read_fd(fd, &data, &len);
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		log_error("console font '%s': cannot read '%s%s': %s", name,
			  shown_root(root), path,
			  r == -EBADMSG ? "corrupt compressed data"
					: sysroot_strerror(r));
		return r;
	}
	if (len > MAX_FONT_BYTES)
		problem = "it is larger than 4 MiB";
	else
		problem = psf_problem(data, len);
	if (problem) {
		log_error("console font '%s' ('%s%s') cannot be used: %s", name,
			  shown_root(root), path, problem);
		return -EINVAL;
	}
	r = stage_add_data(stage, ABI_FONT_PATH, 0644, data, len);
	if (r < 0)
		return log_error_errno(r, "console font '%s': cannot add it to the image",
				       name);
	log_verbose("console font '%s' from '%s%s': %zu bytes as '%s'", name,
		    shown_root(root), path, len, ABI_FONT_PATH);
	return 0;
}

/* The hook's own name, else vconsole.conf's KEY (NULL and a warning when unset). */
static const char *pick(const struct conf *conf, const char *root, const char *wanted,
			const char *key, const char **origin)
{
	const char *v;

	if (!streq(wanted, VCONSOLE_FROM_CONF)) {
		*origin = "named by its hook";
		return wanted;
	}
	v = conf_get_string(conf, key);
	if (!v)
		log_warning("no %s in '%s%s': the kernel's own %s stays, ignoring", key,
			    shown_root(root), VCONSOLE_CONF,
			    streq(key, "KEYMAP") ? "US keymap" : "font");
	*origin = streq(key, "KEYMAP") ? "KEYMAP in " VCONSOLE_CONF
				       : "FONT in " VCONSOLE_CONF;
	return v;
}

/* FONT_MAP and FONT_UNIMAP are read and named, but not loaded. */
static void warn_unused(const struct conf *conf, const char *root)
{
	static const char *const keys[] = {"FONT_MAP", "FONT_UNIMAP"};
	char esc[256];

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = conf_get_string(conf, keys[i]);
		if (v)
			log_warning(
				"%s='%s' in '%s%s' is not loaded by the initramfs (the font's own unicode table is), ignoring",
				keys[i], log_escape(v, esc, sizeof(esc)),
				shown_root(root), VCONSOLE_CONF);
	}
}

int vconsole_stage(struct stage *stage, const char *root,
		   const struct vconsole_want *want, struct strv *ret_fields)
{
	_cleanup_(conf_freep) struct conf *conf = NULL;
	const char *keymap = NULL, *font = NULL, *korigin = "", *forigin = "";
	int r = read_conf(root, &conf);

	injournal_incomplete(
		"the console's keymap and font are files the journal does not follow");

	if (r < 0)
		return r;
	if (want->keymap)
		keymap = pick(conf, root, want->keymap, "KEYMAP", &korigin);
	if (want->font) {
		font = pick(conf, root, want->font, "FONT", &forigin);
		warn_unused(conf, root);
	}
	if (keymap) {
		const char *toggle = streq(want->keymap, VCONSOLE_FROM_CONF)
					     ? conf_get_string(conf, "KEYMAP_TOGGLE")
					     : NULL;
		r = stage_keymap(stage, root, keymap, toggle, korigin);
		if (r < 0)
			return r;
	}
	if (font) {
		r = stage_font(stage, root, font, forigin);
		if (r < 0)
			return r;
	}
	if (!keymap && !font)
		return 0;
	const char *fields[] = {ABI_VCONSOLE_PATH, keymap ? ABI_KEYMAP_PATH : "-",
				keymap ? keymap : "-", font ? ABI_FONT_PATH : "-",
				font ? font : "-"};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		r = strv_push(ret_fields, fields[i]);
		if (r < 0)
			return log_error_errno(r, "cannot plan the console setup");
	}
	return 0;
}
