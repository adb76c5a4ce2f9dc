/* Code page 437, the PC's character ROM, to Unicode. */
#ifndef HOLO86_CP437_H
#define HOLO86_CP437_H

#include <stdint.h>

/* The UTF-8 encoding (NUL-terminated, at most 3 bytes) of what character
 * ch of code page 437 shows; 0 and 255 show as a space. */
const char *cp437_utf8(uint8_t ch);

#endif
