/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LUKS requests from the kernel command line and the crypttab, parsed into fixed slots.
 */
#include <errno.h>
#include <string.h>

#include "crypt.h"
#include "log.h"
#include "str.h"

/* systemd lets "luks-" prefix a UUID in rd.luks.* (the default mapper name). */
static const char *strip_luks(const char *uuid)
{
	return str_startswith(uuid, "luks-") ? uuid + 5 : uuid;
}

/* A UUID as rd.luks.options= and rd.luks.key= prefix them: 8-4-4-4-12 hex digits. */
static bool is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? ch != '-'
			 : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
			     (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

struct crypt_req *crypt_find_name(struct crypt_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->req[i].name, name) == 0)
			return &c->req[i];
	return NULL;
}

/* The request for a source device, by UUID text (rd.luks.* refer to them so). */
static struct crypt_req *find_uuid(struct crypt_conf *c, const char *uuid, size_t n)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct crypt_req *r = &c->req[i];

		if (r->spec.kind == ROOT_UUID && strlen(r->spec.value) == n &&
		    strncasecmp(r->spec.value, uuid, n) == 0)
			return &c->req[i];
	}
	return NULL;
}

/* A new request; NULL (and a message) when the source is malformed or no slot is free.
 */
static struct crypt_req *add(struct crypt_conf *c, const char *source, size_t source_len,
			     const char *name, size_t name_len, const char *origin)
{
	struct crypt_req *r;

	if (c->n >= CRYPT_MAX) {
		c->truncated = true;
		log_error("more than %d LUKS devices requested, ignoring '%s'", CRYPT_MAX,
			  name);
		return NULL;
	}
	r = &c->req[c->n];
	memset(r, 0, sizeof(*r));
	if (source_len == 0 || source_len >= sizeof(r->source) || name_len == 0 ||
	    name_len >= sizeof(r->name) || memchr(name, '/', name_len))
		return NULL;
	memcpy(r->source, source, source_len);
	memcpy(r->name, name, name_len);
	if (root_spec_parse(r->source, &r->spec) < 0)
		return NULL;
	if (crypt_find_name(c, r->name)) {
		log_warning("LUKS name '%s' is requested twice, keeping the first",
			    r->name);
		return NULL;
	}
	r->origin = origin;
	c->n++;
	return r;
}

static bool tok_eq(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(tok, word, len) == 0;
}

static void warn_option(const struct crypt_req *r, const char *opt, size_t len)
{
	char word[64];
	struct str s;

	str_init(&s, word, sizeof(word));
	str_addn(&s, opt, len);
	log_warning("LUKS '%s': ignoring option '%s'", r->name, word);
}

/* Options we act on; the rest is named in a warning and ignored. */
static void apply_options(struct crypt_req *r, const char *opts, size_t n)
{
	while (n) {
		const char *comma = memchr(opts, ',', n);
		size_t len = comma ? (size_t)(comma - opts) : n;

		if (tok_eq(opts, len, "discard") || tok_eq(opts, len, "allow-discards"))
			r->discard = true;
		else if (len && !tok_eq(opts, len, "luks") && !tok_eq(opts, len, "none"))
			warn_option(r, opts, len);
		opts += len;
		n -= len;
		if (n) {
			opts++;
			n--;
		}
	}
}

/* cryptdevice=DEVICE:NAME[:OPTIONS] */
static struct crypt_req *cryptdevice(struct crypt_conf *c, const char *v)
{
	const char *colon = strchr(v, ':'), *opts;
	struct crypt_req *r;

	if (!colon)
		return NULL;
	opts = strchr(colon + 1, ':');
	r = add(c, v, (size_t)(colon - v), colon + 1,
		opts ? (size_t)(opts - colon - 1) : strlen(colon + 1), "cryptdevice=");
	if (r && opts)
		apply_options(r, opts + 1, strlen(opts + 1));
	return r;
}

/* "UUID=rest" with a UUID-shaped key: the UUID and rest; else the whole for all. */
static bool split_uuid(const char *v, const char **uuid, size_t *uuid_len,
		       const char **rest)
{
	const char *u = strip_luks(v);
	const char *eq = strchr(u, '=');

	if (!eq || !is_uuid(u, (size_t)(eq - u)))
		return false;
	*uuid = u;
	*uuid_len = (size_t)(eq - u);
	*rest = eq + 1;
	return true;
}

static bool set_keyfile(struct crypt_req *r, const char *path)
{
	if (path[0] != '/' || str_copy(r->keyfile, sizeof(r->keyfile), path) < 0) {
		r->keyfile[0] = '\0';
		return false;
	}
	return true;
}

/* rd.luks.uuid= and rd.luks.name= make requests; options and keys come after. */
static int luks_request(struct crypt_conf *c, const char *word)
{
	char source[CRYPT_SOURCE_MAX], name[CRYPT_NAME_MAX];
	const char *v, *uuid, *rest;
	size_t n;
	struct str s;

	if (str_startswith(word, "rd.luks.uuid=")) {
		v = strip_luks(word + 13);
		if (!is_uuid(v, strlen(v)))
			return -EINVAL;
		if (find_uuid(c, v, strlen(v)))
			return 0; /* named by rd.luks.name= already */
		str_init(&s, source, sizeof(source));
		str_addf(&s, "UUID=%s", v);
		str_init(&s, name, sizeof(name));
		str_addf(&s, "luks-%s", v);
		return add(c, source, strlen(source), name, strlen(name), "rd.luks.uuid=")
			       ? 0
			       : -EINVAL;
	}
	if (!split_uuid(word + 13, &uuid, &n, &rest) || !*rest)
		return -EINVAL;
	str_init(&s, source, sizeof(source));
	str_add(&s, "UUID=");
	str_addn(&s, uuid, n);
	return add(c, source, strlen(source), rest, strlen(rest), "rd.luks.name=")
		       ? 0
		       : -EINVAL;
}

/* rd.luks.options= and rd.luks.key=: for one UUID, or for every rd.luks request. */
static int luks_setting(struct crypt_conf *c, const char *word, size_t first)
{
	bool key = str_startswith(word, "rd.luks.key=");
	const char *v = word + (key ? 12 : 16), *uuid, *rest;
	size_t n;

	if (split_uuid(v, &uuid, &n, &rest)) {
		struct crypt_req *r = find_uuid(c, uuid, n);

		if (!r) {
			log_warning(
				"'%s' names no LUKS device requested by rd.luks.uuid= or rd.luks.name=",
				word);
			return 0;
		}
		if (key)
			return set_keyfile(r, rest) ? 0 : -EINVAL;
		apply_options(r, rest, strlen(rest));
		return 0;
	}
	for (size_t i = first; i < c->n; i++) {
		if (key && !set_keyfile(&c->req[i], v))
			return -EINVAL;
		if (!key)
			apply_options(&c->req[i], v, strlen(v));
	}
	return 0;
}

static void bad_word(int *bad, const char *word, const char *why)
{
	log_error("ignoring '%s' on the kernel command line: %s", word, why);
	(*bad)++;
}

int crypt_from_cmdline(struct crypt_conf *c, const struct cmdline *cmd)
{
	struct crypt_req *mkinitcpio = NULL;
	const char *cryptkey = NULL;
	size_t first = c->n;
	int bad = 0;

	/* Requests first, so that settings given before them still apply; names before
	 * bare UUIDs, so that rd.luks.name= wins over rd.luks.uuid= of the same device.
	 */
	for (size_t i = 0; i < cmd->n_args; i++) {
		const char *w = cmd->args[i];

		if (str_startswith(w, "cryptdevice=")) {
			mkinitcpio = cryptdevice(c, w + 12);
			if (!mkinitcpio && !c->truncated)
				bad_word(&bad, w,
					 "expected cryptdevice=DEVICE:NAME[:OPTIONS]");
		} else if (str_startswith(w, "cryptkey=")) {
			cryptkey = w;
		} else if (str_startswith(w, "rd.luks.name=")) {
			if (luks_request(c, w) < 0 && !c->truncated)
				bad_word(&bad, w, "expected rd.luks.name=UUID=NAME");
		}
	}
	for (size_t i = 0; i < cmd->n_args; i++) {
		const char *w = cmd->args[i];

		if (str_startswith(w, "rd.luks.uuid=") && luks_request(c, w) < 0 &&
		    !c->truncated)
			bad_word(&bad, w, "expected rd.luks.uuid=UUID");
	}
	if (cryptkey) {
		if (!str_startswith(cryptkey, "cryptkey=rootfs:"))
			bad_word(
				&bad, cryptkey,
				"only a key file in the image, cryptkey=rootfs:PATH, is supported");
		else if (!mkinitcpio)
			bad_word(&bad, cryptkey,
				 "there is no cryptdevice= it could be for");
		else if (!set_keyfile(mkinitcpio, cryptkey + 16))
			bad_word(&bad, cryptkey, "expected an absolute path");
	}
	for (size_t i = 0; i < cmd->n_args; i++) {
		const char *w = cmd->args[i];

		if ((str_startswith(w, "rd.luks.options=") ||
		     str_startswith(w, "rd.luks.key=")) &&
		    luks_setting(c, w, first) < 0)
			bad_word(&bad, w, "expected an absolute key file path");
	}
	return bad;
}

/* The next blank-separated field of a line, NUL-terminated in place; NULL at the end. */
static char *field(char **p)
{
	char *f;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (!**p)
		return NULL;
	f = *p;
	while (**p && **p != ' ' && **p != '\t')
		(*p)++;
	if (**p)
		*(*p)++ = '\0';
	return f;
}

int crypt_from_crypttab(struct crypt_conf *c, char *text, const char *path)
{
	unsigned lineno = 0;
	int bad = 0;

	for (char *line = text, *next; line && *line; line = next) {
		char *name, *dev, *key, *opts, *p;
		struct crypt_req *r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		p = line;
		name = field(&p);
		if (!name || name[0] == '#')
			continue;
		dev = field(&p);
		key = field(&p);
		opts = field(&p);
		r = dev ? add(c, dev, strlen(dev), name, strlen(name), "crypttab") : NULL;
		if (!r) {
			if (!c->truncated) {
				log_error(
					"'%s' line %u: expected 'NAME DEVICE [KEYFILE [OPTIONS]]', ignoring it",
					path, lineno);
				bad++;
			}
			continue;
		}
		if (key && strcmp(key, "none") != 0 && strcmp(key, "-") != 0 &&
		    !set_keyfile(r, key)) {
			log_error(
				"'%s' line %u: key file '%s' is not an absolute path in the image, asking for a passphrase instead",
				path, lineno, key);
			bad++;
		}
		if (opts)
			apply_options(r, opts, strlen(opts));
	}
	return bad;
}
