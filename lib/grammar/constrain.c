/* grammar/constrain.c — a run's grammars and completions (see constrain.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grammar/constrain.h"
#include "grammar/ebnf.h"
#include "grammar/schema.h"
#include "grammar/tokmask.h"

struct gc_grammar {
	gm *m;
	gk *k;		/* NULL when checking text only */
	char *key;	/* the schema's canonical text (record schemas) */
	unsigned long used;
};

struct gc {
	gv *v;
	gs_opts o;
	gc_grammar *run;	/* from the file */
	gc_grammar *kept[GC_KEEP];
	unsigned long clock;
};

gc *gc_new(const tokenizer *t)
{
	gc *c = calloc(1, sizeof *c);
	if (t)
		c->v = gv_new(t);
	c->o.ws_any = !t;	/* text from elsewhere may be spaced in any way */
	return c;
}

static gc_grammar *wrap(gc *c, gm *m)
{
	gc_grammar *g = calloc(1, sizeof *g);
	g->m = m;
	if (c->v)
		g->k = gk_new(m, c->v);
	return g;
}

static void drop(gc_grammar *g)
{
	if (!g)
		return;
	gk_free(g->k);
	gm_free(g->m);
	free(g->key);
	free(g);
}

void gc_free(gc *c)
{
	if (!c)
		return;
	drop(c->run);
	for (int i = 0; i < GC_KEEP; i++)
		drop(c->kept[i]);
	gv_free(c->v);
	free(c);
}

int gc_set_file(gc *c, const char *path, int ebnf, char *err, size_t errsz)
{
	gm *m = ebnf ? ge_load_file(path, err, errsz) : gs_load_file(path, &c->o, err, errsz);
	if (!m)
		return -1;
	drop(c->run);
	c->run = wrap(c, m);
	return 0;
}

gc_grammar *gc_for(gc *c, jv rec, const char *field, char *err, size_t errsz)
{
	if (!field) {
		if (!c->run)
			snprintf(err, errsz, "no grammar");
		return c->run;
	}
	jv s = jv_object_get(jv_copy(rec), jv_string(field));
	if (jv_get_kind(s) == JV_KIND_STRING)
		s = jv_parse(jv_string_value(s));	/* consumes the string */
	if (jv_get_kind(s) != JV_KIND_OBJECT && jv_get_kind(s) != JV_KIND_TRUE) {
		jv_free(s);
		snprintf(err, errsz, "no schema in '%s' (an object, or a string of JSON)", field);
		return NULL;
	}
	jv key = jv_dump_string(jv_copy(s), JV_PRINT_SORTED);
	const char *k = jv_string_value(key);
	int slot = 0;
	for (int i = 0; i < GC_KEEP; i++) {
		gc_grammar *g = c->kept[i];
		if (g && !strcmp(g->key, k)) {
			g->used = ++c->clock;
			jv_free(key);
			jv_free(s);
			return g;
		}
		if (!g || (c->kept[slot] && g->used < c->kept[slot]->used))
			slot = i;	/* an empty slot, or the least recently used */
	}
	gm *m = gs_load(s, &c->o, err, errsz);
	jv_free(s);
	if (!m) {
		jv_free(key);
		return NULL;
	}
	drop(c->kept[slot]);
	gc_grammar *g = c->kept[slot] = wrap(c, m);
	g->key = strdup(k);
	g->used = ++c->clock;
	jv_free(key);
	return g;
}

long gc_check(gc_grammar *g, const char *text, size_t len)
{
	int s = gm_start(g->m);
	for (size_t i = 0; i < len; i++)
		if ((s = gm_step(g->m, s, (unsigned char)text[i])) == GM_DEAD)
			return (long)i;
	return gm_accepting(g->m, s) ? -1 : (long)len;
}

void gc_start(gc_session *s, gc_grammar *g)
{
	s->g = g;
	s->state = gm_start(g->m);
}

const uint64_t *gc_allowed(void *session, int left, int *complete)
{
	gc_session *s = session;
	if (left <= gm_dist(s->g->m, s->state) + 1 + GC_MARGIN)	/* the last token is the EOS */
		return gk_mask_shortest(s->g->k, s->state, complete);
	return gk_mask(s->g->k, s->state, complete);
}

int gc_accept(void *session, int32_t id)
{
	gc_session *s = session;
	s->state = gk_advance(s->g->k, s->state, id);
	return s->state == GM_DEAD ? -1 : 0;
}
