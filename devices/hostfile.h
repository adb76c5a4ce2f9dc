/* Reading a whole host file (firmware images, kernels, modules) with a
 * clear message on every failure. */
#ifndef HOLO86_HOSTFILE_H
#define HOLO86_HOSTFILE_H

#include <stddef.h>
#include <stdint.h>

/* The contents (to free), or NULL with a message naming path in err. */
uint8_t *hostfile_read(const char *path, size_t *size, char *err, size_t errlen);

#endif
