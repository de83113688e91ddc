/* modelsfile.h — the registry's side of the models file and of ls-abtest.
 *
 * The models file names models for `ls-infer --use NAME` and holds the
 * default; promoting a version rewrites it atomically (a temporary file
 * renamed over it), so a reader sees the old file or the new one. */
#ifndef LS_MODELSFILE_H
#define LS_MODELSFILE_H

#include <jv.h>
#include "registry/registry.h"

/* Set the models file's entry for version v (reg_show's form; consumed) and
 * make it the default; other entries are kept. 0, or -1 with err set. */
int models_file_set_default(const char *path, jv v, registry *r, char *err, size_t errsz);

/* Can path be rewritten (absent, or a JSON object) and, when v (reg_show's
 * form, borrowed) is valid, can it hold v's entry? Checked before a
 * promotion, so that it fails before the database changes. 0, or -1 with
 * err set. */
int models_file_check(const char *path, jv v, registry *r, char *err, size_t errsz);

/* When both versions carry ls-exec verdicts (metrics.verdicts.path), the
 * report of `ls-abtest --json` on them (found beside this binary, else on
 * PATH); null when either lacks verdicts; {"error": ...} when it fails.
 * Borrows a and b. */
jv models_abtest(jv a, jv b);

#endif
