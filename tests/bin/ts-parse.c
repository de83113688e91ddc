/* ts-parse — the bare tree-sitter parse of a repository's Python files: the
 * floor ls-extract is measured against (bench/extract.sh). Reads the files
 * exactly as ls-extract does (lib/gitwalk), parses each one, frees the tree.
 * usage: ts-parse DIR [COMMIT]   prints "files bytes" on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include "gitwalk.h"
#include "pyparse.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ts-parse DIR [COMMIT]\n");
		return 64;
	}
	char err[512];
	TSParser *p = py_parser_new(err, sizeof err);
	gw *g = p ? gw_open(argv[1], argc > 2 ? argv[2] : NULL, ".py", 0, err, sizeof err) : NULL;
	if (!g) {
		fprintf(stderr, "ts-parse: %s\n", err);
		return 66;
	}
	gw_file f;
	size_t files = 0, bytes = 0;
	while (gw_next(g, &f)) {
		TSTree *t = py_parse(p, f.data, f.len);
		ts_tree_delete(t);
		files++;
		bytes += f.len;
		free(f.path);
		free(f.data);
	}
	printf("%zu %zu\n", files, bytes);
	gw_close(g);
	ts_parser_delete(p);
	return 0;
}
