/* udiff.h — a unified diff of two texts, line by line (as diff -u writes it).
 *
 * The longest common subsequence of lines is found by dynamic programming
 * after the common head and tail are cut off, so a function-sized text with
 * a few edits costs little; when the middle is too large for that (more
 * than 4M line pairs) it is shown as one change.
 */
#ifndef LS_BREAK_UDIFF_H
#define LS_BREAK_UDIFF_H

/* The diff from a to b with `context` lines around each change, under the
 * headers "--- a/NAME" and "+++ b/NAME"; hunk line numbers start at `first`
 * (the first line's number, e.g. a function's line in its file). malloc'd;
 * "" when the texts are equal. A text without a final newline gets diff's
 * "\ No newline at end of file" marker. */
char *udiff(const char *a, const char *b, const char *name, int first, int context);

#endif
