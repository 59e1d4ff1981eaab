/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parser for mkinitcpio-style configuration: bash assignments, read, never executed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "inputjournal.h"
#include "hashindex.h"
#include "log.h"
#include "suggest.h"
#include "util.h"

const char *const conf_main_keys[] = {
	"MODULES",
	"MODULES_MATCH",
	"BINARIES",
	"FILES",
	"HOOKS",
	"COMPRESSION",
	"COMPRESSION_OPTIONS",
	"MODULES_DECOMPRESS",
	"COMPRESSION_CACHE",
	NULL,
};

struct conf_entry {
	struct strv values;
	bool is_array;
	unsigned file; /* the load that last assigned it, to spot repeats in one file */
	unsigned first_line; /* its first line in that file */
};

struct conf {
	struct strv keys;
	struct conf_entry *entries; /* entries[i] holds the value of keys.v[i] */
	size_t cap;
	struct hashindex index; /* key -> position, so huge files stay linear */
	unsigned loads;
	struct strv warnings;
	/* Device and inode of every file read, so that a build refuses to write onto one.
	 */
	struct file_id {
		dev_t dev;
		ino_t ino;
	} * sources;
	size_t nsources;
};

/* One assignment as written in a file, applied only once the whole file parsed. */
struct assignment {
	char *key;
	struct strv values;
	unsigned line;
	bool append;
	bool array;
};

struct growbuf {
	char *s;
	size_t n, cap;
};

struct parser {
	const char *buf;
	size_t len; /* parsing stops here: the end, or the first bad byte */
	size_t pos;
	unsigned line, col;

	/* The first NUL byte or byte past CONF_MAX_LINE, found before parsing starts. */
	bool bad;
	bool bad_is_nul;
	unsigned bad_line, bad_col;

	/* Where a blank follows an empty `KEY=`, to explain `KEY= value`; col 0: none. */
	unsigned blank_after_eq_line, blank_after_eq_col;

	const char *name;
	struct conf_error *err;
	struct growbuf word;
	struct assignment *v;
	size_t n, cap;
};

enum word_mode { WORD_SCALAR, WORD_ARRAY };

int conf_new(struct conf **ret)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	*ret = c;
	return 0;
}

void conf_free(struct conf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->keys.n; i++)
		strv_clear(&conf->entries[i].values);
	free(conf->entries);
	hashindex_clear(&conf->index);
	strv_clear(&conf->keys);
	strv_clear(&conf->warnings);
	free(conf->sources);
	free(conf);
}

static int growbuf_add(struct growbuf *b, char c)
{
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *s = realloc(b->s, cap);

		if (!s)
			return -ENOMEM;
		b->s = s;
		b->cap = cap;
	}
	b->s[b->n++] = c;
	b->s[b->n] = '\0';
	return 0;
}

static bool is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_valid_name(const char *s, size_t n)
{
	if (n == 0 || !is_name_start((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_name_char((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int peek_at(const struct parser *p, size_t off)
{
	if (off >= p->len - p->pos)
		return -1;
	return (unsigned char)p->buf[p->pos + off];
}

static int peek(const struct parser *p)
{
	return peek_at(p, 0);
}

static void advance(struct parser *p)
{
	if (p->buf[p->pos] == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->pos++;
}

static void advance_n(struct parser *p, size_t n)
{
	while (n-- > 0)
		advance(p);
}

/* A CR that ends a line (CR LF files) reads as a blank. */
static bool at_line_end_cr(const struct parser *p)
{
	int next = peek_at(p, 1);

	return peek(p) == '\r' && (next < 0 || next == '\n');
}

/*
 * User data quoted in a message: at most 40 bytes of `s`, control and non-ASCII bytes
 * escaped so a message never carries terminal escapes.
 */
static void snippet(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0, max = n > 40 ? 40 : n;

	for (size_t i = 0; i < max && o + 5 < outsz; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f)
			o += snprintf(out + o, outsz - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	if (max < n && o + 4 < outsz)
		o += snprintf(out + o, outsz - o, "...");
	out[o] = '\0';
}

/* The raw text of the word starting at `start`, up to a blank or the end of line. */
static void word_snippet(const struct parser *p, size_t start, char *out, size_t outsz)
{
	size_t end = start;

	while (end < p->len && !strchr(" \t\r\n;", p->buf[end]))
		end++;
	snippet(p->buf + start, end - start, out, outsz);
}

_printf_(4, 5) static int fail(struct parser *p, unsigned line, unsigned col,
			       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err)
		return -EINVAL;
	n = snprintf(p->err->message, sizeof(p->err->message), "%s:%u:%u: ", p->name,
		     line, col);
	if (n >= 0 && (size_t)n < sizeof(p->err->message)) {
		va_start(ap, fmt);
		vsnprintf(p->err->message + n, sizeof(p->err->message) - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int fail_bad_byte(struct parser *p)
{
	if (p->bad_is_nul)
		return fail(p, p->bad_line, p->bad_col, "unexpected NUL byte");
	return fail(p, p->bad_line, p->bad_col, "line is longer than %d bytes",
		    CONF_MAX_LINE);
}

/* Text ended inside a construct: cut short by a bad byte, or really unterminated. */
static int fail_at_end(struct parser *p, unsigned line, unsigned col, const char *what)
{
	if (p->bad)
		return fail_bad_byte(p);
	return fail(p, line, col, "%s", what);
}

/* "unexpected '('": `what`, then the byte at the current position, then `after`. */
static int fail_char(struct parser *p, const char *what, const char *after)
{
	char s[8];

	snippet(p->buf + p->pos, 1, s, sizeof(s));
	return fail(p, p->line, p->col, "%s '%s'%s", what, s, after);
}

/* Stop parsing at the first NUL byte or overlong line, so errors stay in file order. */
static void find_bad_byte(struct parser *p)
{
	unsigned line = 1;
	size_t col = 1;

	for (size_t i = 0; i < p->len; i++) {
		char c = p->buf[i];

		if (c == '\n') {
			line++;
			col = 1;
			continue;
		}
		if (c == '\0' || col > CONF_MAX_LINE) {
			p->bad = true;
			p->bad_is_nul = c == '\0';
			p->bad_line = line;
			p->bad_col = col;
			p->len = i;
			return;
		}
		col++;
	}
}

/* Skip blanks, backslash-newline continuations and the CR of CR LF. */
static void skip_blanks(struct parser *p)
{
	for (;;) {
		int c = peek(p);

		if (is_blank(c) || at_line_end_cr(p))
			advance(p);
		else if (c == '\\' && peek_at(p, 1) == '\n')
			advance_n(p, 2);
		else if (c == '\\' && peek_at(p, 1) == '\r' && peek_at(p, 2) == '\n')
			advance_n(p, 3);
		else
			return;
	}
}

static void skip_comment(struct parser *p)
{
	while (peek(p) >= 0 && peek(p) != '\n')
		advance(p);
}

/* At a `$`: refuse every expansion; a `$` that expands to nothing special is literal. */
/* The character `off` bytes ahead, past backslash-newlines: bash removes them first. */
static int peek_joined(const struct parser *p, size_t *off)
{
	while (peek_at(p, *off) == '\\' && peek_at(p, *off + 1) == '\n')
		*off += 2;
	return peek_at(p, *off);
}

static int check_dollar(struct parser *p, bool in_double_quotes)
{
	size_t off = 1;
	int c = peek_joined(p, &off);

	off++;
	if (c == '(' && peek_joined(p, &off) == '(')
		return fail(p, p->line, p->col, "arithmetic expansion is not supported");
	if (c == '(')
		return fail(p, p->line, p->col, "command substitution is not supported");
	if (c == '[')
		return fail(p, p->line, p->col, "arithmetic expansion is not supported");
	if (c == '{' || is_name_char(c) || (c >= 0 && strchr("@*#?$!-", c)))
		return fail(p, p->line, p->col, "variable expansion is not supported");
	if (!in_double_quotes && c == '\'')
		return fail(p, p->line, p->col, "$'...' quoting is not supported");
	if (!in_double_quotes && c == '"')
		return fail(p, p->line, p->col, "$\"...\" quoting is not supported");
	return 0;
}

static int read_single_quoted(struct parser *p)
{
	unsigned line = p->line, col = p->col;
	int r;

	advance(p);
	for (;;) {
		int c = peek(p);

		if (c < 0)
			return fail_at_end(p, line, col, "unterminated single quote");
		advance(p);
		if (c == '\'')
			return 0;
		r = growbuf_add(&p->word, c);
		if (r < 0)
			return r;
	}
}

static int read_double_quoted(struct parser *p)
{
	unsigned line = p->line, col = p->col;
	int r;

	advance(p);
	for (;;) {
		int c = peek(p), next = peek_at(p, 1);

		if (c < 0)
			return fail_at_end(p, line, col, "unterminated double quote");
		if (c == '"') {
			advance(p);
			return 0;
		}
		if (c == '`')
			return fail(p, p->line, p->col,
				    "command substitution is not supported");
		if (c == '$') {
			r = check_dollar(p, true);
			if (r < 0)
				return r;
		}
		if (c == '\\' && next == '\n') {
			advance_n(p, 2);
			continue;
		}
		if (c == '\\' && next >= 0 && strchr("\"\\$`", next)) {
			advance(p);
			c = next;
		}
		advance(p);
		r = growbuf_add(&p->word, c);
		if (r < 0)
			return r;
	}
}

/* Outside quotes a backslash takes the next character literally, or joins two lines. */
static int read_backslash(struct parser *p)
{
	int next = peek_at(p, 1);

	if (next == '\n') {
		advance_n(p, 2);
		return 0;
	}
	if (next == '\r' && peek_at(p, 2) == '\n') {
		advance_n(p, 3);
		return 0;
	}
	advance(p);
	if (next < 0) /* bash keeps a backslash that ends the file */
		return growbuf_add(&p->word, '\\');
	advance(p);
	return growbuf_add(&p->word, next);
}

/*
 * Bash would expand these unquoted in a way we will not imitate: `~` at the start of a
 * value (or after `:` in a scalar), `{a,b}` in array elements.
 */
struct word_state {
	enum word_mode mode;
	bool tilde_ok;
	bool brace_sep;
	unsigned brace_line, brace_col; /* brace_col 0: no '{' open */
};

static int check_unquoted(struct parser *p, struct word_state *w, int c)
{
	bool array = w->mode == WORD_ARRAY;

	if (c == '~' && w->tilde_ok)
		return fail(p, p->line, p->col, "tilde expansion is not supported");
	if (array && c == '{' && !w->brace_col) {
		w->brace_line = p->line;
		w->brace_col = p->col;
	}
	if (array && w->brace_col && (c == ',' || (c == '.' && peek_at(p, 1) == '.')))
		w->brace_sep = true;
	if (array && c == '}' && w->brace_col && w->brace_sep)
		return fail(p, w->brace_line, w->brace_col,
			    "brace expansion is not supported");
	w->tilde_ok = !array && c == ':';
	return 0;
}

static bool ends_word(const struct parser *p, int c)
{
	return c < 0 || is_blank(c) || c == '\n' || c == ';' || at_line_end_cr(p);
}

/* One word into p->word: quotes, escapes and plain parts joined. */
static int read_word(struct parser *p, enum word_mode mode)
{
	struct word_state w = {.mode = mode, .tilde_ok = true};
	int r;

	/* bash reads `[i]=x` as an index and looks for the `]` across blanks and lines */
	if (mode == WORD_ARRAY && peek(p) == '[')
		return fail(p, p->line, p->col,
			    "array elements starting with '[' must be quoted");

	p->word.n = 0;

	for (;;) {
		int c = peek(p);

		if (ends_word(p, c) || (c == ')' && mode == WORD_ARRAY))
			return 0;
		if (c == '(' || c == ')')
			return fail_char(p, "unexpected", "");
		if (strchr("&|<>", c))
			return fail_char(p, "unsupported shell operator", "");
		if (c == '`')
			return fail(p, p->line, p->col,
				    "command substitution is not supported");
		if (c == '$') {
			r = check_dollar(p, false);
			if (r < 0)
				return r;
		}
		if (c == '\'' || c == '"' || c == '\\') {
			/* bash drops backslash-newline first: `A=\<LF>~` expands */
			if (c != '\\' || peek_at(p, 1) != '\n')
				w.tilde_ok = false;
			if (c == '\'')
				r = read_single_quoted(p);
			else if (c == '"')
				r = read_double_quoted(p);
			else
				r = read_backslash(p);
			if (r < 0)
				return r;
			continue;
		}
		r = check_unquoted(p, &w, c);
		if (r < 0)
			return r;
		advance(p);
		r = growbuf_add(&p->word, c);
		if (r < 0)
			return r;
	}
}

static int push_word(struct parser *p, struct strv *values)
{
	/* p->word.s is still NULL when every word so far was empty */
	return strv_push_take(values, strndup(p->word.s ? p->word.s : "", p->word.n));
}

static int read_array(struct parser *p, struct strv *values)
{
	unsigned line = p->line, col = p->col;
	int r;

	advance(p);
	for (;;) {
		int c;

		skip_blanks(p);
		c = peek(p);
		if (c < 0)
			return fail_at_end(p, line, col, "unterminated array");
		if (c == '\n') {
			advance(p);
			continue;
		}
		if (c == '#') {
			skip_comment(p);
			continue;
		}
		if (c == ')') {
			advance(p);
			break;
		}
		if (c == '(' || c == ';')
			return fail_char(p, "unexpected", "");
		r = read_word(p, WORD_ARRAY);
		if (r < 0)
			return r;
		r = push_word(p, values);
		if (r < 0)
			return r;
	}
	/* bash reads `A=(a)b` and `A=(a)#b` as strings like "(a)b": refuse, not guess */
	if (!ends_word(p, peek(p)))
		return fail_char(p, "unexpected", " after ')'");
	return 0;
}

static int add_assignment(struct parser *p, struct assignment *a)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct assignment *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = *a;
	return 0;
}

/* After the `=`: an array `( ... )` or one word. */
static int read_value(struct parser *p, struct assignment *a)
{
	int r;

	if (peek(p) == '(') {
		a->array = true;
		return read_array(p, &a->values);
	}
	if (is_blank(peek(p))) {
		p->blank_after_eq_line = p->line;
		p->blank_after_eq_col = p->col;
	}
	r = read_word(p, WORD_SCALAR);
	if (r < 0)
		return r;
	return push_word(p, &a->values);
}

/* At `KEY=` or `KEY+=` (name already checked): read the value, record the assignment. */
static int read_assignment(struct parser *p, size_t name_len, bool append)
{
	struct assignment a = {.line = p->line, .append = append};
	int r;

	a.key = strndup(p->buf + p->pos, name_len);
	if (!a.key)
		return -ENOMEM;
	advance_n(p, name_len + (append ? 2 : 1));

	p->blank_after_eq_col = 0;
	r = read_value(p, &a);
	if (r < 0)
		goto fail;
	r = add_assignment(p, &a); /* takes a's key and values */
	if (r < 0)
		goto fail;
	return 0;
fail:
	free(a.key);
	strv_clear(&a.values);
	return r;
}

/* A word in a statement that is not an assignment: say why as precisely as we can. */
static int fail_not_assignment(struct parser *p, bool first, size_t name_len)
{
	char s[200];
	int c = peek(p);
	size_t i;
	int r;

	if (c == '(' || c == ')' || c == ';')
		return fail_char(p, "unexpected", "");
	if (strchr("&|<>", c))
		return fail_char(p, "unsupported shell operator", "");
	if (c == '`')
		return fail(p, p->line, p->col, "command substitution is not supported");
	if (c == '$') {
		r = check_dollar(p, false);
		if (r < 0)
			return r;
	}
	if (!first && p->blank_after_eq_col)
		return fail(p, p->blank_after_eq_line, p->blank_after_eq_col,
			    "spaces around '=' are not allowed");
	word_snippet(p, p->pos, s, sizeof(s));
	if (!first)
		return fail(
			p, p->line, p->col,
			"unexpected '%s' after the assignment, quote values that contain spaces",
			s);
	/* `KEY = value` */
	i = p->pos + name_len;
	if (name_len > 0 && is_valid_name(p->buf + p->pos, name_len) && i < p->len &&
	    is_blank(p->buf[i])) {
		size_t j = i;

		while (j < p->len && is_blank(p->buf[j]))
			j++;
		if (j < p->len &&
		    (p->buf[j] == '=' ||
		     (p->buf[j] == '+' && j + 1 < p->len && p->buf[j + 1] == '=')))
			return fail(p, p->line, p->col + (unsigned)name_len,
				    "spaces around '=' are not allowed");
	}
	return fail(p, p->line, p->col, "expected an assignment KEY=value, found '%s'",
		    s);
}

static bool word_is(const struct parser *p, const char *w)
{
	size_t n = strlen(w);

	return p->len - p->pos >= n && memcmp(p->buf + p->pos, w, n) == 0 &&
	       (p->pos + n == p->len || strchr(" \t\r\n;", p->buf[p->pos + n]));
}

/* One word of a statement: an assignment, or after `export` a bare name. */
static int read_statement_word(struct parser *p, bool first, bool exporting)
{
	const char *s = p->buf + p->pos;
	size_t n = 0, name_len;
	bool append;

	/* bash decides on the text before the first unquoted '=' */
	while (p->pos + n < p->len && !strchr(" \t\r\n;&|<>()\"'`$\\=", s[n]))
		n++;
	if (p->pos + n == p->len || s[n] != '=' || n == 0 || (n == 1 && s[0] == '+')) {
		if (exporting && is_valid_name(s, n) &&
		    (p->pos + n == p->len || strchr(" \t\r\n;", s[n]))) {
			advance_n(p, n); /* `export NAME`: nothing to assign */
			return 0;
		}
		return fail_not_assignment(p, first, n);
	}
	append = s[n - 1] == '+';
	name_len = append ? n - 1 : n;
	if (!is_valid_name(s, name_len)) {
		const char *bracket = memchr(s, '[', name_len);
		char q[200];

		snippet(s, name_len, q, sizeof(q));
		if (bracket && is_valid_name(s, bracket - s))
			return fail(p, p->line, p->col,
				    "indexed assignment '%s' is not supported", q);
		return fail(p, p->line, p->col, "invalid key name '%s'", q);
	}
	return read_assignment(p, name_len, append);
}

/* Statement: words up to a newline, a comment, `;` or the end. */
static int read_statement(struct parser *p)
{
	bool first = true, exporting = false;
	int r;

	if (word_is(p, "export")) {
		advance_n(p, strlen("export"));
		exporting = true;
	}
	p->blank_after_eq_col = 0;
	for (;;) {
		int c;

		skip_blanks(p);
		c = peek(p);
		if (c < 0 || c == '\n' || c == '#')
			return 0;
		if (c == ';') {
			if (first)
				return fail_char(p, "unexpected", "");
			advance(p);
			return 0;
		}
		r = read_statement_word(p, first, exporting);
		if (r < 0)
			return r;
		first = false;
	}
}

static int parse(struct parser *p)
{
	int r;

	find_bad_byte(p);
	for (;;) {
		int c;

		skip_blanks(p);
		c = peek(p);
		if (c < 0)
			break;
		if (c == '\n') {
			advance(p);
			continue;
		}
		if (c == '#') {
			skip_comment(p);
			continue;
		}
		r = read_statement(p);
		if (r < 0)
			return r;
	}
	if (p->bad)
		return fail_bad_byte(p);
	return 0;
}

static void parser_done(struct parser *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		strv_clear(&p->v[i].values);
	}
	free(p->v);
	free(p->word.s);
}

static const char *key_at(size_t pos, const void *userdata)
{
	const struct conf *conf = userdata;
	return conf->keys.v[pos];
}

static ssize_t conf_find(const struct conf *conf, const char *key)
{
	return hashindex_find(&conf->index, key, key_at, conf);
}

static struct conf_entry *conf_entry_get(struct conf *conf, const char *key)
{
	ssize_t i = conf_find(conf, key);

	if (i >= 0)
		return &conf->entries[i];
	if (conf->keys.n == conf->cap) {
		size_t cap = conf->cap ? conf->cap * 2 : 16;
		struct conf_entry *e = realloc(conf->entries, cap * sizeof(*e));

		if (!e)
			return NULL;
		conf->entries = e;
		conf->cap = cap;
	}
	if (strv_push(&conf->keys, key) < 0)
		return NULL;
	if (hashindex_add(&conf->index, key, conf->keys.n, key_at, conf) < 0) {
		free(conf->keys.v[--conf->keys.n]);
		conf->keys.v[conf->keys.n] = NULL;
		return NULL;
	}
	conf->entries[conf->keys.n - 1] = (struct conf_entry){.values = STRV_INIT};
	return &conf->entries[conf->keys.n - 1];
}

_printf_(2, 3) static int conf_warn(struct conf *conf, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	return strv_push_take(&conf->warnings, s);
}

static bool key_known(const char *const *known_keys, const char *key)
{
	if (!known_keys)
		return true;
	for (size_t i = 0; known_keys[i]; i++)
		if (streq(known_keys[i], key))
			return true;
	return false;
}

/* Warnings that need only the file itself: unknown keys, keys assigned twice. */
static int warn_in_file(struct conf *conf, struct conf_entry *e, const char *name,
			const struct assignment *a, const char *const *known_keys)
{
	bool first = e->file != conf->loads;

	if (first) {
		e->file = conf->loads;
		e->first_line = a->line;
	}
	if (!key_known(known_keys, a->key)) {
		const char *hint =
			known_keys ? suggest_closest(a->key, known_keys, (size_t)-1)
				   : NULL;
		if (!first)
			return 0;
		if (hint)
			return conf_warn(
				conf,
				"%s:%u: unknown key '%s' (did you mean '%s'?), ignoring",
				name, a->line, a->key, hint);
		return conf_warn(conf, "%s:%u: unknown key '%s', ignoring", name, a->line,
				 a->key);
	}
	if (!a->append && !first)
		return conf_warn(
			conf,
			"%s:%u: '%s' assigned again (first at line %u), the last one wins",
			name, a->line, a->key, e->first_line);
	return 0;
}

static int append_text(struct strv *values, const char *text)
{
	char *s;

	if (values->n == 0)
		return strv_push(values, text);
	if (asprintf(&s, "%s%s", values->v[0], text) < 0)
		return -ENOMEM;
	free(values->v[0]);
	values->v[0] = s;
	return 0;
}

static int apply(struct conf *conf, const char *name, struct assignment *a,
		 const char *const *known_keys)
{
	struct conf_entry *e = conf_entry_get(conf, a->key);
	int r;

	if (!e)
		return -ENOMEM;
	r = warn_in_file(conf, e, name, a, known_keys);
	if (r < 0)
		return r;
	if (!a->array && a->append) {
		if (e->is_array)
			r = conf_warn(
				conf,
				"%s:%u: '%s+=word' appends to the first element of the array, write %s+=(word) to add an element",
				name, a->line, a->key, a->key);
		else
			r = 0;
		return r < 0 ? r : append_text(&e->values, a->values.v[0]);
	}
	if (!a->append) {
		if (!a->array && e->is_array && e->values.n > 1) {
			r = conf_warn(
				conf,
				"%s:%u: '%s' held an array of %zu elements, '%s=word' replaces all of them (bash would replace only the first)",
				name, a->line, a->key, e->values.n, a->key);
			if (r < 0)
				return r;
		}
		strv_clear(&e->values);
		e->is_array = a->array;
	} else {
		e->is_array = true;
	}
	for (size_t i = 0; i < a->values.n; i++) {
		r = strv_push_take(&e->values, TAKE_PTR(a->values.v[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

int conf_load_string(struct conf *conf, const char *text, size_t len, const char *name,
		     const char *const *known_keys, struct conf_error *err)
{
	struct parser p = {
		.buf = text,
		.len = len,
		.line = 1,
		.col = 1,
		.name = name ? name : "<string>",
		.err = err,
	};
	int r;

	r = parse(&p);
	conf->loads++;
	for (size_t i = 0; r >= 0 && i < p.n; i++)
		r = apply(conf, p.name, &p.v[i], known_keys);
	if (r == -ENOMEM && err)
		snprintf(err->message, sizeof(err->message), "%s: out of memory", p.name);
	parser_done(&p);
	return r;
}

static int add_source(struct conf *conf, const struct stat *st)
{
	struct file_id *v =
		realloc(conf->sources, (conf->nsources + 1) * sizeof(*conf->sources));
	if (!v)
		return -ENOMEM;
	conf->sources = v;
	conf->sources[conf->nsources++] = (struct file_id){st->st_dev, st->st_ino};
	return 0;
}

int conf_has_source(const struct conf *conf, const struct stat *st)
{
	for (size_t i = 0; i < conf->nsources; i++)
		if (conf->sources[i].dev == st->st_dev &&
		    conf->sources[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* -ENOTTY stands for "not a regular file": a FIFO would block the read forever. */
static int read_all(struct conf *conf, const char *path, char **ret, size_t *ret_len,
		    mode_t *ret_type)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;
	struct stat st;

	injournal_note(path);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode)) {
		*ret_type = st.st_mode;
		return -ENOTTY;
	}
	if (add_source(conf, &st) < 0)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			char *b;

			if (cap > CONF_MAX_FILE)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			b = realloc(buf, cap);
			if (!b)
				return -ENOMEM;
			buf = b;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > CONF_MAX_FILE)
		return -EFBIG;
	*ret = TAKE_PTR(buf);
	*ret_len = n;
	return 0;
}

static int fail_errno(struct conf_error *err, const char *what, const char *path, int r)
{
	if (err)
		snprintf(err->message, sizeof(err->message), "cannot read %s'%s': %s",
			 what, path, strerror(-r));
	return r;
}

int conf_load_file(struct conf *conf, const char *path, const char *const *known_keys,
		   struct conf_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	mode_t type = 0;

	r = read_all(conf, path, &text, &len, &type);
	if (r == -ENOTTY) {
		if (err)
			snprintf(err->message, sizeof(err->message),
				 "cannot read '%s': it is %s, not a regular file", path,
				 log_file_type(type));
		return -EINVAL;
	}
	if (r < 0)
		return fail_errno(err, "", path, r);
	return conf_load_string(conf, text, len, path, known_keys, err);
}

static bool is_dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && streq(name + n - 5, ".conf");
}

static int list_dropins(const char *dir, struct strv *ret)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	int r;

	injournal_note(dir);
	if (!d)
		return negative_errno();
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!is_dropin_name(de->d_name))
			continue;
		r = strv_push(ret, de->d_name);
		if (r < 0)
			return r;
	}
	if (errno)
		return negative_errno();
	strv_sort(ret);
	return 0;
}

int conf_load_with_dropins(struct conf *conf, const char *path,
			   const char *const *known_keys, struct conf_error *err)
{
	_cleanup_free_ char *dir = NULL;
	struct strv names = STRV_INIT;
	int r;

	r = conf_load_file(conf, path, known_keys, err);
	if (r < 0)
		return r;
	if (asprintf(&dir, "%s.d", path) < 0)
		return -ENOMEM;
	r = list_dropins(dir, &names);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		strv_clear(&names);
		return fail_errno(err, "directory ", dir, r);
	}
	for (size_t i = 0; i < names.n && r >= 0; i++) {
		_cleanup_free_ char *file = NULL;

		if (asprintf(&file, "%s/%s", dir, names.v[i]) < 0)
			r = -ENOMEM;
		else
			r = conf_load_file(conf, file, known_keys, err);
	}
	strv_clear(&names);
	return r < 0 ? r : 0;
}

const struct strv *conf_get(const struct conf *conf, const char *key)
{
	ssize_t i = conf_find(conf, key);

	return i < 0 ? NULL : &conf->entries[i].values;
}

const char *conf_get_string(const struct conf *conf, const char *key)
{
	const struct strv *v = conf_get(conf, key);

	if (!v || v->n == 0 || v->v[0][0] == '\0')
		return NULL;
	return v->v[0];
}

const struct strv *conf_keys(const struct conf *conf)
{
	return &conf->keys;
}

const struct strv *conf_warnings(const struct conf *conf)
{
	return &conf->warnings;
}

int conf_split_string(struct conf *conf, const char *key)
{
	ssize_t i = conf_find(conf, key);
	struct strv words = STRV_INIT;

	if (i < 0 || conf->entries[i].is_array)
		return 0;
	const struct strv *v = &conf->entries[i].values;
	for (size_t k = 0; k < v->n; k++) {
		const char *s = v->v[k];
		while (*s) {
			size_t skip = strspn(s, " \t\n"), len;
			s += skip;
			len = strcspn(s, " \t\n");
			if (!len)
				break;
			char *w = strndup(s, len);
			int r = w ? strv_push_take(&words, w) : -ENOMEM;
			if (r < 0) {
				strv_clear(&words);
				return r;
			}
			s += len;
		}
	}
	strv_clear(&conf->entries[i].values);
	conf->entries[i].values = words;
	conf->entries[i].is_array = true;
	return 0;
}
