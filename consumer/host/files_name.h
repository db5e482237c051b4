/* files_name: checking a client's file name and resolving it below the root
 * (files_name.c); the internal interface between files.c and files_name.c,
 * not used elsewhere. */
#ifndef WEBREPL_FILES_NAME_H
#define WEBREPL_FILES_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "files.h"

/** The status for an errno value (0 and unknown values: FILES_IO). */
enum files_status files_from_errno(int e);

/** openat2(2) below dirfd with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
 *  -1 with errno ENOSYS where the system lacks it. */
int files_openat2(int dirfd, const char *path, int flags);

/** Check the client's name by its spelling and normalise it into out
 *  ("a/b/c": no "." or empty components, NUL-terminated); *base receives the
 *  offset of the last component.  Returns FILES_OK or why it is refused. */
enum files_status files_normalise(const uint8_t *name, size_t len,
                                  char out[FILES_NAME_MAX + 1], size_t *base);

/** Open (O_PATH) the directory below the root that holds the last component
 *  of a normalised name (norm is modified and restored).  Returns a
 *  descriptor, or -status. */
int files_open_parent(struct files_root *r, char *norm, size_t base);

#endif
