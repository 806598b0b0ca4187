#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# The PV Linux side of the migration benchmark: xl's own migration and
# save/restore streams carried over one TCP connection between the Dom0s
# (xl migrate expects ssh; with -s "" it runs our relay instead).
#   migxl.py serve PORT            receiver, one connection at a time
#   migxl.py relay HOST PORT       xl migrate's pipe pair <-> the socket
#   migxl.py save NAME HOST PORT   stopped: xl save into a file, sent
#                                  over the socket; the receiver keeps it
#                                  in a file too and runs xl restore
import os, select, socket, subprocess, sys

CHUNK = 1 << 16
SAVE = '/tmp/migxl.in'
OUT = '/tmp/migxl.out'


def copy(src, dst):
    """src fd to dst fd until EOF"""
    while True:
        b = os.read(src, CHUNK)
        if not b:
            return
        mv = memoryview(b)
        while mv:
            mv = mv[os.write(dst, mv):]


def serve(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('', port))
    ls.listen(1)
    print('listening', flush=True)
    while True:
        c, _ = ls.accept()
        mode = b''
        while not mode.endswith(b'\n'):
            b = c.recv(1)
            if not b:
                break
            mode += b
        if mode == b'live\n':
            # xl's migration protocol is both ways: the socket is its
            # stdin and stdout
            r = subprocess.call(['xl', 'migrate-receive', '-e'],
                                stdin=c.fileno(), stdout=c.fileno())
        elif mode == b'stop\n':
            # xl restore opens a path: the image lands on tmpfs first, a
            # store-and-forward copy, as a stopped guest allows
            with open(SAVE, 'wb') as f:
                copy(c.fileno(), f.fileno())
            print('stop: %d bytes' % os.path.getsize(SAVE), flush=True)
            r = subprocess.call(['xl', 'restore', '-e', SAVE])
            os.unlink(SAVE)
            c.sendall(b'done %d\n' % r)
        else:
            r = -1
        print('%s rc=%d' % (mode.strip().decode(errors='replace'), r),
              flush=True)
        c.close()


def relay(host, port):
    s = socket.create_connection((host, port))
    s.sendall(b'live\n')
    ins = [0, s.fileno()]
    while ins:
        for fd in select.select(ins, [], [])[0]:
            b = os.read(fd, CHUNK)
            if fd == 0:
                if b:
                    s.sendall(b)
                else:
                    s.shutdown(socket.SHUT_WR)
                    ins.remove(0)
            elif b:
                mv = memoryview(b)
                while mv:
                    mv = mv[os.write(1, mv):]
            else:
                return 0
    return 0


def save(name, host, port):
    # xl save into a file (a path, as xl restore takes), then the file
    # over the socket: store and forward, as a stopped guest allows
    r = subprocess.call(['xl', 'save', name, OUT])
    if r:
        return 1
    s = socket.create_connection((host, port))
    s.sendall(b'stop\n')
    with open(OUT, 'rb') as f:
        copy(f.fileno(), s.fileno())
    print('migxl: sent %d bytes' % os.path.getsize(OUT), file=sys.stderr)
    os.unlink(OUT)
    s.shutdown(socket.SHUT_WR)
    ans = s.makefile().readline().split()
    if ans != ['done', '0']:
        print('migxl: receiver %r' % ans, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    a = sys.argv[1:]
    if a[:1] == ['serve'] and len(a) == 2:
        serve(int(a[1]))
    elif a[:1] == ['relay'] and len(a) == 3:
        sys.exit(relay(a[1], int(a[2])))
    elif a[:1] == ['save'] and len(a) == 4:
        sys.exit(save(a[1], a[2], int(a[3])))
    else:
        sys.exit('usage: migxl.py serve PORT | relay HOST PORT | '
                 'save NAME HOST PORT')
