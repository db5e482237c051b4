/* file_store: struct webrepl_files on host/files.c (see file_store.h).  The
 * statuses are enum files_status values (1..63), as the protocol wants. */
#include "file_store.h"

static int
file_store_open_read(void *ctx, const uint8_t *name, size_t len)
{
  struct file_store *fs = (struct file_store *)ctx;
  return (int)files_open_read(fs->root, name, len, &fs->h);
}

static int
file_store_open_write(void *ctx, const uint8_t *name, size_t len)
{
  struct file_store *fs = (struct file_store *)ctx;
  return (int)files_open_write(fs->root, name, len, &fs->h);
}

static long
file_store_read(void *ctx, uint8_t *buf, size_t cap)
{
  return files_read(&((struct file_store *)ctx)->h, buf, cap);
}

static int
file_store_write(void *ctx, const uint8_t *data, size_t len)
{
  return (int)files_write(&((struct file_store *)ctx)->h, data, len);
}

static int
file_store_commit(void *ctx)
{
  return (int)files_commit(&((struct file_store *)ctx)->h);
}

static void
file_store_close(void *ctx)
{
  files_close(&((struct file_store *)ctx)->h);
}

void
file_store_init(struct file_store *fs, struct files_root *root, struct webrepl_files *out)
{
  fs->root = root;
  files_handle_init(&fs->h);
  out->ctx = fs;
  out->open_read = file_store_open_read;
  out->open_write = file_store_open_write;
  out->read = file_store_read;
  out->write = file_store_write;
  out->commit = file_store_commit;
  out->close = file_store_close;
}
