/* files: the file backend of the WebREPL file protocol, confined to one root
 * directory: the root, and handles for reading (GET) and for writing through
 * a temporary file (PUT).  Names are checked and resolved below the root by
 * files_name.c.  See files.h for the name rules and the write protocol. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "files.h"
#include "files_name.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Attempts at a fresh temporary name before giving up. */
#define FILES_TMP_TRIES 16

/* Close fd keeping errno. */
static void files_close_fd(int fd)
{
  int e = errno;
  if (fd >= 0) {
    close(fd);
  }
  errno = e;
}

int files_root_open(struct files_root *r, const char *path)
{
  int probe;

  r->walk = 0;
  r->seq = 0;
  r->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (r->dirfd < 0) {
    return errno != 0 ? errno : EIO;
  }
  probe = files_openat2(r->dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (probe >= 0) {
    close(probe);
  } else {
    r->walk = 1;              /* ENOSYS, or EPERM from a seccomp filter */
  }
  return 0;
}

void files_root_close(struct files_root *r)
{
  if (r->dirfd >= 0) {
    close(r->dirfd);
  }
  r->dirfd = -1;
}

void files_handle_init(struct files_handle *h)
{
  h->fd = -1;
  h->dirfd = -1;
  h->writing = 0;
  h->name[0] = '\0';
  h->tmp[0] = '\0';
}

int files_is_open(const struct files_handle *h)
{
  return h->fd >= 0;
}

/* Start an open: h closed, the root usable, the name checked and normalised
 * into norm (its last component at *base). */
static enum files_status files_begin(const struct files_root *r,
                                     const uint8_t *name, size_t len,
                                     struct files_handle *h,
                                     char norm[FILES_NAME_MAX + 1], size_t *base)
{
  files_handle_init(h);
  if (r == NULL || r->dirfd < 0) {
    return FILES_BAD_HANDLE;
  }
  return files_normalise(name, len, norm, base);
}

enum files_status files_open_read(struct files_root *r, const uint8_t *name,
                                  size_t len, struct files_handle *h)
{
  char norm[FILES_NAME_MAX + 1];
  size_t base;
  enum files_status st;
  struct stat sb;
  const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  int fd = -1;

  st = files_begin(r, name, len, h, norm, &base);
  if (st != FILES_OK) {
    return st;
  }
  if (!r->walk) {
    fd = files_openat2(r->dirfd, norm, flags);
    if (fd < 0 && errno == ENOSYS) {
      r->walk = 1;
    } else if (fd < 0) {
      return files_from_errno(errno);
    }
  }
  if (r->walk) {
    int dirfd = files_open_parent(r, norm, base);
    if (dirfd < 0) {
      return (enum files_status)-dirfd;
    }
    fd = openat(dirfd, norm + base, flags | O_NOFOLLOW);
    files_close_fd(dirfd);
    if (fd < 0) {
      return files_from_errno(errno);
    }
  }
  /* O_NONBLOCK kept a FIFO from blocking the open; refuse it here. */
  if (fstat(fd, &sb) != 0) {
    st = files_from_errno(errno);
    close(fd);
    return st;
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return FILES_NOT_REGULAR;
  }
  h->fd = fd;
  return FILES_OK;
}

long files_read(struct files_handle *h, uint8_t *buf, size_t cap)
{
  ssize_t n;

  if (h->fd < 0 || h->writing) {
    return -(long)FILES_BAD_HANDLE;
  }
  do {
    n = read(h->fd, buf, cap);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return -(long)files_from_errno(errno);
  }
  return (long)n;
}

enum files_status files_open_write(struct files_root *r, const uint8_t *name,
                                   size_t len, struct files_handle *h)
{
  char norm[FILES_NAME_MAX + 1];
  size_t base;
  enum files_status st;
  struct stat sb;
  int dirfd;
  int fd = -1;
  int keep_mode = 0;
  mode_t mode = 0666;
  int tries;

  st = files_begin(r, name, len, h, norm, &base);
  if (st != FILES_OK) {
    return st;
  }
  dirfd = files_open_parent(r, norm, base);
  if (dirfd < 0) {
    return (enum files_status)-dirfd;
  }
  if (fstatat(dirfd, norm + base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(sb.st_mode)) {
      st = FILES_SYMLINK;
    } else if (!S_ISREG(sb.st_mode)) {
      st = FILES_NOT_REGULAR;
    } else if (faccessat(dirfd, norm + base, W_OK, AT_EACCESS) != 0) {
      st = files_from_errno(errno);
    } else {
      keep_mode = 1;
      mode = sb.st_mode & 0777;
    }
  } else if (errno != ENOENT) {
    st = files_from_errno(errno);
  }
  if (st != FILES_OK) {
    close(dirfd);
    return st;
  }
  for (tries = 0; tries < FILES_TMP_TRIES; tries++) {
    int n = snprintf(h->tmp, sizeof h->tmp, ".%s.%lx-%x.part", norm + base,
                     (unsigned long)getpid(), r->seq++);
    if (n < 0 || (size_t)n >= sizeof h->tmp) {
      close(dirfd);
      h->tmp[0] = '\0';
      return FILES_BAD_NAME;
    }
    fd = openat(dirfd, h->tmp,
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                mode);
    if (fd >= 0 || errno != EEXIST) {
      break;
    }
  }
  if (fd < 0) {
    st = files_from_errno(errno);
    close(dirfd);
    h->tmp[0] = '\0';
    return st;
  }
  if (keep_mode) {
    (void)fchmod(fd, mode);   /* umask must not change an existing file's bits */
  }
  h->fd = fd;
  h->dirfd = dirfd;
  h->writing = 1;
  memcpy(h->name, norm + base, strlen(norm + base) + 1);
  return FILES_OK;
}

enum files_status files_write(struct files_handle *h, const uint8_t *data,
                              size_t len)
{
  if (h->fd < 0 || !h->writing) {
    return FILES_BAD_HANDLE;
  }
  while (len > 0) {
    ssize_t n = write(h->fd, data, len);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return files_from_errno(errno);
    }
    if (n == 0) {
      return FILES_IO;
    }
    data += n;
    len -= (size_t)n;
  }
  return FILES_OK;
}

enum files_status files_commit(struct files_handle *h)
{
  enum files_status st = FILES_OK;

  if (h->fd < 0 || !h->writing) {
    return FILES_BAD_HANDLE;
  }
  if (close(h->fd) != 0 && errno != EINTR) {
    st = files_from_errno(errno);
  }
  h->fd = -1;
  if (st == FILES_OK &&
      renameat(h->dirfd, h->tmp, h->dirfd, h->name) != 0) {
    st = files_from_errno(errno);
  }
  if (st != FILES_OK) {
    (void)unlinkat(h->dirfd, h->tmp, 0);
  }
  close(h->dirfd);
  files_handle_init(h);
  return st;
}

void files_close(struct files_handle *h)
{
  if (h->fd >= 0) {
    close(h->fd);
  }
  if (h->writing && h->dirfd >= 0 && h->tmp[0] != '\0') {
    (void)unlinkat(h->dirfd, h->tmp, 0);
  }
  if (h->dirfd >= 0) {
    close(h->dirfd);
  }
  files_handle_init(h);
}

const char *files_strerror(int status)
{
  switch (status) {
  case FILES_OK: return "ok";
  case FILES_NOT_FOUND: return "no such file or directory";
  case FILES_NOT_REGULAR: return "not a regular file";
  case FILES_PERMISSION: return "permission denied";
  case FILES_READ_ONLY: return "read-only file system";
  case FILES_NO_SPACE: return "no space left (disk full, quota or file size limit)";
  case FILES_BAD_NAME: return "invalid file name";
  case FILES_ABSOLUTE: return "absolute path refused";
  case FILES_DOTDOT: return "'..' component refused";
  case FILES_OUTSIDE_ROOT: return "path leads outside the root directory";
  case FILES_SYMLINK: return "symbolic link refused";
  case FILES_NO_RESOURCES: return "out of file descriptors or memory";
  case FILES_IO: return "input/output error";
  case FILES_BAD_HANDLE: return "file handle not open for this operation";
  case FILES_CONTROL_CHAR: return "control character in file name";
  default: return "unknown status";
  }
}
