/* docstring.h — Python docstrings into their parts: summary, description,
 * parameters, returns, yields, raises, examples.
 *
 * Four conventions are understood: Google ("Args:" sections), NumPy
 * ("Parameters" underlined with dashes), reST/Sphinx fields (":param x:") and
 * Epydoc fields ("@param x:"). ds_parse tries every style whose markers occur
 * in the text and keeps the one that yields the most entries (parameters,
 * returns, yields, raises); ties go to the earlier style in ds_style order.
 * Doctest examples (">>> ") are found in any style.
 *
 * The input is a cleaned docstring (as inspect.cleandoc leaves it); ds_cleandoc
 * makes one from a raw string literal's value. Every string in a ds_doc is
 * malloc'd, NUL-terminated UTF-8, or NULL when absent; ds_free releases them.
 * Shared by ls-lift and ls-prompt.
 */
#ifndef LS_DOCSTRING_H
#define LS_DOCSTRING_H
#include <stddef.h>
#include <jv.h>

typedef enum { DS_PLAIN, DS_GOOGLE, DS_NUMPY, DS_REST, DS_EPYDOC, DS_NSTYLES } ds_style;

typedef struct {
	char *name;	/* parameter name ("*args" keeps its stars); exception for raises */
	char *type;	/* as written, without ", optional" / default notes */
	char *desc;	/* folded onto one line */
	char *dflt;	/* default value when the docstring states one */
	int line;	/* 1-based line within the docstring */
} ds_entry;

typedef struct {
	char *source;	/* without ">>> " and "... ", lines joined by '\n' */
	char *want;	/* expected output, '\n'-joined; "" when none */
	int line;
} ds_example;

typedef struct {
	ds_style style;
	char *summary;		/* first paragraph, folded onto one line; "" if none */
	char *description;	/* the other free text, paragraphs kept; "" if none */
	ds_entry *params;
	int nparams;
	ds_entry returns, yields;	/* .desc or .type set when present */
	int has_returns, has_yields;
	ds_entry *raises;
	int nraises;
	ds_example *examples;
	int nexamples;
} ds_doc;

/* Parse text[0..len) choosing the style automatically. Never fails on any
 * input (an empty or blank docstring gives an empty summary). */
void ds_parse(const char *text, size_t len, ds_doc *d);
/* Parse with one given style (DS_PLAIN: summary, description, examples only). */
void ds_parse_style(const char *text, size_t len, ds_style style, ds_doc *d);
void ds_free(ds_doc *d);

/* Number of structured entries (what the automatic choice maximises). */
int ds_entries(const ds_doc *d);
const char *ds_style_name(ds_style s);	/* "plain", "google", "numpy", "rest", "epydoc" */
const ds_entry *ds_param(const ds_doc *d, const char *name);	/* NULL if absent; "*args" matches "args" */

/* inspect.cleandoc: tabs expanded, common indentation of lines after the first
 * removed, leading and trailing blank lines dropped. Returns malloc'd text. */
char *ds_cleandoc(const char *s, size_t n, size_t *outlen);

/* The first sentence of s ("Return x. More." -> "Return x."), malloc'd;
 * *rest points at what follows it in s (skipping spaces). */
char *ds_first_sentence(const char *s, const char **rest);

/* The parsed docstring as JSON: {style, summary, description, parameters:
 * [{name,type,description,default}], returns, yields, raises:[{type,description}],
 * examples:[{source,want}]}. */
jv ds_to_jv(const ds_doc *d);

#endif
