#!/usr/bin/env python3
"""Check that the X screen shows a picture: the screen is the XWD file
Xvfb keeps with -fbdir, the picture a PNG (holo86's screendump of the same
moment). The picture must appear on the screen at an integer scale (the
window's), pixel for pixel, except inside one text cell (9x16 dots): the
cursor may have blinked between the screendump and the copy of the screen.
The window is found as the first pixel, in reading order, that is not the
black of the empty screen, so the picture's top-left pixel must not be black.
usage: window_check.py SCREEN.xwd PICTURE.png"""
import itertools, os, struct, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png_check import decode

def read_xwd(path):
    d = open(path, "rb").read()
    h = struct.unpack(">25I", d[:100])
    size, w, hgt, order, bpp, stride, ncolors = h[0], h[4], h[5], h[7], h[11], h[12], h[19]
    if bpp != 32:
        raise SystemExit("%s: %d bits per pixel, want 32 (Xvfb -screen 0 WxHx24)" % (path, bpp))
    pix = d[size + ncolors * 12:]
    def rgb(x, y):
        b = pix[y * stride + x * 4:y * stride + x * 4 + 4]
        return bytes(b[2::-1] if order == 0 else b[1:4])
    return w, hgt, rgb

def main():
    sw, sh, screen = read_xwd(sys.argv[1])
    w, h, bpp, rows = decode(sys.argv[2])
    pic = lambda x, y: bytes(rows[y][x * bpp:x * bpp + 3])
    origin = next(((x, y) for y in range(sh) for x in range(sw) if screen(x, y) != b"\0\0\0"), None)
    if origin is None:
        raise SystemExit("window_check: the screen is black")
    ox, oy = origin
    best = None
    for s in range(1, 5):
        if ox + w * s > sw or oy + h * s > sh:
            break
        # Up to 1000 differences: enough to tell a wrong scale.
        bad = list(itertools.islice(((x, y) for y in range(h) for x in range(w)
                                     if any(screen(ox + x * s + i, oy + y * s + j) != pic(x, y)
                                            for i in (0, s - 1) for j in (0, s - 1))), 1000))
        if best is None or len(bad) < len(best[1]):
            best = (s, bad)
        if not bad:
            break
    if best is None:
        raise SystemExit("window_check: a %dx%d picture does not fit at (%d, %d)" % (w, h, ox, oy))
    s, bad = best
    if bad:
        xs, ys = [p[0] for p in bad], [p[1] for p in bad]
        if max(xs) - min(xs) >= 9 or max(ys) - min(ys) >= 16:
            raise SystemExit("window_check: at (%d, %d) scale %d, %d pixels differ, from (%d, %d) to (%d, %d)"
                             % (ox, oy, s, len(bad), min(xs), min(ys), max(xs), max(ys)))
    print("window_check: the picture is at (%d, %d), scale %d; %d pixels differ%s"
          % (ox, oy, s, len(bad), " (in one text cell: the cursor blinked)" if bad else ""))

main()
