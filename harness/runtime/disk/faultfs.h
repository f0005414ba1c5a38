// faultfs: a FUSE filesystem that passes everything through to a backing directory and models what a crash of
// the machine would lose (docs/faultfs.md). Shared state and the interfaces between its four parts:
//
//   faultfs.c    main: options, mounting over the mount point (the backing may be the same directory), loop
//   ops.c        the FUSE operations: pass through, and tell the two models below what changed
//   pagecache.c  file data: what is not durable yet, as an undo log per file (old bytes, durable size)
//   dirlog.c     directory entries: creates, unlinks and renames not durable yet, as an undo journal + trash
//   control.c    the control socket: crash-drop, tear, error injection, slow fsync, status, the drop report
//
// Every operation applies to the backing directory at once, so reads simply pass through; what is not durable
// is remembered as the way to undo it. A crash (drop) applies the undo logs in reverse. One mutex (G.lock)
// guards all of this state; only reads and the fsync delay run outside it.
#ifndef FAULTFS_H
#define FAULTFS_H

#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/** The hidden folder at the backing root holding unlinked and replaced entries until their directory is synced. */
#define TRASH_NAME ".faultfs-trash"

/** Operation classes that error injection can aim at (a bit each). */
enum op_class {
  OPC_READ = 1,   // read
  OPC_WRITE = 2,  // write, truncate, fallocate
  OPC_CREATE = 4, // create, mknod, mkdir, symlink, link, rename
  OPC_FSYNC = 8,  // fsync, fdatasync, fsync of a directory
};

/** Old contents of bytes [off, off + len) of a file as they are durably (old == NULL: zeros). */
struct range {
  off_t off;
  off_t len;
  unsigned char *old;
  /**
   * Left by a failed fsync: Linux marks the pages whose writeback failed clean, so a later fsync that succeeds
   * does not write them ("fsyncgate", PostgreSQL 2018); only a new write to those bytes makes them durable.
   */
  bool sticky;
  struct range *next;
};

/** A file with writes that are not durable yet, found by inode number. */
struct dirty {
  ino_t ino;
  /** Our own read-write descriptor of the backing file: the undo reaches it wherever it was renamed or unlinked. */
  int fd;
  /** The file's size as it is durably. */
  off_t synced_size;
  /** Sorted, disjoint. */
  struct range *ranges;
  bool has_sticky;
  /** The last write since the file's last fsync (len 0: none, or a truncate came after it), for tear. */
  uint64_t last_seq;
  off_t last_off;
  off_t last_len;
  struct dirty *next;
};

/** One directory change not durable yet (dirlog.c). */
struct dirop;

struct faultfs {
  int root;  // the backing directory, opened before mounting (so it can be the mount point itself)
  int trash; // TRASH_NAME under it
  char backing_path[4096];
  pthread_mutex_t lock;

  // pagecache.c
  struct dirty *buckets[1024];
  unsigned ndirty;
  uint64_t undo_bytes;
  uint64_t max_undo_bytes;
  unsigned max_dirty;
  uint64_t write_seq;

  // dirlog.c
  struct dirop *ops_head, *ops_tail;
  unsigned nops;
  unsigned max_ops;
  uint64_t trash_seq;
  /**
   * --dirs journal: any successful fsync makes every earlier directory change durable, as ext4's one journal
   * does in practice (its commit carries all metadata changed so far). Default strict: only the directory's fsync.
   */
  bool journal;

  // ops.c: handles open now (drop and tear need a stopped program: none)
  unsigned open_files, open_dirs;

  // control.c: faults
  int fail_errno;          // 0: none
  unsigned fail_ops;       // enum op_class bits
  uint64_t fail_until_ns;  // CLOCK_MONOTONIC; 0: until cleared
  unsigned fsync_delay_ms; // 0: none

  struct {
    uint64_t writes, fsyncs, dir_fsyncs, injected, writeback_files, writeback_bytes, dir_commits_forced, drops;
  } stats;
  char *last_drop; // the last drop's report, JSON
};

extern struct faultfs G;

// ops.c
extern const struct fuse_operations faultfs_ops;
/** "/a/b" -> "a/b"; "/" -> "." */
const char *rel(const char *path);

// pagecache.c: all called with G.lock held. `fd` is any descriptor of the file (its inode is what counts).
/** Bytes [off, off + len) are about to be written (saves what they durably hold). */
int pc_before_write(int fd, off_t off, off_t len, bool sync_write);
/** After the write of [off, off + n): remembers it as the file's last write; O_SYNC/O_DSYNC makes it durable. */
void pc_after_write(int fd, off_t off, off_t n, bool sync_write);
/** The file is about to change size to `size` (truncate, O_TRUNC, fallocate beyond the end). */
int pc_before_resize(int fd, off_t size);
/** Bytes [off, off + len) are about to become zeros in place (punch hole, zero range). */
int pc_before_zero(int fd, off_t off, off_t len);
/** fsync/fdatasync succeeded (ok) or failed by injection (!ok: what is dirty now is lost, fsyncgate). */
void pc_fsync(int fd, bool ok);
/** What one drop lost, written as JSON while the undo runs (control.c reports it). */
struct report {
  FILE *f;          // the "files" array being written
  unsigned listed;  // files listed so far (at most REPORT_MAX_FILES)
  unsigned omitted; // files beyond that, counted only
  uint64_t bytes;   // bytes of data that reverted or went with a removed file
  unsigned entries; // directory changes undone
  unsigned skipped; // directory changes whose undo no longer applied (a later durable change moved things)
};
#define REPORT_MAX_FILES 100
/** One file in the report: `how` is "data" (unsynced bytes reverted), "removed", "restored" or "renamed". */
void report_file(struct report *r, const char *path, uint64_t bytes, const char *how, const char *from);

/** The crash: every file back to its durable contents. */
void pc_drop(struct report *r);
/** A backing descriptor's path relative to the backing root, for reports (into buf). */
const char *fd_path(int fd, char *buf, size_t size);
/** Keeps the first bytes of the file's (or the latest) last unsynced write, dropped at the next crash. */
int pc_tear(const char *relpath, uint64_t seed, FILE *reply);
/** Unmount: everything is durable. */
void pc_forget_all(void);
unsigned pc_dirty_files(void);

// dirlog.c: all called with G.lock held.
int dl_init(void);
void dl_created(const char *relpath, ino_t ino, bool is_dir);
/** Moves relpath into the trash (the unlink or rmdir), recording how to undo it. */
int dl_unlink(const char *relpath, bool is_dir);
/** rename(from, to) with `to` replaced if it exists (moved to the trash first). */
int dl_rename(const char *from, const char *to);
/** fsync of the directory with inode `dir`: its changes become durable (all of them with --dirs journal). */
void dl_dir_synced(ino_t dir);
/** A file's fsync, fdatasync or O_SYNC write succeeded: with --dirs journal, every directory change is durable. */
void dl_file_synced(void);
/** The crash: undo every change not durable, newest first. */
void dl_drop(struct report *r);
/** Unmount: everything is durable (the trash is emptied). */
void dl_forget_all(void);
/** Removes a file or a whole directory tree under dirfd. */
void remove_tree(int dirfd, const char *name);

// control.c
int control_start(const char *socket_path);
void control_stop(void);
/** Whether an injected error applies to this operation class now; its errno if so. */
int fault_for(enum op_class c);
/**
 * Sleeps for the configured fsync delay (without the lock). False when the caller was killed meanwhile (the
 * kernel's FUSE interrupt): that fsync never completes.
 */
bool fsync_delay(void);

/** Writes s as a JSON string. */
void json_str(FILE *f, const char *s);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
