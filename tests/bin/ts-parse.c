/* ts-parse — the bare tree-sitter parse of a repository's Python files: the
 * floor ls-extract is measured against (bench/extract.sh). Reads the files
 * exactly as ls-extract does (lib/gitwalk), parses each one, frees the tree.
 * With --arena, parses as ls-extract does: a parser per file in the file's
 * arena (lib/tsalloc), the tree left to the arena; the bench prints that
 * too, to show how much of the gap to the floor is the allocator's.
 * usage: ts-parse [--arena] DIR [COMMIT]   prints "files bytes" on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "repo/gitwalk.h"
#include "py/pyparse.h"
#include "py/tsalloc.h"

int main(int argc, char **argv)
{
	int arena = argc > 1 && !strcmp(argv[1], "--arena");
	argc -= arena;
	argv += arena;
	if (argc < 2) {
		fprintf(stderr, "usage: ts-parse [--arena] DIR [COMMIT]\n");
		return 64;
	}
	char err[512];
	if (arena)
		tsa_install();
	TSParser *p = py_parser_new(err, sizeof err);
	gw *g = p ? gw_open(argv[1], argc > 2 ? argv[2] : NULL, ".py", 0, err, sizeof err) : NULL;
	if (!g) {
		fprintf(stderr, "ts-parse: %s\n", err);
		return 66;
	}
	gw_file f;
	size_t files = 0, bytes = 0;
	while (gw_next(g, &f)) {
		if (arena) {
			tsa_begin();
			TSParser *fp = py_parser_new(err, sizeof err);
			TSTree *t = py_parse(fp, f.data, f.len);
			if (!tsa_active())
				ts_tree_delete(t);
			ts_parser_delete(fp);
			tsa_end();
		} else {
			TSTree *t = py_parse(p, f.data, f.len);
			ts_tree_delete(t);
		}
		files++;
		bytes += f.len;
		free(f.path);
		free(f.data);
	}
	printf("%zu %zu\n", files, bytes);
	gw_close(g);
	ts_parser_delete(p);
	tsa_release();
	return 0;
}
