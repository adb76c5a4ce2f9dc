/* A PNG encoder for 0x00RRGGBB pictures (8-bit RGB, no interlace): the
 * chunk structure and CRCs are written here, the image data is
 * compressed with zlib. */
#ifndef HOLO86_PNG_H
#define HOLO86_PNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Encode width x height pixels (row by row, 0x00RRGGBB) into a malloc'ed
 * buffer; returns NULL (with a message in err) on failure. */
uint8_t *png_encode(const uint32_t *pixels, int width, int height, size_t *size, char *err,
                    size_t errlen);
/* Encode and write to path; false with a message in err on failure. */
bool png_write(const char *path, const uint32_t *pixels, int width, int height, char *err,
               size_t errlen);

#endif
