/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Split the kernel command line like the kernel does (double quotes group words). */
#include <string.h>

#include "cmdline.h"
#include "str.h"

/* The value of "key=value" when word's key is key, else NULL. */
static const char *value_of(const char *word, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(word, key, n) != 0 || word[n] != '=')
		return NULL;
	return word + n + 1;
}

/* Split a value into the blacklist, in place: "a,b" -> "a", "b". */
static void add_blacklist(struct cmdline *c, char *list)
{
	char *p = list;

	while (p && *p) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		if (*p) {
			if (c->n_blacklist < CMDLINE_MAX_BLACKLIST)
				c->blacklist[c->n_blacklist++] = p;
			else
				c->truncated = true;
		}
		p = comma ? comma + 1 : NULL;
	}
}

/* Quotes only group words; the init's own values lose them, in place. */
static void unquote(char *word)
{
	char *w = word;

	for (char *p = word; *p; p++)
		if (*p != '"')
			*w++ = *p;
	*w = '\0';
}

static void parse_word(struct cmdline *c, char *word)
{
	const char *v;

	if ((v = value_of(word, "root")))
		c->root = v;
	else if ((v = value_of(word, "rootfstype")))
		c->rootfstype = v;
	else if ((v = value_of(word, "rootflags")))
		c->rootflags = v;
	else if ((v = value_of(word, "init")))
		c->init = v;
	else if ((v = value_of(word, "resume")))
		c->resume = v;
	else if ((v = value_of(word, "resume_offset")))
		c->resume_offset = v;
	else if (strcmp(word, "noresume") == 0)
		c->noresume = true;
	else if ((v = value_of(word, "rootdelay"))) {
		unsigned long n;

		if (str_to_uint(v, &n) == 0)
			c->rootdelay = (long)(n > 86400 ? 86400 : n);
	} else if (strcmp(word, "rw") == 0)
		c->rw = true;
	else if (strcmp(word, "ro") == 0)
		c->rw = false;
	else if (strcmp(word, "rootwait") == 0)
		c->rootwait = true;
	else if (strcmp(word, "quiet") == 0)
		c->quiet = true;
	else if (strcmp(word, "rd.debug") == 0)
		c->debug = true;
	else if (strcmp(word, "rd.break") == 0 || strcmp(word, "break=premount") == 0 ||
		 strcmp(word, "rd.break=pre-mount") == 0 || strcmp(word, "break") == 0)
		c->rd_break = true;
}

void cmdline_parse(struct cmdline *c, const char *text)
{
	char *p;

	memset(c, 0, sizeof(*c));
	c->rootdelay = -1;
	if (str_copy(c->buf, sizeof(c->buf), text) < 0)
		c->truncated = true;
	p = c->buf;
	for (;;) {
		bool quoted = false;
		char *word;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		word = p;
		for (; *p; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
				break;
		}
		if (*p)
			*p++ = '\0';
		if (strcmp(word, "--") == 0)
			break; /* the rest belongs to the real init */
		if (c->n_args < CMDLINE_MAX_ARGS)
			c->args[c->n_args++] = word;
		else
			c->truncated = true;
	}
	for (size_t i = 0; i < c->n_args; i++) {
		char *word = (char *)c->args[i];
		char *v;

		if (str_startswith(word, "modprobe.blacklist=")) {
			/* A copy of the list would cost a buffer; split the word itself.
			 */
			v = word + strlen("modprobe.blacklist=");
			add_blacklist(c, v);
			c->args[i] = "";
			continue;
		}
		/* Module parameters keep their quotes for the kernel's parser. */
		v = strchr(word, '=');
		if (!strchr(word, '.') || (v && strchr(word, '.') > v))
			unquote(word);
		parse_word(c, word);
	}
}

bool cmdline_blacklisted(const struct cmdline *c, const char *module)
{
	for (size_t i = 0; i < c->n_blacklist; i++)
		if (str_modname_eq(module, c->blacklist[i], strlen(c->blacklist[i])))
			return true;
	return false;
}

const char *cmdline_next_modparam(const struct cmdline *c, const char *module,
				  size_t *pos)
{
	for (; *pos < c->n_args; (*pos)++) {
		const char *word = c->args[*pos];
		const char *dot = strchr(word, '.');
		const char *eq = strchr(word, '=');

		/* "mod.param" or "mod.param=value", the dot inside the key. */
		if (!dot || dot == word || (eq && eq < dot) || !dot[1] || dot + 1 == eq)
			continue;
		if (!str_modname_eq(module, word, (size_t)(dot - word)))
			continue;
		(*pos)++;
		return dot + 1;
	}
	return NULL;
}
