/* Unit tests for lib/docstring: the four styles, automatic choice, defaults,
 * examples, cleandoc, first sentences, and input that is not a docstring. */
#include <stdlib.h>
#include "t.h"
#include "py/docstring.h"

static void parse(const char *s, ds_doc *d) { ds_parse(s, strlen(s), d); }

static const char *ptype(const ds_doc *d, const char *name)
{
	const ds_entry *e = ds_param(d, name);
	return e ? (e->type ? e->type : "(none)") : "(absent)";
}
static const char *pdesc(const ds_doc *d, const char *name)
{
	const ds_entry *e = ds_param(d, name);
	return e ? (e->desc ? e->desc : "(none)") : "(absent)";
}
static const char *pdef(const ds_doc *d, const char *name)
{
	const ds_entry *e = ds_param(d, name);
	return e ? (e->dflt ? e->dflt : "(none)") : "(absent)";
}

static void google(void)
{
	ds_doc d;
	parse("Fetch rows from a table.\n\nRetrieves rows pertaining to the given keys.\n\n"
	      "Args:\n    table (Table): An open table.\n    keys (Sequence[str]): Keys to fetch,\n"
	      "        one per row.\n    strict (bool, optional): Fail on a miss. Defaults to False.\n"
	      "    *args: Extra positional arguments.\n\n"
	      "Returns:\n    dict: A mapping from keys to rows.\n\n"
	      "Raises:\n    IOError: An error occurred accessing the table.\n"
	      "    ValueError: keys is empty.\n", &d);
	T_EQ_STR(ds_style_name(d.style), "google", "google: style chosen");
	T_EQ_STR(d.summary, "Fetch rows from a table.", "google: summary");
	T_EQ_STR(d.description, "Retrieves rows pertaining to the given keys.", "google: description");
	T_EQ_INT(d.nparams, 4, "google: four parameters");
	T_EQ_STR(ptype(&d, "keys"), "Sequence[str]", "google: type in parentheses");
	T_EQ_STR(pdesc(&d, "keys"), "Keys to fetch, one per row.", "google: continuation folded");
	T_EQ_STR(ptype(&d, "strict"), "bool", "google: ', optional' dropped from the type");
	T_EQ_STR(pdef(&d, "strict"), "False", "google: 'Defaults to' read");
	T_EQ_STR(ptype(&d, "args"), "(none)", "google: *args without a type");
	T_EQ_STR(d.returns.type, "dict", "google: return type");
	T_EQ_STR(d.returns.desc, "A mapping from keys to rows.", "google: return description");
	T_EQ_INT(d.nraises, 2, "google: two raises");
	T_EQ_STR(d.raises[1].name, "ValueError", "google: raises name");
	T_EQ_STR(d.raises[1].desc, "keys is empty.", "google: raises description");
	ds_free(&d);

	parse("Count things.\n\nReturns:\n    The number of things found in the bag.\n", &d);
	T_OK(d.has_returns && !d.returns.type, "google: prose return has no type");
	T_EQ_STR(d.returns.desc, "The number of things found in the bag.", "google: prose return kept");
	ds_free(&d);
}

static void numpy(void)
{
	ds_doc d;
	parse("Compute the weighted average.\n\nLonger text here.\n\n"
	      "Parameters\n----------\na : array_like\n    Data to average.\n"
	      "weights : array_like, optional\n    Weights, one per value.\n"
	      "axis : int, default 0\n    Axis.\nx, y : float\n    Coordinates.\n\n"
	      "Returns\n-------\nfloat\n    The average.\n\n"
	      "Raises\n------\nZeroDivisionError\n    When all weights are zero.\n\n"
	      "Examples\n--------\n>>> average([1, 2])\n1.5\n", &d);
	T_EQ_STR(ds_style_name(d.style), "numpy", "numpy: style chosen");
	T_EQ_STR(d.summary, "Compute the weighted average.", "numpy: summary");
	T_EQ_STR(d.description, "Longer text here.", "numpy: description without sections");
	T_EQ_INT(d.nparams, 5, "numpy: 'x, y' gives two parameters");
	T_EQ_STR(ptype(&d, "weights"), "array_like", "numpy: optional dropped");
	T_EQ_STR(pdef(&d, "axis"), "0", "numpy: 'default 0'");
	T_EQ_STR(ptype(&d, "y"), "float", "numpy: shared type");
	T_EQ_STR(d.returns.type, "float", "numpy: return type");
	T_EQ_STR(d.returns.desc, "The average.", "numpy: return description");
	T_EQ_INT(d.nraises, 1, "numpy: raises");
	T_EQ_STR(d.raises[0].name, "ZeroDivisionError", "numpy: raises name");
	T_EQ_INT(d.nexamples, 1, "numpy: one example");
	T_EQ_STR(d.examples[0].source, "average([1, 2])", "numpy: example source");
	T_EQ_STR(d.examples[0].want, "1.5", "numpy: example want");
	ds_free(&d);

	parse("Split.\n\nReturns\n-------\nhead : str\n    The head.\ntail : str\n    The rest.\n", &d);
	T_EQ_STR(d.returns.type, "tuple[str, str]", "numpy: named returns make a tuple");
	T_EQ_STR(d.returns.desc, "head: The head.; tail: The rest.", "numpy: named return descriptions");
	ds_free(&d);
}

static void rest_and_epydoc(void)
{
	ds_doc d;
	parse("Send a message.\n\n:param str sender: The person sending\n    the message.\n"
	      ":param recipient: The recipient.\n:type recipient: str\n"
	      ":param priority: The priority (default: 1)\n"
	      ":returns: the message id\n:rtype: int\n:raises ValueError: if the message is empty\n", &d);
	T_EQ_STR(ds_style_name(d.style), "rest", "rest: style chosen");
	T_EQ_STR(ptype(&d, "sender"), "str", "rest: inline type");
	T_EQ_STR(pdesc(&d, "sender"), "The person sending the message.", "rest: continuation");
	T_EQ_STR(ptype(&d, "recipient"), "str", "rest: :type field");
	T_EQ_STR(pdef(&d, "priority"), "1", "rest: (default: 1)");
	T_EQ_STR(d.returns.type, "int", "rest: rtype");
	T_EQ_STR(d.returns.desc, "the message id", "rest: returns");
	T_EQ_STR(d.raises[0].name, "ValueError", "rest: raises");
	T_EQ_STR(d.summary, "Send a message.", "rest: summary");
	T_EQ_STR(d.description, "", "rest: no description");
	ds_free(&d);

	parse("Open a door.\n\n@param door: the door to open\n@type door: Door\n"
	      "@return: whether it opened\n@rtype: bool\n@raise IOError: when stuck\n", &d);
	T_EQ_STR(ds_style_name(d.style), "epydoc", "epydoc: style chosen");
	T_EQ_STR(ptype(&d, "door"), "Door", "epydoc: type");
	T_EQ_STR(pdesc(&d, "door"), "the door to open", "epydoc: description");
	T_EQ_STR(d.returns.type, "bool", "epydoc: rtype");
	T_EQ_STR(d.raises[0].name, "IOError", "epydoc: raise");
	ds_free(&d);
}

static void choice_and_edges(void)
{
	ds_doc d;
	/* a Google-looking "Note:" line must not beat real reST fields */
	parse("Do it.\n\nNote:\n    careful.\n\n:param a: first\n:param b: second\n", &d);
	T_EQ_STR(ds_style_name(d.style), "rest", "choice: the style with most entries wins");
	ds_free(&d);

	parse("Just prose: nothing structured here.\nSecond line.", &d);
	T_EQ_STR(ds_style_name(d.style), "plain", "plain: no entries");
	T_EQ_STR(d.summary, "Just prose: nothing structured here. Second line.", "plain: first paragraph folded");
	ds_free(&d);

	parse("", &d);
	T_EQ_STR(d.summary, "", "empty: empty summary");
	T_EQ_INT(ds_entries(&d), 0, "empty: no entries");
	ds_free(&d);

	parse("   \n\t\n  ", &d);
	T_EQ_STR(d.summary, "", "blank: empty summary");
	ds_free(&d);

	parse("Gibt die Länge zurück — 長さ.\n\nArgs:\n    wört (str): Ein Wört.\n", &d);
	T_EQ_STR(d.summary, "Gibt die Länge zurück — 長さ.", "non-ASCII summary");
	T_EQ_STR(ptype(&d, "wört"), "str", "non-ASCII parameter name");
	ds_free(&d);

	/* 1 MB of text: parses, linearly */
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = (i % 61 == 60) ? '\n' : (i % 7 == 6) ? ' ' : 'a';
	big[n] = 0;
	ds_parse(big, n, &d);
	T_OK(strlen(d.summary) > 1000, "1 MB docstring parses");
	ds_free(&d);
	free(big);

	parse(">>> f(1,\n...   2)\n3\n>>> g()\n>>> raise_it()\nTraceback (most recent call last):\nValueError: no\n", &d);
	T_EQ_INT(d.nexamples, 3, "examples: three");
	T_EQ_STR(d.examples[0].source, "f(1,\n  2)", "examples: continuation");
	T_EQ_STR(d.examples[1].want, "", "examples: no output");
	T_EQ_STR(d.examples[2].want, "Traceback (most recent call last):\nValueError: no", "examples: traceback");
	ds_free(&d);

	jv j;
	parse("Sum.\n\nArgs:\n    a (int): first\n", &d);
	j = ds_to_jv(&d);
	jv s = jv_dump_string(j, JV_PRINT_SORTED);
	T_EQ_STR(jv_string_value(s),
		 "{\"description\":\"\",\"examples\":[],\"parameters\":[{\"default\":null,\"description\":\"first\",\"name\":\"a\",\"type\":\"int\"}],\"raises\":[],\"returns\":null,\"style\":\"google\",\"summary\":\"Sum.\",\"yields\":null}",
		 "json form");
	jv_free(s);
	ds_free(&d);
}

static void helpers(void)
{
	size_t n;
	char *c = ds_cleandoc("  First line.\n\n      indented\n    body\n\t\n\n", 38, &n);
	T_EQ_STR(c, "First line.\n\n  indented\nbody", "cleandoc: margin and blank lines");
	free(c);
	c = ds_cleandoc("\n    Starts on line two.\n    More.\n    ", 39, &n);
	T_EQ_STR(c, "Starts on line two.\nMore.", "cleandoc: leading newline");
	free(c);
	c = ds_cleandoc("a\n\tb", 4, &n);
	T_EQ_STR(c, "a\nb", "cleandoc: tabs expand");
	free(c);

	const char *rest;
	char *s = ds_first_sentence("Return the sum, e.g. of two ints. Then more.", &rest);
	T_EQ_STR(s, "Return the sum, e.g. of two ints.", "first sentence: e.g. does not end it");
	T_EQ_STR(rest, "Then more.", "first sentence: rest");
	free(s);
	s = ds_first_sentence("No full stop", &rest);
	T_EQ_STR(s, "No full stop", "first sentence: whole text");
	T_EQ_STR(rest, "", "first sentence: no rest");
	free(s);
	s = ds_first_sentence("Version 1.5 is out. Yes", &rest);
	T_EQ_STR(s, "Version 1.5 is out.", "first sentence: decimal point");
	free(s);
}

int main(void)
{
	google();
	numpy();
	rest_and_epydoc();
	choice_and_edges();
	helpers();
	return t_done();
}
