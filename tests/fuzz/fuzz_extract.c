/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: any bytes as an image given to `mkinitramfs -x`. The target directory
 * holds, before every input, symlinks that point outside it (relative and absolute);
 * a sibling directory "outside" holds one file. After the extraction, whatever it
 * returned, "outside" must hold exactly that file with its bytes, and nothing new may
 * have appeared next to the target: no write went through a symlink or escaped.
 * One cpio_reader serves every input (a fresh one per input halved the speed).
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "cpio.h"
#include "fuzz.h"
#include "image/image.h"
#include "log.h"

static char base[64], inside[96], outside[96], sentinel[128];

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* Make directories writable again (an archive may have made them 0500). */
	if (flag == FTW_DP)
		chmod(path, 0700);
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void cleanup(void)
{
	nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	snprintf(base, sizeof(base), "%s/fuzz-extract.%d", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
	snprintf(inside, sizeof(inside), "%s/inside", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(sentinel, sizeof(sentinel), "%s/victim", outside);
	nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(base, 0700) < 0 || mkdir(outside, 0700) < 0)
		abort();
	FILE *f = fopen(sentinel, "we");
	if (!f || fputs("precious\n", f) < 0 || fclose(f) != 0)
		abort();
	/* Errors are expected by the thousand: only an invariant's failure matters. */
	log_set_level(LOG_LEVEL_QUIET);
	atexit(cleanup);
}

/* The names in `dir`, sorted into one string, to compare before and after. */
static size_t entries(const char *dir, char *out, size_t cap)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	size_t len = 0;
	FUZZ_ASSERT(n >= 0);
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, cap - len, "%s/", list[i]->d_name);
		FUZZ_ASSERT(len < cap);
		free(list[i]);
	}
	free(list);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static struct cpio_reader *rd;
	char before[256], after[256], buf[32];

	if (!ready) {
		setup();
		FUZZ_ASSERT(cpio_reader_new(&rd) == 0);
		ready = 1;
	}
	nftw(inside, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	FUZZ_ASSERT(mkdir(inside, 0755) == 0);
	/* Bait: links out of the target that entries might write through. */
	char path[160];
	snprintf(path, sizeof(path), "%s/up", inside);
	FUZZ_ASSERT(symlink("../outside", path) == 0);
	snprintf(path, sizeof(path), "%s/abs", inside);
	FUZZ_ASSERT(symlink(outside, path) == 0);
	snprintf(path, sizeof(path), "%s/victim", inside);
	FUZZ_ASSERT(symlink(sentinel, path) == 0);
	entries(base, before, sizeof(before));

	const char *image = fuzz_as_file(data, size, NULL);
	int r = image_extract_with(rd, image, inside, IMAGE_EXTRACT_SETID);
	FUZZ_ASSERT(r <= 0);

	/* Nothing new beside the target, nothing changed outside it. */
	entries(base, after, sizeof(after));
	FUZZ_ASSERT(strcmp(before, after) == 0);
	entries(outside, after, sizeof(after));
	FUZZ_ASSERT(strcmp(after, "./../victim/") == 0);
	struct stat st;
	FUZZ_ASSERT(lstat(sentinel, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
		    st.st_size == 9);
	int fd = open(sentinel, O_RDONLY | O_CLOEXEC);
	FUZZ_ASSERT(fd >= 0 && read(fd, buf, sizeof(buf)) == 9 && memcmp(buf, "precious\n", 9) == 0);
	close(fd);
	return 0;
}
