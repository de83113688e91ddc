/* fileid.h — which file a path names, to refuse writing over an input.
 *
 * Two paths name the same file when they reach the same device and inode;
 * a path that does not exist yet is named by its directory's device and
 * inode and its last component, so "out.jsonl" and "./out.jsonl" match
 * before either is created. Pipes, terminals and devices are never "the
 * same file" as anything: writing to them loses nothing. */
#ifndef LS_FILEID_H
#define LS_FILEID_H

#include <sys/types.h>

typedef struct {
	int kind;		/* FILEID_NONE, FILEID_FILE or FILEID_NEW */
	dev_t dev;
	ino_t ino;
	char base[256];		/* FILEID_NEW: the last component */
} fileid;

enum { FILEID_NONE, FILEID_FILE, FILEID_NEW };

void fileid_of_path(const char *path, fileid *id);
void fileid_of_fd(int fd, fileid *id);
int fileid_same(const fileid *a, const fileid *b);
/* Could path be opened for writing (without creating or truncating it)?
 * 0, or -1 with errno set (EISDIR for a directory). */
int fileid_writable(const char *path);

#endif
