/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test tool: moddep's closure of many modules in one process, or one build's plan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "abi.h"
#include "log.h"
#include "modules/moddep.h"
#include "stage.h"
#include "strv.h"

/*
 * moddep-closure ROOT KVER < names
 *     For each module name or alias on stdin: "NAME<TAB>path path ..." in load order,
 *     or "NAME<TAB>error: <errno name>".
 * moddep-closure --plan|--explain|--stage [--match] ROOT KVER SPEC...
 *     Request every SPEC (origin "config"; --match: load on match), stage, and print
 *     the plan, the explanation, or the staged entries. Exit 1 naming the subject on
 *     error.
 * moddep-closure --names ROOT KVER < words
 *     For each word on stdin, moddep_names() against libkmod's lookup (moddep_lookup()
 *     of a second moddep): "differ<TAB>WORD<TAB>names | lookup" for each difference,
 *     then "words N answered N differ N names-ms X lookup-ms Y". Exit 1 on a difference.
 */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int closures(const char *root, const char *kver)
{
	struct moddep *m;
	int r = moddep_new(root, kver, &m);
	if (r < 0) {
		fprintf(stderr, "moddep-closure: moddep_new: %s\n", strerror(-r));
		return 1;
	}
	char line[4096];
	size_t count = 0;
	double start = now();
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		moddep_reset(m);
		r = moddep_request(m, line, "stdin", MODDEP_LOAD_ALWAYS);
		if (r >= 0)
			r = moddep_resolve(m);
		if (r < 0) {
			printf("%s\terror: %s\n", line, strerror(-r));
			continue;
		}
		printf("%s\t", line);
		for (size_t i = 0; i < moddep_closure_size(m); i++)
			printf("%s%s", i ? " " : "", moddep_closure_path(m, i));
		putchar('\n');
		count++;
	}
	fprintf(stderr, "moddep-closure: %zu closures in %.3f s\n", count, now() - start);
	moddep_free(m);
	return 0;
}

static int build(const char *mode, int match, const char *root, const char *kver,
		 char **specs, int nspecs)
{
	struct moddep *m;
	struct stage *stage;
	double start = now();
	int r = moddep_new(root, kver, &m);
	if (r < 0) {
		fprintf(stderr, "moddep-closure: error: cannot open '%s/lib/modules/%s': %s\n",
			root, kver, strerror(-r));
		return 1;
	}
	if (stage_new(&stage) < 0)
		return 1;
	for (int i = 0; i < nspecs && r >= 0; i++) {
		/* A failure is logged by moddep_request itself. */
		r = moddep_request(m, specs[i], "config",
				   match ? MODDEP_LOAD_ON_MATCH : MODDEP_LOAD_ALWAYS);
	}
	if (r >= 0)
		r = moddep_resolve(m);
	if (r >= 0)
		r = moddep_stage(m, stage, NULL);
	if (r >= 0) {
		r = stage_finish(stage);
		if (r < 0)
			fprintf(stderr, "moddep-closure: error: cannot sort the staged files: %s\n",
				strerror(-r));
	}
	double elapsed = now() - start;
	if (r < 0) { /* said by the step that failed */
		moddep_free(m);
		stage_free(stage);
		return 1;
	}
	size_t n;
	const struct stage_entry *e = stage_entries(stage, &n);
	if (!strcmp(mode, "--explain"))
		moddep_explain(m, stdout);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(mode, "--plan") && !strcmp(e[i].path, ABI_PLAN_PATH + 1))
			fwrite(e[i].data, 1, e[i].size, stdout);
		if (!strcmp(mode, "--stage"))
			printf("%s %o %s\n", e[i].path, (unsigned)e[i].mode,
			       e[i].kind == STAGE_SYMLINK ? e[i].target
			       : e[i].kind != STAGE_FILE ? "-"
			       : e[i].from == STAGE_FROM_COMPRESSED ? "decompress"
			       : e[i].from == STAGE_FROM_FILE ? e[i].source : "data");
	}
	if (moddep_missing_firmware(m))
		fprintf(stderr, "moddep-closure: warning: %zu firmware files not found\n",
			moddep_missing_firmware(m));
	fprintf(stderr, "moddep-closure: resolved and staged in %.3f s\n", elapsed);
	moddep_free(m);
	stage_free(stage);
	return 0;
}

static int sorted_line(struct strv *v, char *buf, size_t size)
{
	size_t o = 0;

	strv_sort(v);
	buf[0] = '\0';
	for (size_t i = 0; i < v->n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? " " : "", v->v[i]);
	return 0;
}

static int names_vs_lookup(const char *root, const char *kver)
{
	struct moddep *byname, *bylookup;
	size_t words = 0, answered = 0, differ = 0;
	double tn = 0, tl = 0;
	char line[4096], a[4096], b[4096];

	if (moddep_new(root, kver, &byname) < 0 || moddep_new(root, kver, &bylookup) < 0) {
		fprintf(stderr, "moddep-closure: moddep_new failed\n");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		struct strv x = STRV_INIT, y = STRV_INIT;
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		double t0 = now();
		int rx = moddep_names(byname, line, &x);
		double t1 = now();
		int ry = moddep_lookup(bylookup, line, &y);
		tn += t1 - t0;
		tl += now() - t1;
		sorted_line(&x, a, sizeof(a));
		sorted_line(&y, b, sizeof(b));
		words++;
		answered += x.n > 0;
		if (rx != ry || strcmp(a, b)) {
			differ++;
			printf("differ\t%s\t%d %s | %d %s\n", line, rx, a, ry, b);
		}
		strv_clear(&x);
		strv_clear(&y);
	}
	printf("words %zu answered %zu differ %zu names-ms %.1f lookup-ms %.1f\n", words,
	       answered, differ, tn * 1e3, tl * 1e3);
	moddep_free(byname);
	moddep_free(bylookup);
	return differ ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--names"))
		return names_vs_lookup(argv[2], argv[3]);
	if (argc == 3)
		return closures(argv[1], argv[2]);
	if (argc >= 4 && argv[1][0] == '-') {
		int match = argc >= 5 && !strcmp(argv[2], "--match");
		char **rest = argv + 2 + match;
		if (getenv("MODDEP_VERBOSE"))
			log_set_level(LOG_LEVEL_VERBOSE);
		return build(argv[1], match, rest[0], rest[1], rest + 2,
			     argc - 4 - match);
	}
	fprintf(stderr, "usage: moddep-closure ROOT KVER < names\n"
			"       moddep-closure --names ROOT KVER < words\n"
			"       moddep-closure --plan|--explain|--stage [--match] ROOT KVER "
			"SPEC...\n");
	return 2;
}
