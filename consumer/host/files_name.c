/* files_name: the names of the file protocol, checked and resolved below the
 * root directory.  A client's name is first checked by its spelling and
 * normalised (files_normalise: length, NUL and control bytes, a leading '/',
 * ".." components, "." and empty components); the directory that holds its
 * last component is then opened below the root, with openat2(2)
 * RESOLVE_BENEATH where the kernel has it, else by walking the components
 * with O_NOFOLLOW and refusing every symbolic link.  Used by files.c only. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "files_name.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

/* openat2 may ask for a retry when a rename races with RESOLVE_BENEATH. */
#define FILES_EAGAIN_TRIES 8

enum files_status files_from_errno(int e)
{
  switch (e) {
  case 0: return FILES_IO;
  case ENOENT:
  case ENOTDIR: return FILES_NOT_FOUND;
  case EISDIR:
  case ENXIO:
  case ENODEV: return FILES_NOT_REGULAR;
  case EACCES:
  case EPERM: return FILES_PERMISSION;
  case EROFS: return FILES_READ_ONLY;
  case ENOSPC:
  case EDQUOT:
  case EFBIG: return FILES_NO_SPACE;
  case ENAMETOOLONG: return FILES_BAD_NAME;
  case EXDEV: return FILES_OUTSIDE_ROOT;
  case ELOOP: return FILES_SYMLINK;
  case EMFILE:
  case ENFILE:
  case ENOMEM: return FILES_NO_RESOURCES;
  default: return FILES_IO;
  }
}

int files_openat2(int dirfd, const char *path, int flags)
{
#ifdef SYS_openat2
  struct open_how how;
  int tries;
  long fd = -1;

  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(unsigned)flags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (tries = 0; tries < FILES_EAGAIN_TRIES; tries++) {
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0 || (errno != EAGAIN && errno != EINTR)) {
      break;
    }
  }
  return (int)fd;
#else
  (void)dirfd;
  (void)path;
  (void)flags;
  errno = ENOSYS;
  return -1;
#endif
}

enum files_status files_normalise(const uint8_t *name, size_t len,
                                  char out[FILES_NAME_MAX + 1], size_t *base)
{
  size_t i = 0;
  size_t o = 0;

  *base = 0;
  if (len == 0 || len > FILES_NAME_MAX || memchr(name, 0, len) != NULL) {
    return FILES_BAD_NAME;
  }
  for (i = 0; i < len; i++) {
    if (name[i] < 0x20 || name[i] == 0x7f) {
      return FILES_CONTROL_CHAR;      /* it would mislead a listing */
    }
  }
  i = 0;
  if (name[0] == '/') {
    return FILES_ABSOLUTE;
  }
  while (i < len) {
    size_t start = i;
    size_t n;
    while (i < len && name[i] != '/') {
      i++;
    }
    n = i - start;
    if (n == 2 && name[start] == '.' && name[start + 1] == '.') {
      return FILES_DOTDOT;
    }
    if (i == len && (n == 0 || (n == 1 && name[start] == '.'))) {
      return FILES_BAD_NAME;            /* "a/." : no file name at the end */
    }
    if (i < len) {
      i++;                              /* the slash */
      if (i == len) {
        return FILES_BAD_NAME;          /* "a/": no file name at the end */
      }
    }
    if (n == 0 || (n == 1 && name[start] == '.')) {
      continue;                         /* "a//b", "./a": normalised away */
    }
    if (o > 0) {
      out[o++] = '/';
    }
    *base = o;
    memcpy(out + o, name + start, n);
    o += n;
  }
  out[o] = '\0';
  return o > 0 ? FILES_OK : FILES_BAD_NAME;
}

/* Walk path (components separated by single slashes) from the root with
 * O_NOFOLLOW, refusing every symbolic link. Returns an O_PATH directory
 * descriptor, or -status. path is modified and restored. */
static int files_walk_dir(const struct files_root *r, char *path)
{
  int fd = fcntl(r->dirfd, F_DUPFD_CLOEXEC, 0);
  char *p = path;

  if (fd < 0) {
    return -(int)files_from_errno(errno);
  }
  while (*p != '\0') {
    char *slash = strchr(p, '/');
    struct stat st;
    int next;

    if (slash != NULL) {
      *slash = '\0';
    }
    next = openat(fd, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (slash != NULL) {
      *slash = '/';
    }
    if (next < 0) {
      int st_err = (int)files_from_errno(errno);
      close(fd);
      return -st_err;
    }
    close(fd);
    fd = next;
    if (fstat(fd, &st) != 0) {
      int st_err = (int)files_from_errno(errno);
      close(fd);
      return -st_err;
    }
    if (S_ISLNK(st.st_mode)) {
      close(fd);
      return -(int)FILES_SYMLINK;
    }
    if (!S_ISDIR(st.st_mode)) {
      close(fd);
      return -(int)FILES_NOT_FOUND;
    }
    p = slash != NULL ? slash + 1 : p + strlen(p);
  }
  return fd;
}

int files_open_parent(struct files_root *r, char *norm, size_t base)
{
  int fd = -1;

  if (base == 0) {
    fd = fcntl(r->dirfd, F_DUPFD_CLOEXEC, 0);
    return fd >= 0 ? fd : -(int)files_from_errno(errno);
  }
  norm[base - 1] = '\0';
  if (!r->walk) {
    fd = files_openat2(r->dirfd, norm, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOSYS) {
      r->walk = 1;
    }
  }
  if (r->walk) {
    fd = files_walk_dir(r, norm);
  } else if (fd < 0) {
    fd = -(int)files_from_errno(errno);
  }
  norm[base - 1] = '/';
  return fd;
}

