/* file_store: the WebREPL demultiplexer's file store (struct webrepl_files,
 * declared by proto/webrepl.h) on the files of one root directory
 * (host/files.c): one open file at a time per session, its handle kept
 * here.  The protocol layer defines the interface, this host service
 * implements it, so proto/ stays free of system calls. */
#ifndef WEBREPL_FILE_STORE_H
#define WEBREPL_FILE_STORE_H

#include "files.h"
#include "proto/webrepl.h"

struct file_store {
  struct files_root *root;
  struct files_handle h;
};

/** Make fs a store on root (which must outlive it) with no file open, and
 *  fill *out with its table (out->ctx is fs). */
void file_store_init(struct file_store *fs, struct files_root *root, struct webrepl_files *out);

#endif
