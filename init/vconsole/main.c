/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vconsole: the init runs this helper (plan record V, abi.h) before any prompt, so that
 * a passphrase typed on a non-US keyboard arrives as typed, and the console shows the
 * system's font. argv: KEYMAP-FILE KEYMAP-NAME FONT-FILE FONT-NAME, "-" for none. The
 * keymap is global to the kernel's keyboard handling and the font is set on the
 * foreground virtual console, both through /dev/tty0 (whatever console= says: the
 * keyboard always types into a virtual console). The font is read back to prove it was
 * taken. Exit 0 when all was loaded, 1 after logging what failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "abi.h"
#include "file.h"
#include "font.h"
#include "kd.h"
#include "keymap.h"
#include "log.h"

#define VT_PATH "/dev/tty0"
#define MAX_FILE (256u << 10)
#define MAX_PAIRS 16384

static char file_buf[MAX_FILE];
static unsigned char packed[FONT_PACKED_MAX], readback[FONT_PACKED_MAX];
static struct kd_unipair pairs[MAX_PAIRS];

static int read_input(const char *what, const char *path, size_t *len)
{
	int r = file_read(path, file_buf, sizeof(file_buf), len);

	if (r == -EFBIG)
		log_error("%s '%s' is larger than %u KiB", what, path, MAX_FILE >> 10);
	else if (r < 0)
		log_error("cannot read %s '%s': %s", what, path, log_errname(r));
	return r;
}

static int load_keymap(int vt, const char *path, const char *name)
{
	const char *why = "";
	struct keymap km;
	size_t len;
	int r;

	r = read_input("keymap", path, &len);
	if (r < 0)
		return r;
	r = keymap_parse((const unsigned char *)file_buf, len, &km, &why);
	if (r < 0) {
		log_error("keymap '%s' ('%s') is not a binary keymap: %s", name, path,
			  why);
		return r;
	}
	r = keymap_load(vt, &km);
	if (r < 0)
		return r;
	log_info("keymap '%s' loaded: %d keys in %u tables", name, r, km.tables);
	return 0;
}

/* What the console holds now is what was set: the glyphs, row by row. */
static int check_font(int vt, const struct font *f, const char *name)
{
	struct kd_font_op op = {.op = KD_FONT_OP_GET,
				.width = FONT_MAX_WIDTH,
				.height = KD_FONT_ROWS,
				.charcount = FONT_MAX_GLYPHS,
				.data = readback};
	size_t slot = (size_t)KD_FONT_ROWS * font_row_bytes(f);
	unsigned same = 0;

	if (ioctl(vt, KD_FONTOP, &op) < 0) {
		log_error("cannot read the console font back: %s", log_errname(-errno));
		return -errno;
	}
	for (unsigned g = 0; g < f->count && g < op.charcount; g++)
		same += memcmp(packed + g * slot, readback + g * slot, f->glyph_bytes) ==
			0;
	if (op.width != f->width || op.height != f->height || same != f->count) {
		log_error(
			"console font '%s' did not take: the console has %ux%u glyphs, %u of %u as set",
			name, op.width, op.height, same, f->count);
		return -EIO;
	}
	log_info("console font '%s' set: %u glyphs of %ux%u, read back the same", name,
		 f->count, op.width, op.height);
	return 0;
}

static int load_unimap(int vt, const struct font *f, const char *name)
{
	struct kd_unimapinit init = {0};
	struct kd_unimapdesc desc = {.entries = pairs};
	const char *why = "";
	int n = font_unimap(f, pairs, MAX_PAIRS, &why);

	if (n < 0) {
		log_error("console font '%s': %s", name, why);
		return n;
	}
	if (n == 0)
		return 0; /* no table: the console's unicode map stays as it is */
	desc.entry_ct = (uint16_t)n;
	if (ioctl(vt, KD_PIO_UNIMAPCLR, &init) < 0 ||
	    ioctl(vt, KD_PIO_UNIMAP, &desc) < 0) {
		log_error("cannot set the unicode map of console font '%s': %s", name,
			  log_errname(-errno));
		return -errno;
	}
	log_info("console font '%s': %d unicode mappings", name, n);
	return 0;
}

static int load_font(int vt, const char *path, const char *name)
{
	struct kd_font_op op = {.op = KD_FONT_OP_SET, .data = packed};
	const char *why = "";
	struct font f;
	size_t len;
	int r;

	r = read_input("console font", path, &len);
	if (r < 0)
		return r;
	r = font_parse((const unsigned char *)file_buf, len, &f, &why);
	if (r < 0) {
		log_error("console font '%s' ('%s') cannot be used: %s", name, path, why);
		return r;
	}
	op.width = f.width;
	op.height = f.height;
	op.charcount = font_pack(&f, packed);
	if (ioctl(vt, KD_FONTOP, &op) < 0) {
		r = -errno;
		log_error("cannot set console font '%s' (%u glyphs of %ux%u): %s", name,
			  f.count, f.width, f.height, log_errname(r));
		return r;
	}
	r = check_font(vt, &f, name);
	if (r == 0)
		r = load_unimap(vt, &f, name);
	return r;
}

static bool given(const char *arg)
{
	return arg && *arg && strcmp(arg, "-") != 0;
}

int main(int argc, char *argv[])
{
	int fd = open(ABI_KMSG_PATH, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	int vt, failed = 0;

	if (fd >= 0)
		log_set_fd(fd, ABI_KMSG_PATH);
	if (argc != 5) {
		log_error(
			"vconsole: expected 'vconsole KEYMAP-FILE KEYMAP-NAME FONT-FILE FONT-NAME' ('-' for none), got %d arguments",
			argc - 1);
		return 1;
	}
	vt = open(VT_PATH, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (vt < 0 || ioctl(vt, KD_GKBTYPE, &(char){0}) < 0) {
		log_error(
			"cannot load the console keymap or font: '%s' is no virtual console (%s)",
			VT_PATH, log_errname(-errno));
		return 1;
	}
	if (given(argv[1]) && load_keymap(vt, argv[1], argv[2]) < 0)
		failed = 1;
	if (given(argv[3]) && load_font(vt, argv[3], argv[4]) < 0)
		failed = 1;
	close(vt);
	return failed;
}
