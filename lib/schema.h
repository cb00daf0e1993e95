/* SPDX-License-Identifier: MIT */
/*
 * The configuration reader's internals, shared by its files (not installed):
 *
 *   lib/yaml-tree.c       stage 1: libfyaml events -> struct ynode, positions kept;
 *                         errors at file:line:col (cfg_fail_at); reading the file
 *   lib/schema.c          stage 2: the generic walker over schema tables (struct field)
 *   lib/profile-schema.c  the value converters and the tables of profiles and host
 *                         configurations, with their per-mapping checks
 *   lib/profile.c         checks across sections, defaults, the public API (profile.h)
 *
 * Each file uses only the ones above it in this list.
 */
#ifndef PT_SCHEMA_H
#define PT_SCHEMA_H

#include "internal.h"
#include "passthru/profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_DEPTH 32                   /* the schema never nests deeper than 8 */
#define MAX_FILE_SIZE (4u << 20)       /* profiles are small; refuse anything absurd */
#define MAX_ENTRIES 1024               /* per list or mapping of names (vf: 2048) */
#define MAX_POOL_MEMBERS 4096          /* over all pools: the cross-check is pairwise */

/* ---- stage 1: the tree (lib/yaml-tree.c) ---- */

enum ytype { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
	enum ytype type;
	int line, col;          /* 1-based */
	char *text;             /* scalar: NUL-terminated copy */
	size_t len;             /* scalar: length (may differ from strlen: embedded NUL) */
	bool plain;             /* scalar written without quotes or block style */
	bool null;              /* plain "", "~", "null" */
	struct ynode **kids;    /* map: key, value, key, value ...; seq: items */
	size_t n;
};

void ynode_free(struct ynode *n);

struct field;

struct walk {
	const char *file;
	struct pt_cfg_error *err;
	char path[256];         /* key path of the value being read: "sriov[0].vf.1.vlan" */
	/* Keys of another kind of document, refused at the top level with a hint where
	 * they belong: a profile's gate keys in a host configuration. NULL: none. */
	const struct field *other_keys;
	const char *other_doc;  /* "a profile (passthru check --profile)" */
};

/* Fills w->err with file:line:col and the message; returns -EINVAL. */
int cfg_fail_at(struct walk *w, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define fail(w, node, ...) cfg_fail_at((w), (node)->line, (node)->col, __VA_ARGS__)

int yaml_tree_read(struct walk *w, const char *buf, size_t len, struct ynode **root);
int cfg_read_file(const char *path, char **out, size_t *outlen, struct pt_cfg_error *err);

/* ---- stage 2: schema tables and their walker (lib/schema.c) ---- */

enum ftype {
	F_INT,    /* int in [min, max] */
	F_LONG,   /* long in [min, max] */
	F_FLAG,   /* true/false -> int 1/0 */
	F_ENUM,   /* keyword -> int (kw table) */
	F_CONV,   /* scalar through conv() */
	F_STRV,   /* list of scalars -> char ** (+ size_t count at count_off), each through conv */
	F_SUB,    /* mapping read into the object at off with sub schema */
	F_LIST,   /* list of mappings -> array at off (+ count), elements per sub schema */
	F_DICT,   /* mapping of user keys -> array at off (+ count); sub->key names elements */
};

struct kw {
	const char *name;
	int val;
};

struct schema;

/* Converts a scalar into dst (size bytes). Returns NULL, or why the value is wrong as
 * a phrase that follows "value 'x' ": "is not a MAC address (expected ...)". */
typedef const char *(*conv_fn)(const struct ynode *v, void *dst, size_t size);

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	size_t size;              /* F_CONV: bytes at dst; F_LIST/F_DICT: element size */
	size_t count_off;         /* F_STRV/F_LIST/F_DICT */
	long min, max;            /* F_INT/F_LONG; F_STRV/F_LIST/F_DICT: max entries (0: MAX_ENTRIES) */
	const struct kw *kw;      /* F_ENUM */
	conv_fn conv;             /* F_CONV, F_STRV (NULL: any non-empty string) */
	const struct schema *sub; /* F_SUB/F_LIST/F_DICT */
	bool required;
};

struct schema {
	const char *what;                 /* "an SR-IOV PF", for messages */
	const struct field *fields;       /* NULL-key terminated */
	void (*init)(void *elem);         /* F_LIST/F_DICT element defaults */
	long pos_off;                     /* offset of struct pt_srcpos, -1 none */
	/* F_DICT: converts the user's key into the element */
	const char *(*key)(const struct ynode *k, void *elem);
	/* After the mapping: checks across its keys. seen: bit i = fields[i] given. */
	int (*check)(struct walk *w, const struct ynode *map, void *obj, uint64_t seen);
};

static inline void *at(void *obj, size_t off)
{
	return (char *)obj + off;
}

static inline const char *where(struct walk *w)
{
	return w->path[0] ? w->path : "the top level";
}

/* A value quoted for a message: bounded, control characters shown as '?'. */
const char *schema_quote(const struct ynode *v, char *buf, size_t len);
int schema_integer(const struct ynode *v, long *out);
int schema_bool(const struct ynode *v, int *out);

/* Parses buf against the root schema s into obj (already holding its defaults).
 * other_keys/other_doc: top-level keys of another kind of document, refused with a
 * hint where they belong (NULL: none). 0, or -EINVAL with err filled. */
int schema_parse_doc(const char *buf, size_t len, const char *filename, const struct schema *s,
		     void *obj, struct pt_cfg_error *err, const struct field *other_keys,
		     const char *other_doc);

/* ---- the tables (lib/profile-schema.c) ---- */

/* The top-level keys of a profile and of a host configuration; profile.c adds the
 * checks across sections in the root schemas. */
extern const struct field schema_profile_fields[];
extern const struct field schema_hostcfg_fields[];

#endif
