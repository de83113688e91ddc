/* fs.h — file-system helpers. (The whole-file reader is sb_read_file in
 * base/strbuf.h.) */
#ifndef LS_FS_H
#define LS_FS_H
#include <sys/types.h>

/* mkdir -p path with mode for each directory made: 0, or -1 with errno set. */
int fs_mkdirs(const char *path, mode_t mode);

#endif
