#!/usr/bin/env python3
"""Drive holo86's monitor on a unix socket: run each command given on
the command line, print what it answered. Waits up to 10 s for the
socket to appear and for each prompt. Two commands are the client's own:
"@sleep SECONDS", and "@copy SRC DST" (copies a file between commands).
usage: monitor_client.py SOCKET COMMAND..."""
import os, shutil, socket, sys, time

PROMPT = b"(holo86) "

def read_until_prompt(s, deadline):
    buf = b""
    while not buf.endswith(PROMPT):
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            raise SystemExit("monitor_client: no prompt (timeout); got %r" % buf)
        if not chunk:
            return buf  # closed (after quit)
        buf += chunk
    return buf[: -len(PROMPT)]

def main():
    path, cmds = sys.argv[1], sys.argv[2:]
    deadline = time.time() + 10
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            s.connect(path)
            break
        except OSError:
            if time.time() > deadline:
                raise SystemExit("monitor_client: cannot connect to " + path)
            time.sleep(0.05)
    read_until_prompt(s, time.time() + 10)
    for c in cmds:
        if c.startswith("@sleep "):
            time.sleep(float(c[7:]))
            continue
        if c.startswith("@copy "):  # @copy SRC DST: a file, as it is now
            src, dst = c[6:].split(" ")
            shutil.copyfile(src, dst)
            continue
        s.sendall(c.encode() + b"\n")
        out = read_until_prompt(s, time.time() + 10)
        sys.stdout.write("> %s\n%s" % (c, out.decode("utf-8", "replace")))
        sys.stdout.flush()
    s.close()

main()
