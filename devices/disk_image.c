/* Host-file backed block images; see disk_image.h. */
#include "devices/disk_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/fs.h>
#include <sys/ioctl.h>
#endif

static void dimg_msg(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

DiskImage *disk_image_open(const char *path, bool read_only, char *err, size_t errlen) {
  if (!path || !*path) {
    dimg_msg(err, errlen, "no disk image file name given");
    return NULL;
  }
  int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (!read_only && (e == EACCES || e == EROFS || e == EPERM))
      dimg_msg(err, errlen, "%s: cannot open for writing: %s (use a read-only attachment)", path,
               strerror(e));
    else
      dimg_msg(err, errlen, "%s: cannot open: %s", path, strerror(e));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    dimg_msg(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
    close(fd);
    return NULL;
  }
  uint64_t size;
  if (S_ISREG(st.st_mode)) {
    size = (uint64_t)st.st_size;
  } else if (S_ISBLK(st.st_mode)) {
#ifdef BLKGETSIZE64
    if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
      dimg_msg(err, errlen, "%s: cannot get the block device size: %s", path, strerror(errno));
      close(fd);
      return NULL;
    }
#else
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
      dimg_msg(err, errlen, "%s: cannot get the block device size: %s", path, strerror(errno));
      close(fd);
      return NULL;
    }
    size = (uint64_t)end;
#endif
  } else {
    dimg_msg(err, errlen, "%s: not a regular file or block device", path);
    close(fd);
    return NULL;
  }
  if (size == 0) {
    dimg_msg(err, errlen, "%s: the image is empty", path);
    close(fd);
    return NULL;
  }
  /* Read the first byte now so an unreadable file fails here, not in the
   * middle of the guest's boot. */
  uint8_t probe;
  ssize_t n = pread(fd, &probe, 1, 0);
  if (n != 1) {
    dimg_msg(err, errlen, "%s: cannot read: %s", path, n < 0 ? strerror(errno) : "unexpected end of file");
    close(fd);
    return NULL;
  }
  DiskImage *img = calloc(1, sizeof *img);
  if (!img) {
    dimg_msg(err, errlen, "out of memory");
    close(fd);
    return NULL;
  }
  img->fd = fd;
  img->read_only = read_only;
  img->size = size;
  snprintf(img->path, sizeof img->path, "%s", path);
  return img;
}

void disk_image_close(DiskImage *img) {
  if (!img) return;
  if (img->fd >= 0) close(img->fd);
  free(img);
}

uint64_t disk_image_size(const DiskImage *img) { return img ? img->size : 0; }

static void dimg_trace(DiskImage *img, const char *op, uint64_t offset, uint32_t len) {
  if (img->trace) img->trace(img->trace_opaque, img->dev ? img->dev : "disk", op, offset, len);
}

int disk_image_read(DiskImage *img, uint64_t offset, void *buf, uint32_t len) {
  if (offset > img->size || len > img->size - offset) {
    snprintf(img->error, sizeof img->error, "%s: read of %u bytes at %llu is past the end (%llu bytes)",
             img->path, len, (unsigned long long)offset, (unsigned long long)img->size);
    return -1;
  }
  dimg_trace(img, "read", offset, len);
  uint8_t *p = buf;
  uint32_t done = 0;
  while (done < len) {
    ssize_t n = pread(img->fd, p + done, len - done, (off_t)(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      snprintf(img->error, sizeof img->error, "%s: read error at %llu: %s", img->path,
               (unsigned long long)(offset + done), strerror(errno));
      return -1;
    }
    if (n == 0) {
      snprintf(img->error, sizeof img->error, "%s: file truncated: end of file at %llu (expected %llu bytes)",
               img->path, (unsigned long long)(offset + done), (unsigned long long)img->size);
      memset(p + done, 0, len - done);
      return -1;
    }
    done += (uint32_t)n;
  }
  return 0;
}

int disk_image_write(DiskImage *img, uint64_t offset, const void *buf, uint32_t len) {
  if (img->read_only) {
    snprintf(img->error, sizeof img->error, "%s: the image is read-only", img->path);
    return -1;
  }
  if (offset > img->size || len > img->size - offset) {
    snprintf(img->error, sizeof img->error, "%s: write of %u bytes at %llu is past the end (%llu bytes)",
             img->path, len, (unsigned long long)offset, (unsigned long long)img->size);
    return -1;
  }
  dimg_trace(img, "write", offset, len);
  const uint8_t *p = buf;
  uint32_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(img->fd, p + done, len - done, (off_t)(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      snprintf(img->error, sizeof img->error, "%s: write error at %llu: %s", img->path,
               (unsigned long long)(offset + done), strerror(errno));
      return -1;
    }
    if (n == 0) {
      snprintf(img->error, sizeof img->error, "%s: write error at %llu: no space", img->path,
               (unsigned long long)(offset + done));
      return -1;
    }
    done += (uint32_t)n;
  }
  return 0;
}

int disk_image_flush(DiskImage *img) {
  if (img->read_only) return 0;
  dimg_trace(img, "flush", 0, 0);
  if (fsync(img->fd) < 0 && errno != EINVAL) {
    snprintf(img->error, sizeof img->error, "%s: flush failed: %s", img->path, strerror(errno));
    return -1;
  }
  return 0;
}
