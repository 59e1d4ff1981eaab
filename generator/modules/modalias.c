/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A kmod alias index (modules.alias.bin) searched as a trie of glob patterns. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modalias.h"
#include "util.h"

/* The index format depmod writes (big-endian words): a header, then nodes whose
 * offsets carry what the node holds in their top bits. */
#define INDEX_MAGIC 0xb007f457u
#define INDEX_MAJOR 2
#define NODE_PREFIX 0x80000000u
#define NODE_VALUES 0x40000000u
#define NODE_CHILDS 0x20000000u
#define NODE_MASK 0x0fffffffu

/* Nodes visited by one search before it gives up (a normal one visits hundreds). */
#define MATCH_BUDGET 100000

struct modalias_index {
	const uint8_t *map;
	size_t size;
	uint32_t root;
};

/* A node as read from the map; every pointer stays inside it. */
struct node {
	const char *prefix;
	size_t prefix_len;
	unsigned first, last; /* children's characters; first > last: none */
	const uint8_t *children;
	uint32_t nvalues;
	const uint8_t *values;
};

/* One search: the key, the pattern path that led here (for the fnmatch fallback),
 * what was found. */
struct search {
	const struct modalias_index *ix;
	const char *key;
	size_t key_len;
	char path[4096];
	size_t path_len;
	struct strv *names;
	unsigned budget;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A NUL-terminated string at *at, inside the map; *at moves past it. */
static const char *take_string(const struct modalias_index *ix, size_t *at,
			       size_t *ret_len)
{
	const uint8_t *s = ix->map + *at;
	const uint8_t *nul = memchr(s, '\0', ix->size - *at);

	if (!nul)
		return NULL;
	*ret_len = (size_t)(nul - s);
	*at += *ret_len + 1;
	return (const char *)s;
}

static int read_node(const struct modalias_index *ix, uint32_t offset, struct node *n)
{
	size_t at = offset & NODE_MASK;

	*n = (struct node){.prefix = "", .first = 1, .last = 0};
	if (at < 12 || at >= ix->size)
		return -EBADMSG;
	if (offset & NODE_PREFIX) {
		n->prefix = take_string(ix, &at, &n->prefix_len);
		if (!n->prefix)
			return -EBADMSG;
	}
	if (offset & NODE_CHILDS) {
		if (ix->size - at < 2)
			return -EBADMSG;
		n->first = ix->map[at];
		n->last = ix->map[at + 1];
		at += 2;
		if (n->first > n->last ||
		    (ix->size - at) / 4 < (size_t)(n->last - n->first + 1))
			return -EBADMSG;
		n->children = ix->map + at;
		at += 4 * (size_t)(n->last - n->first + 1);
	}
	if (offset & NODE_VALUES) {
		if (ix->size - at < 4)
			return -EBADMSG;
		n->nvalues = be32(ix->map + at);
		n->values = ix->map + at + 4;
	}
	return 0;
}

/* The child reached by character c, or 0. */
static uint32_t child_of(const struct node *n, unsigned char c)
{
	if (!n->children || c < n->first || c > n->last)
		return 0;
	return be32(n->children + 4 * (size_t)(c - n->first));
}

/* Every value of node n, each a priority word then a module name. */
static int add_values(struct search *s, const struct node *n)
{
	size_t at = (size_t)(n->values - s->ix->map);

	for (uint32_t i = 0; i < n->nvalues; i++) {
		size_t len;
		if (s->ix->size - at < 4)
			return -EBADMSG;
		at += 4;
		const char *name = take_string(s->ix, &at, &len);
		if (!name)
			return -EBADMSG;
		if (!strv_contains(s->names, name)) {
			int r = strv_push(s->names, name);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int push_path(struct search *s, const char *chars, size_t len)
{
	if (len >= sizeof(s->path) - s->path_len)
		return -E2BIG;
	memcpy(s->path + s->path_len, chars, len);
	s->path_len += len;
	s->path[s->path_len] = '\0';
	return 0;
}

/*
 * libkmod's way for what this search does not follow itself (a '[' class, a '\\'
 * escape): every pattern below, whole, through fnmatch. `offset`'s pattern so far is
 * in s->path.
 */
static int glob_subtree(struct search *s, uint32_t offset)
{
	size_t saved = s->path_len;
	struct node n;
	int r = read_node(s->ix, offset, &n);

	if (r < 0)
		return r;
	if (!s->budget--)
		return -E2BIG;
	r = push_path(s, n.prefix, n.prefix_len);
	if (r >= 0 && n.nvalues && fnmatch(s->path, s->key, 0) == 0)
		r = add_values(s, &n);
	for (unsigned c = n.first; r >= 0 && c <= n.last; c++) {
		uint32_t child = child_of(&n, (unsigned char)c);
		char ch = (char)c;
		if (!child)
			continue;
		r = push_path(s, &ch, 1);
		if (r >= 0)
			r = glob_subtree(s, child);
		s->path_len--;
	}
	s->path_len = saved;
	return r;
}

static int match_node(struct search *s, uint32_t offset, size_t j);
static int follow_child(struct search *s, const struct node *n, char c, size_t j);

/* The characters a pattern gives a meaning; the search follows '*' and '?' itself. */
#define WILDCARDS "*?[\\"

/* Node n (at `offset`) from its prefix position p on, against the key from j on. */
static int match_from(struct search *s, uint32_t offset, const struct node *n, size_t p,
		      size_t j)
{
	int r = 0;

	if (!s->budget--)
		return -E2BIG;
	for (; p < n->prefix_len; p++) {
		char c = n->prefix[p];
		if (c == '*') {
			for (size_t k = j; r >= 0 && k <= s->key_len; k++)
				r = match_from(s, offset, n, p + 1, k);
			return r;
		}
		if (c == '[' || c == '\\')
			return glob_subtree(s, offset);
		if (j >= s->key_len || (c != '?' && c != s->key[j]))
			return 0;
		j++;
	}
	if (j == s->key_len && n->nvalues) {
		r = add_values(s, n);
		if (r < 0)
			return r;
	}
	/* The children: the wildcards, and the key's next character. */
	size_t saved = s->path_len;
	r = push_path(s, n->prefix, n->prefix_len);
	for (const char *w = WILDCARDS; r >= 0 && *w; w++)
		r = follow_child(s, n, *w, j);
	if (r >= 0 && j < s->key_len && !strchr(WILDCARDS, s->key[j]))
		r = follow_child(s, n, s->key[j], j);
	s->path_len = saved;
	return r;
}

/* The child of n under pattern character c, against the key from j on. */
static int follow_child(struct search *s, const struct node *n, char c, size_t j)
{
	uint32_t child = child_of(n, (unsigned char)c);
	int r;

	if (!child)
		return 0;
	r = push_path(s, &c, 1);
	if (r < 0)
		return r;
	if (c == '*')
		for (size_t k = j; r >= 0 && k <= s->key_len; k++)
			r = match_node(s, child, k);
	else if (c == '[' || c == '\\')
		r = glob_subtree(s, child);
	else if (j < s->key_len) /* '?' or the key's own character */
		r = match_node(s, child, j + 1);
	s->path_len--;
	return r;
}

static int match_node(struct search *s, uint32_t offset, size_t j)
{
	struct node n;
	int r = read_node(s->ix, offset, &n);

	return r < 0 ? r : match_from(s, offset, &n, 0, j);
}

int modalias_match(const struct modalias_index *ix, const char *key, struct strv *names)
{
	struct search *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	*s = (struct search){.ix = ix,
			     .key = key,
			     .key_len = strlen(key),
			     .names = names,
			     .budget = MATCH_BUDGET};
	r = match_node(s, ix->root, 0);
	free(s);
	return r < 0 ? r : 0;
}

int modalias_open(const char *path, struct modalias_index **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < 12)
		return -EBADMSG;
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	const uint8_t *p = map;
	struct modalias_index *ix = malloc(sizeof(*ix));
	if (!ix || be32(p) != INDEX_MAGIC || be32(p + 4) >> 16 != INDEX_MAJOR) {
		munmap(map, (size_t)st.st_size);
		free(ix);
		return ix ? -EBADMSG : -ENOMEM;
	}
	*ix = (struct modalias_index){
		.map = p, .size = (size_t)st.st_size, .root = be32(p + 8)};
	*ret = ix;
	return 0;
}

void modalias_free(struct modalias_index *ix)
{
	if (!ix)
		return;
	munmap((void *)ix->map, ix->size);
	free(ix);
}
