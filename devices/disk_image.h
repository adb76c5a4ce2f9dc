/* A block device image backed by a host file (or block device), read with
 * pread and written with pwrite at byte offsets. Every failure — a missing,
 * unreadable, truncated or read-only file — comes back as a return value
 * with a human-readable message; nothing here aborts the emulator.
 *
 * The optional trace hook sees every host access the guest's requests
 * became (device name, "read"/"write"/"flush", host file offset, length),
 * for --trace-io. */
#ifndef HOLO86_DISK_IMAGE_H
#define HOLO86_DISK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*DiskTraceFn)(void *opaque, const char *dev, const char *op, uint64_t offset,
                            uint32_t len);

typedef struct DiskImage {
  int fd;
  bool read_only;
  uint64_t size;        /* bytes, fixed at open */
  char path[256];       /* as given (truncated if longer), for messages */
  char error[320];      /* the last error message, "" if none */
  /* Trace hook (optional): set by the creator. dev names the device that
   * uses the image ("fd0", "ide0-0", ...); the device sets it on attach
   * unless the creator already did. */
  DiskTraceFn trace;
  void *trace_opaque;
  const char *dev;
} DiskImage;

/* Open path. read_only opens O_RDONLY (writes then fail with a message);
 * otherwise O_RDWR, and a file the host does not let us write is an error
 * (the caller may retry read-only). Returns NULL with a message in err. */
DiskImage *disk_image_open(const char *path, bool read_only, char *err, size_t errlen);
void disk_image_close(DiskImage *img);
uint64_t disk_image_size(const DiskImage *img);
/* Read/write len bytes at offset. Returns 0, or -1 with img->error set
 * (range past the end of the image, host I/O error, short read of a file
 * that shrank, write to a read-only image). */
int disk_image_read(DiskImage *img, uint64_t offset, void *buf, uint32_t len);
int disk_image_write(DiskImage *img, uint64_t offset, const void *buf, uint32_t len);
/* fsync (for FLUSH CACHE). Returns 0 or -1 with img->error set. */
int disk_image_flush(DiskImage *img);

#endif
