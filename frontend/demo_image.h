#ifndef HOLO86_DEMO_IMAGE_H
#define HOLO86_DEMO_IMAGE_H

#include <stdint.h>

extern const uint8_t holo86_demo_image[];
extern const uint8_t holo86_demo_image_end[];

#endif
