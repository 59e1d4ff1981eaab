/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The input journal: what its text records, what makes its check fail. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inputjournal.h"
#include "testutil.h"

static char *dir;
static char conf[512], dropins[512], index_path[512];

/* Files dated an hour back: older than any first read, so never "racily clean". */
static void age(const char *path)
{
	struct timespec t[2];
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= 3600;
	t[1] = t[0];
	cr_assert_eq(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW), 0);
}

static void setup(void)
{
	dir = testutil_mkdtemp();
	testutil_write(dir, "c.conf", "MODULES=(a)\n");
	testutil_write(dir, "modules.alias.bin", "index");
	snprintf(conf, sizeof(conf), "%s/c.conf", dir);
	snprintf(dropins, sizeof(dropins), "%s/c.conf.d", dir);
	snprintf(index_path, sizeof(index_path), "%s/modules.alias.bin", dir);
	age(conf);
	age(index_path);
	age(dir);
	/* Their ctimes are now: past the coarse clock's tick before the first read, or the
	 * journal would (rightly) not trust them. A wait in the set-up, not a timing test. */
	usleep(50 * 1000);
	injournal_begin();
}

static void teardown(void)
{
	testutil_rmrf(dir);
	free(dir);
}

TestSuite(inputjournal, .init = setup, .fini = teardown);

static const char *facts_value = "alias pci:v1\n";

static int facts(void *userdata, char **ret)
{
	(void)userdata;
	*ret = strdup(facts_value);
	return *ret ? 0 : -ENOMEM;
}

/* A journal of the config, its absent drop-in directory, an index and the directory. */
static char *journal(const char *with_facts)
{
	char *text = NULL;

	injournal_note(conf);
	injournal_note(dropins);
	injournal_note(index_path);
	injournal_note(dir);
	cr_assert_eq(injournal_text("cwd 1:/\n", with_facts, "generator 1", &text), 0);
	return text;
}

static int check(const char *text)
{
	struct strv warnings = STRV_INIT;
	int r = injournal_check(text, "cwd 1:/\n", "generator 1", facts, NULL, &warnings);

	strv_clear(&warnings);
	return r;
}

Test(inputjournal, text_names_each_path_once_with_its_stat_or_absence)
{
	char *text = journal(NULL);
	char line[600];

	injournal_note(conf); /* noted twice, listed once */
	snprintf(line, sizeof(line), " %s\n", conf);
	cr_assert_not_null(strstr(text, line));
	cr_assert_null(strstr(strstr(text, line) + 1, line), "listed once");
	snprintf(line, sizeof(line), "\nA %d %s\n", ENOENT, dropins);
	cr_assert_not_null(strstr(text, line), "an absent path: %s", text);
	cr_assert_eq(strncmp(text, "request 8\ncwd 1:/\n\nself 11\ngenerator 1\n", 38), 0);
	cr_assert_eq(check(text), 1, "unchanged");
	free(text);
}

/* Each change in a test of its own: a file changed after the first read of a process is
 * (rightly) never trusted again by that process's journal. */
Test(inputjournal, a_touched_file_fails_the_check)
{
	char *text = journal(NULL);

	age(conf); /* the mtime as it was, the ctime now */
	cr_assert_eq(check(text), 0);
	free(text);
}

Test(inputjournal, an_absent_path_that_appears_fails_the_check)
{
	char *text = journal(NULL);

	cr_assert_eq(mkdir(dropins, 0755), 0);
	cr_assert_eq(check(text), 0);
	free(text);
}

Test(inputjournal, a_removed_file_fails_the_check)
{
	char *text = journal(NULL);

	cr_assert_eq(unlink(index_path), 0);
	cr_assert_eq(check(text), 0);
	free(text);
}

Test(inputjournal, a_file_added_to_a_journalled_directory_fails_the_check)
{
	char *text = journal(NULL);

	testutil_write(dir, "new.conf", "x");
	cr_assert_eq(check(text), 0);
	free(text);
}

Test(inputjournal, the_request_the_generator_and_the_facts_are_compared_whole)
{
	char *text = journal(facts_value);

	cr_assert_eq(check(text), 1);
	struct strv w = STRV_INIT;
	cr_assert_eq(injournal_check(text, "cwd 2:/x\n", "generator 1", facts, NULL, &w), 0);
	cr_assert_eq(injournal_check(text, "cwd 1:/\n", "generator 2", facts, NULL, &w), 0);
	facts_value = "alias pci:v2\n";
	cr_assert_eq(check(text), 0, "another device");
	facts_value = "alias pci:v1\n";
	free(text);
}

Test(inputjournal, an_incomplete_build_keeps_no_journal_until_the_next_begins)
{
	char *text = NULL;

	injournal_note(conf);
	injournal_incomplete("BINARIES");
	cr_assert_eq(injournal_text("r\n", NULL, "g", &text), -EAGAIN);
	injournal_begin();
	cr_assert_eq(injournal_text("r\n", NULL, "g", &text), 0);
	free(text);
}

Test(inputjournal, an_input_changed_after_the_first_read_keeps_no_journal)
{
	char *text = NULL;
	char late[600];

	injournal_note(conf);
	snprintf(late, sizeof(late), "%s/late.conf", dir);
	testutil_write(dir, "late.conf", "x"); /* written after the first read */
	injournal_note(late);
	cr_assert_eq(injournal_text("r\n", NULL, "g", &text), -EAGAIN);
}

Test(inputjournal, a_garbled_journal_fails_the_check)
{
	char *text = journal(NULL);

	cr_assert_eq(check("request 3\nxyz\n"), 0);
	char *s = strstr(text, "\nS ");
	cr_assert_not_null(s);
	s[1] = 'Q';
	cr_assert_eq(check(text), 0, "an unknown line kind");
	free(text);
}

Test(inputjournal, the_builds_warnings_come_back_with_the_check)
{
	struct strv w = STRV_INIT;
	char *text;

	injournal_warning("3 firmware files named by the included modules not found");
	injournal_warning("a second one\nwith a newline");
	text = journal(NULL);
	cr_assert_eq(injournal_check(text, "cwd 1:/\n", "generator 1", facts, NULL, &w), 1);
	cr_assert_eq(w.n, 2);
	cr_assert_str_eq(w.v[0], "3 firmware files named by the included modules not found");
	cr_assert_str_eq(w.v[1], "a second one\nwith a newline");
	strv_clear(&w);
	free(text);
	injournal_begin();
	text = journal(NULL);
	cr_assert_eq(injournal_check(text, "cwd 1:/\n", "generator 1", facts, NULL, &w), 1);
	cr_assert_eq(w.n, 0, "a new build starts with none");
	free(text);
}
