/* webrepl: the WebREPL demultiplexer — password, then terminal (text
 * messages) and file protocol (binary messages).
 *
 * Pure C99: no sockets, no files, no lwIP, no globals, no allocation; all
 * state sits in struct webrepl. The session layer parses websocket frames, answers control
 * frames itself and passes the payload bytes of data messages to
 * webrepl_input(), in chunks no larger than webrepl_room() allows. Everything
 * going out leaves through struct webrepl_ops; files are reached through
 * struct webrepl_files (host/file_store.c puts one on host/files.c).
 *
 * Protocol (MicroPython's, with its defects fixed):
 * - Password: every data byte of any message type is a password byte until
 *   '\r' or '\n'. The bytes are taken as they come; only the check at the
 *   terminator may wait (ops->may_check, a rate limit): meanwhile no input
 *   is taken (webrepl_room() is 0) and webrepl_retry() checks later. The password is compared in constant time (any length
 *   1..WEBREPL_PASSWORD_MAX; longer input is kept to one byte more than that
 *   and is wrong). Right: text "\r\nWebREPL connected\r\n>>> ", then
 *   ops->login(ctx, 1). Wrong: text "\r\nAccess denied\r\n", then
 *   ops->login(ctx, 0), and all further input is ignored. Bytes after the
 *   terminator are normal input; one '\n' directly after a '\r' terminator
 *   (CRLF) is dropped.
 * - After login: text bytes go to ops->term_write, binary bytes to the file
 *   protocol: an 82-byte little-endian request "WA" type flags offset(u64)
 *   size(u32) fname_len(u16) fname[64], split across any number of messages.
 *   flags and offset are ignored (as MicroPython does). Replies are binary
 *   messages: "WB" + u16le status (0 ok; else a file store status or a
 *   webrepl_status value).
 *   GET_VER (3): one 3-byte message WEBREPL_VERSION_{MAJOR,MINOR,MICRO}.
 *   PUT_FILE (1): "WB" 0 once the temporary file is open, then exactly size
 *     data bytes, then "WB" + the commit's status. A write error mid-way
 *     removes the temporary file, the remaining data is consumed and dropped
 *     and the final reply carries the error. If the open fails the reply is
 *     "WB" + status and the request is over: no data is expected, because
 *     both official clients (webrepl_cli.py asserts a zero status;
 *     webrepl.html sends its data only after a zero status) send none.
 *   GET_FILE (2): "WB" + status of the open; on success each binary byte from
 *     the client is a chunk request answered by one message "len_lo len_hi"
 *     + len bytes (1..256); at end of file "00 00", then "WB" 0 (a read error
 *     instead ends with "00 00", then "WB" + status).
 *   Any other type, a bad magic or fname_len > 64: "WB" + status; the
 *   session stays usable and no file stays open.
 */
#ifndef WEBREPL_WEBREPL_H
#define WEBREPL_WEBREPL_H

#include <stddef.h>
#include <stdint.h>


#define WEBREPL_PASSWORD_MAX 64    /**< longest password */
#define WEBREPL_HDR_SIZE 82        /**< file protocol request header */
#define WEBREPL_CHUNK_MAX 256      /**< file bytes per GET reply message */
#define WEBREPL_VERSION_MAJOR 0
#define WEBREPL_VERSION_MINOR 1
#define WEBREPL_VERSION_MICRO 0

/** Request types of the file protocol. */
enum webrepl_request {
  WEBREPL_PUT_FILE = 1,
  WEBREPL_GET_FILE = 2,
  WEBREPL_GET_VER = 3
};

/** Reply statuses of the protocol layer. They share the "WB" status space
 *  with the file store's statuses (1..63), so they start at 64. */
enum webrepl_status {
  WEBREPL_STATUS_OK = 0,
  WEBREPL_STATUS_BAD_MAGIC = 64,     /**< request does not start with "WA" */
  WEBREPL_STATUS_BAD_TYPE = 65,      /**< unknown request type */
  WEBREPL_STATUS_BAD_NAME_LEN = 66,  /**< fname_len > 64 */
  WEBREPL_STATUS_NO_ROOT = 67        /**< no file root configured */
};

/** send_room (bytes of output the session can queue now, websocket framing
 *  included) needed before input that may trigger a small reply: the login
 *  verdict, "WB" statuses, the version, the end-of-file marker. */
#define WEBREPL_SMALL_ROOM 64
/** send_room needed before each GET chunk request: 2 + 256 bytes plus
 *  framing. */
#define WEBREPL_CHUNK_ROOM (2 + WEBREPL_CHUNK_MAX + 16)

/** The outside world, as seen by the demultiplexer. */
struct webrepl_ops {
  void *ctx;
  /** Bytes of messages the session can send now (framing included). */
  size_t (*send_room)(void *ctx);
  /** Send ONE complete message (text if binary == 0). Returns 0, or
   *  non-zero if it failed (the connection is going away: webrepl stops). */
  int (*send)(void *ctx, int binary, const uint8_t *data, size_t len);
  /** Bytes the terminal can take now. */
  size_t (*term_room)(void *ctx);
  /** Terminal input; takes all of it (webrepl_room() kept len in bounds). */
  void (*term_write)(void *ctx, const uint8_t *data, size_t len);
  /** Password checked: ok=1 logged in (the session takes over), ok=0 denied
   *  (the session sends nothing more, closes and rate-limits). */
  void (*login)(void *ctx, int ok);
  /** A whole password was entered: may it be checked now? Non-zero: yes.
   *  Zero: the verdict waits (rate limit); the session calls
   *  webrepl_retry() later. NULL: always yes. */
  int (*may_check)(void *ctx);
};

/** The file store, as the demultiplexer sees it: one open file at a time
 *  per session (ctx is the session's). Statuses are 1..63; 0 is success. */
struct webrepl_files {
  void *ctx;
  /** Open name[0..len) for reading: 0, or a status. */
  int (*open_read)(void *ctx, const uint8_t *name, size_t len);
  /** Start writing name[0..len) (nothing is replaced before commit). */
  int (*open_write)(void *ctx, const uint8_t *name, size_t len);
  /** Read up to cap bytes: how many (0 at the end), or -status. */
  long (*read)(void *ctx, uint8_t *buf, size_t cap);
  /** Append all len bytes: 0, or a status (the caller then closes). */
  int (*write)(void *ctx, const uint8_t *data, size_t len);
  /** Finish a write, the file closed either way: 0, or a status. */
  int (*commit)(void *ctx);
  /** Close; an uncommitted write leaves nothing behind. Safe if none is
   *  open. */
  void (*close)(void *ctx);
};

/** The demultiplexer's states. */
enum webrepl_state {
  WEBREPL_ST_PASSWORD = 0,  /**< collecting password bytes */
  WEBREPL_ST_CHECK,         /**< password entered, its check waits */
  WEBREPL_ST_DENIED,        /**< wrong password: input ignored */
  WEBREPL_ST_HEADER,        /**< logged in; collecting a request header */
  WEBREPL_ST_PUT,           /**< receiving PUT data */
  WEBREPL_ST_GET,           /**< answering GET chunk requests */
  WEBREPL_ST_CLOSED         /**< webrepl_close() or a failed send: input ignored */
};

/** One session's demultiplexer. Fixed size; treat as opaque. */
struct webrepl {
  struct webrepl_ops ops;
  struct webrepl_files files;
  int have_files;                            /* 0: requests get NO_ROOT */
  enum webrepl_state state;
  uint8_t password[WEBREPL_PASSWORD_MAX];
  size_t password_len;                       /* 0: not configured, deny all */
  uint8_t entered[WEBREPL_PASSWORD_MAX + 1]; /* zero beyond entered_len */
  size_t entered_len;                        /* saturates at MAX + 1 */
  int swallow_lf;                            /* password ended with '\r' */
  uint8_t hdr[WEBREPL_HDR_SIZE];
  size_t hdr_len;
  uint32_t put_left;                         /* PUT data bytes still due */
  int put_status;                            /* first error during a PUT */
  uint8_t chunk[2 + WEBREPL_CHUNK_MAX];
};

/** Set up w in the password state. ops and files are copied; their ctx must
 *  outlive w (files may be NULL: the file requests are then answered
 *  WEBREPL_STATUS_NO_ROOT).
 *  password[0..pw_len) is copied; pw_len must be 1..WEBREPL_PASSWORD_MAX,
 *  otherwise every login is denied. Sends nothing: call webrepl_start()
 *  once the handshake reply is out. */
void webrepl_init(struct webrepl *w, const struct webrepl_ops *ops,
                  const uint8_t *password, size_t pw_len,
                  const struct webrepl_files *files);

/** Send the text message "Password: " (optional: a session may send the
 *  prompt itself). Returns 0, or non-zero if the send failed (w is then
 *  closed; the caller ends the session). */
int webrepl_start(struct webrepl *w);

/** How many payload bytes of a message of this type (binary != 0: binary,
 *  else text) webrepl_input() can take now. 0 means: hold the input and ask
 *  again when the terminal drained or sent data was acknowledged.
 *  Password pending: 0 while send_room < WEBREPL_SMALL_ROOM, else 1
 *  (binary: 1 + WEBREPL_HDR_SIZE once send_room >= 2 * WEBREPL_SMALL_ROOM,
 *  so a request pipelined behind the terminator can come in the same
 *  chunk). Logged in: text is
 *  limited by term_room; binary by the request being received (the rest of
 *  the header, the rest of the PUT data), keeping back the byte that would
 *  trigger a reply while send_room < WEBREPL_SMALL_ROOM; a GET chunk request
 *  needs send_room >= WEBREPL_CHUNK_ROOM. Denied or closed: SIZE_MAX (input
 *  is dropped). A password waiting for its check: 0. */
size_t webrepl_room(struct webrepl *w, int binary);

/** Consume len payload bytes of a data message (len <= webrepl_room() for
 *  this type, asked right before). Calls the ops as the bytes require. */
void webrepl_input(struct webrepl *w, int binary, const uint8_t *data,
                   size_t len);

/** Non-zero while the password is still being entered or checked (no
 *  verdict yet). */
int webrepl_password_pending(const struct webrepl *w);

/** Non-zero while a complete password waits for its check (ops->may_check
 *  said no). */
int webrepl_check_held(const struct webrepl *w);

/** Check a held password if ops->may_check now allows it and send_room
 *  has room for the verdict. Returns webrepl_check_held() afterwards. */
int webrepl_retry(struct webrepl *w);

/** Non-zero once the right password was entered (and w not closed since):
 *  only then should terminal output be sent to this session. */
int webrepl_logged_in(const struct webrepl *w);

/** End the session's file activity: an unfinished PUT is aborted (no partial
 *  file, no temporary file), an open GET closed. Further input is ignored.
 *  Safe to call more than once. */
void webrepl_close(struct webrepl *w);

/** A short English description of a webrepl_status; "unknown status" for
 *  other values (the file store's have their own). Never NULL. */
const char *webrepl_status_str(int status);

#endif /* WEBREPL_WEBREPL_H */
