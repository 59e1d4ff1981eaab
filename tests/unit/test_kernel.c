/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kernel.c: the release of the real Debian fixture bzImage, of non-kernels, of uname. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel.h"
#include "util.h"

/* tests/kernel-fixture.sh prints "ROOT KVER"; tests run from the top directory. */
static void fixture(char root[4096], char kver[256])
{
	char line[4400];
	FILE *p = popen("tests/kernel-fixture.sh", "r");

	cr_assert(p, "cannot run tests/kernel-fixture.sh");
	cr_assert(fgets(line, sizeof(line), p), "no output from the kernel fixture");
	cr_assert_eq(pclose(p), 0, "the kernel fixture failed");
	cr_assert_eq(sscanf(line, "%4095s %255s", root, kver), 2, "bad fixture line '%s'", line);
}

Test(kernel, version_of_the_fixture_bzimage)
{
	char root[4096], kver[256], path[4400];
	_cleanup_free_ char *v = NULL;

	fixture(root, kver);
	snprintf(path, sizeof(path), "%s/boot/vmlinuz-%s", root, kver);
	cr_assert_eq(kernel_version_from_image(path, &v), 0, "cannot read '%s'", path);
	cr_assert_str_eq(v, kver);
	cr_assert(kernel_is_version_string(v));
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "we");
	cr_assert(f);
	cr_assert_eq(fwrite(data, 1, size, f), size);
	cr_assert_eq(fclose(f), 0);
}

Test(kernel, non_kernels_are_enoexec)
{
	char *v = NULL;
	char tmp[] = "/tmp/kernel-test.XXXXXX";
	int fd = mkstemp(tmp);

	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(kernel_version_from_image("/bin/ls", &v), -ENOEXEC);
	cr_assert_eq(kernel_version_from_image(tmp, &v), -ENOEXEC, "empty file");
	cr_assert_eq(kernel_version_from_image("/nonexistent/vmlinuz", &v), -ENOENT);
	write_file(tmp, "HdrS", 4);
	cr_assert_eq(kernel_version_from_image(tmp, &v), -ENOEXEC, "4 bytes");
	unlink(tmp);
}

/* A fake setup header: "HdrS" at 0x202, the string's offset - 0x200 at 0x20E. */
static void fake_header(uint8_t *buf, size_t size, uint16_t field, const char *s)
{
	memset(buf, 0, size);
	memcpy(buf + 0x202, "HdrS", 4);
	buf[0x20E] = (uint8_t)field;
	buf[0x20F] = (uint8_t)(field >> 8);
	if (s)
		memcpy(buf + 0x200 + field, s, strlen(s));
}

Test(kernel, setup_header_bounds)
{
	uint8_t buf[0x1000];
	char *v = NULL;

	fake_header(buf, sizeof(buf), 0x100, "6.1.0-9-amd64 (x@y) #1 SMP");
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), 0);
	cr_assert_str_eq(v, "6.1.0-9-amd64");
	free(v);
	fake_header(buf, sizeof(buf), 0x100, "6.12.0-custom");
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), 0, "NUL-terminated");
	cr_assert_str_eq(v, "6.12.0-custom");
	free(v);
	fake_header(buf, sizeof(buf), 0, NULL);
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), -ENOEXEC, "no string");
	fake_header(buf, sizeof(buf), 0xff00, NULL);
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), -ENOEXEC,
		     "offset beyond the file");
	fake_header(buf, sizeof(buf), 0x1000 - 0x200 - 4, "6.1x");
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), -ENOEXEC,
		     "unterminated at the end of the file");
	fake_header(buf, sizeof(buf), 0x100, "\x01\x02garbage");
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), -ENOEXEC, "binary");
	memset(buf + 0x300, 'a', 0x200);
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), -ENOEXEC, "too long");
	fake_header(buf, sizeof(buf), 0x100, "6.1.0-9-amd64 x");
	buf[0x203] = 'X';
	cr_assert_eq(kernel_version_from_buffer(buf, sizeof(buf), &v), -ENOEXEC, "no magic");
	for (size_t n = 0; n < 0x310; n++) {
		int r;
		fake_header(buf, sizeof(buf), 0x100, "6.1.0-9-amd64 (x@y) #1 SMP");
		r = kernel_version_from_buffer(buf, n, &v);
		cr_assert_eq(r, n > 0x30d ? 0 : -ENOEXEC, "truncated at %zu: %d", n, r);
		if (r == 0)
			free(v);
	}
}

Test(kernel, running_version_is_uname)
{
	_cleanup_free_ char *v = NULL;
	struct utsname u;

	cr_assert_eq(uname(&u), 0);
	cr_assert_eq(kernel_running_version(&v), 0);
	cr_assert_str_eq(v, u.release);
}

Test(kernel, version_strings)
{
	cr_assert(kernel_is_version_string("6.1.0-56-amd64"));
	cr_assert(kernel_is_version_string("6.18.44-fc-v669"));
	cr_assert(kernel_is_version_string("6.6.8-arch1-1"));
	cr_assert_not(kernel_is_version_string(""));
	cr_assert_not(kernel_is_version_string("."));
	cr_assert_not(kernel_is_version_string(".."));
	cr_assert_not(kernel_is_version_string("/boot/vmlinuz"));
	cr_assert_not(kernel_is_version_string("6.1 foo"));
	cr_assert_not(kernel_is_version_string(
		"0123456789012345678901234567890123456789012345678901234567890123456789"));
}

/* -k FIFO: refused at once (-ENOTTY), never waiting for a writer. */
Test(kernel, fifo_is_not_a_kernel_image, .timeout = 30)
{
	char dir[] = "/tmp/test_kernel.XXXXXX", path[64];
	char *v = NULL;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(kernel_version_from_image(path, &v), -ENOTTY);
	cr_assert_null(v);
	cr_assert_eq(kernel_version_from_image(dir, &v), -ENOTTY, "a directory");
	unlink(path);
	rmdir(dir);
}
