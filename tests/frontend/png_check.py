#!/usr/bin/env python3
"""Check pixels of a PNG (8-bit RGB or RGBA, as holo86 writes), decoded
here with zlib alone.
usage: png_check.py FILE WIDTHxHEIGHT CHECK...
  X,Y=RRGGBB              the pixel at (X, Y) has that colour
  any:X0,Y0,X1,Y1=RRGGBB  some pixel in the rectangle (inclusive) has it
Prints what failed; exit status 0 when every check holds."""
import struct, sys, zlib

def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("%s: not a PNG (bad signature)" % path)
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise SystemExit("%s: bad CRC in chunk %r" % (path, ctype))
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"IEND":
            break
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit("%s: unsupported PNG format" % path)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows

def main():
    path, size, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
    w, h, bpp, rows = decode(path)
    px = lambda x, y: "%02X%02X%02X" % tuple(rows[y][x * bpp:x * bpp + 3])
    bad = 0
    if "%dx%d" % (w, h) != size:
        print("%s: %dx%d, want %s" % (path, w, h, size))
        bad += 1
    for c in checks:
        where, want = c.split("=")
        want = want.upper()
        if where.startswith("any:"):
            x0, y0, x1, y1 = map(int, where[4:].split(","))
            found = any(px(x, y) == want for y in range(y0, min(y1, h - 1) + 1)
                        for x in range(x0, min(x1, w - 1) + 1))
            if not found:
                print("%s: no %s in %s" % (path, want, where))
                bad += 1
        else:
            x, y = map(int, where.split(","))
            if x >= w or y >= h or px(x, y) != want:
                print("%s: pixel (%d, %d) is %s, want %s" % (path, x, y,
                      px(x, y) if x < w and y < h else "outside", want))
                bad += 1
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
