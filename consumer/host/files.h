/* files: the file backend of the WebREPL file protocol, confined to one root
 * directory.
 *
 * Names come from the client as bytes (at most FILES_NAME_MAX of them) and are
 * always resolved below the root:
 * - Refused by their spelling: an empty name, a name longer than
 *   FILES_NAME_MAX, a NUL byte, a last component that is empty ("a/") or "."
 *   (FILES_BAD_NAME); any other control byte (below 0x20, or 0x7f: ESC, a
 *   newline, \001 ...), which would mislead a listing (FILES_CONTROL_CHAR);
 *   a leading '/' (FILES_ABSOLUTE); any ".." component (FILES_DOTDOT).
 * - Normalised: "." components and repeated slashes inside the name are
 *   dropped ("./a//b" is "a/b").
 * - Resolution uses openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS
 *   (Linux >= 5.6). Symbolic links are followed as long as they stay below
 *   the root; one that leads out of it, or an absolute one, is refused
 *   (FILES_OUTSIDE_ROOT). Where openat2 is missing (ENOSYS, or EPERM from a
 *   seccomp filter), or when the caller sets files_root.walk, names are
 *   walked component by component with O_NOFOLLOW and every symbolic link is
 *   refused (FILES_SYMLINK).
 * - PUT never writes through a symbolic link: a target that is a symlink is
 *   refused (FILES_SYMLINK) in both modes (directories on the way are
 *   resolved as above).
 *
 * Writing never leaves a partial file: data goes to a hidden temporary file
 * in the target's directory (".<name>.<pid>-<n>.part", created O_EXCL) that
 * files_commit() renames over the target (no fsync) and files_close() removes.
 * An existing target keeps its permission bits; one the caller may not write
 * is refused (FILES_PERMISSION). A process killed mid-transfer leaves its
 * temporary file behind.
 *
 * Pure C99 on POSIX/Linux calls: no globals, no allocation.  files.c holds
 * the root and the handles, files_name.c the name checks and the resolution.
 */
#ifndef WEBREPL_FILES_H
#define WEBREPL_FILES_H

#include <stddef.h>
#include <stdint.h>

/** Longest file name accepted (the protocol's fname field). */
#define FILES_NAME_MAX 64
/** Size of the temporary file name buffer (".", name, suffix, NUL). */
#define FILES_TMP_MAX (FILES_NAME_MAX + 48)

/** Result of a files_* call; every value fits the protocol's u16 status. */
enum files_status {
  FILES_OK = 0,
  FILES_NOT_FOUND = 1,     /**< no such file, or a directory on the way is missing or not a directory */
  FILES_NOT_REGULAR = 2,   /**< a directory, FIFO, device or socket */
  FILES_PERMISSION = 3,    /**< EACCES / EPERM */
  FILES_READ_ONLY = 4,     /**< read-only file system (EROFS) */
  FILES_NO_SPACE = 5,      /**< ENOSPC, EDQUOT, EFBIG */
  FILES_BAD_NAME = 6,      /**< empty, too long, NUL byte, empty or "." last component */
  FILES_ABSOLUTE = 7,      /**< leading '/' */
  FILES_DOTDOT = 8,        /**< a ".." component */
  FILES_OUTSIDE_ROOT = 9,  /**< a symbolic link leads out of the root */
  FILES_SYMLINK = 10,      /**< a symbolic link where none is allowed, or a link loop */
  FILES_NO_RESOURCES = 11, /**< out of file descriptors or memory */
  FILES_IO = 12,           /**< I/O error or anything else */
  FILES_BAD_HANDLE = 13,   /**< misuse: handle not open, or opened for the other direction */
  FILES_CONTROL_CHAR = 14  /**< a control byte (below 0x20, or 0x7f) in the name */
};

/** The root directory. */
struct files_root {
  int dirfd;        /**< O_PATH descriptor of the root, -1 when closed */
  int walk;         /**< 1: walk components and refuse every symlink (set by
                         files_root_open when openat2 is unavailable; a caller
                         may set it to get that policy anyway) */
  unsigned seq;     /**< counter for temporary names */
};

/** An open file: for GET (reading) or PUT (writing a temporary file). */
struct files_handle {
  int fd;                       /**< -1 when not open */
  int dirfd;                    /**< PUT: the target's directory, else -1 */
  int writing;                  /**< 1: a PUT handle */
  char name[FILES_NAME_MAX + 1];/**< PUT: last component of the target */
  char tmp[FILES_TMP_MAX];      /**< PUT: temporary file's name */
};

/** Open the root directory (following symlinks in path itself) and probe for
 *  openat2. Returns 0, or an errno value (r->dirfd is then -1). Pair with
 *  files_root_close(). */
int files_root_open(struct files_root *r, const char *path);

/** Close the root. Handles opened from it stay usable until closed. Safe on a
 *  root that is not open. */
void files_root_close(struct files_root *r);

/** Make h a closed handle (files_close() and files_is_open() are then safe). */
void files_handle_init(struct files_handle *h);

/** Non-zero if h is open. */
int files_is_open(const struct files_handle *h);

/** Open name[0..len) for reading. It must be a regular file.
 *  Returns FILES_OK (read with files_read(), then files_close()), or a
 *  status (h is left closed; nothing to undo). */
enum files_status files_open_read(struct files_root *r, const uint8_t *name,
                                  size_t len, struct files_handle *h);

/** Read up to cap bytes from a read handle. Returns the number of bytes
 *  (0 only at end of file), or -status on error (the caller closes h). */
long files_read(struct files_handle *h, uint8_t *buf, size_t cap);

/** Start writing name[0..len): creates the temporary file. The target is not
 *  touched until files_commit().
 *  Returns FILES_OK (then files_write() any number of times and finish with
 *  files_commit(), or files_close() to abort), or a status (h is left closed,
 *  no temporary file exists). */
enum files_status files_open_write(struct files_root *r, const uint8_t *name,
                                   size_t len, struct files_handle *h);

/** Append len bytes to a write handle; writes all of them or fails.
 *  Returns FILES_OK, or a status (h stays open: the caller must
 *  files_close() it, which removes the temporary file). */
enum files_status files_write(struct files_handle *h, const uint8_t *data,
                              size_t len);

/** Finish a write: rename the temporary file over the target. h is closed
 *  whatever the outcome. Returns FILES_OK, or a status (the temporary file
 *  is removed and the target is as before). */
enum files_status files_commit(struct files_handle *h);

/** Close h. An uncommitted write handle is aborted: its temporary file is
 *  removed and the target is left as it was. Safe on a closed handle. */
void files_close(struct files_handle *h);

/** A short English description of a status (never NULL; "unknown status" for
 *  values outside the enum). */
const char *files_strerror(int status);

#endif /* WEBREPL_FILES_H */
