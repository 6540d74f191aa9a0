#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""SMTP clients for the e2e test: floods, a mailing-list loop, a bounce storm.

  smtpflood.py connect --dst ADDR --src ADDR[,ADDR...] --rate N --count N
                       [--syn-retries N] [--session quit|bounce]
                       [--rcpt ADDR] [--tag TAG]
      Paced connection attempts: attempt i starts at i/rate seconds, from
      the i-th source (round robin), bound to it, as a non-blocking
      connect(). A connection that completes runs an SMTP session in a
      thread: read the 220 greeting and QUIT, or (bounce) deliver a
      null-sender message to --rcpt, then QUIT.

  smtpflood.py loop --dst ADDR --src ADDR --duration S [--syn-retries N]
                    [--rcpt ADDR] [--tag TAG]
      A mailing-list loop: one source re-sends the same message, one
      connection after the other, as fast as the server accepts it, for S
      seconds. A refused or timed out connection is retried at once.

The kernel, never a timer here, decides each attempt: connected, refused
(a RST) or timed out (ETIMEDOUT after --syn-retries retransmissions of
the SYN, default 1; how long that takes depends on the kernel). So
whatever the scheduling of this process, a connection the network
completed is counted as completed, and one it did not never is.

With --iface IFACE, the SYNs the sources send out of IFACE are watched
on the wire (an AF_PACKET socket, kernel timestamps): their number,
retransmissions included, and the time from the first to the last.

Both print one JSON object: attempts, connected, refused, timeout, error,
span (seconds from the first attempt to the last), wire_syns and
syn_span (--iface: SYNs seen, seconds from the first to the last),
refused_ms_max and _median, connected_by_src, sessions_ok (sessions
that ended with the server's 221), mails_ok (messages the server
accepted with 250).
"""
import argparse
import errno
import json
import ipaddress
import select
import smtplib
import socket
import struct
import sys
import threading
import time

HELO = "flood.example.net"


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def message(tag, sender):
    return (
        f"From: {sender or 'MAILER-DAEMON@bounce.example.net'}\r\n"
        f"To: postmaster@example.test\r\n"
        f"Subject: e2e {tag}\r\n"
        f"X-E2E-Id: {tag}\r\n"
        f"\r\n"
        f"This message is part of the mxgate end-to-end test ({tag}).\r\n"
    ).encode()


class SynWatch(threading.Thread):
    """SYNs (SYN set, ACK clear) to PORT from SRCS leaving IFACE."""

    ETH_P_ALL = 0x0003
    SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)

    def __init__(self, iface, srcs, port):
        super().__init__(daemon=True)
        self.srcs = {ipaddress.ip_address(s).packed for s in srcs}
        self.port = port
        self.count = 0
        self.first = self.last = None
        self.stopping = False
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(self.ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, self.SO_TIMESTAMPNS, 1)
        self.sock.bind((iface, 0))
        self.sock.settimeout(0.1)

    def frame(self, data, ts):
        if len(data) < 14:
            return
        etype = struct.unpack_from("!H", data, 12)[0]
        if etype == 0x0800 and len(data) >= 34:
            ihl = (data[14] & 0x0F) * 4
            if data[23] != 6:
                return
            src, tcp = data[26:30], 14 + ihl
        elif etype == 0x86DD and len(data) >= 54:
            if data[20] != 6:
                return
            src, tcp = data[22:38], 54
        else:
            return
        if len(data) < tcp + 14 or src not in self.srcs:
            return
        dport = struct.unpack_from("!H", data, tcp + 2)[0]
        flags = data[tcp + 13]
        if dport == self.port and flags & 0x02 and not flags & 0x10:
            self.count += 1
            if self.first is None:
                self.first = ts
            self.last = ts

    def run(self):
        while not self.stopping:
            try:
                data, anc, _, addr = self.sock.recvmsg(256, 64)
            except socket.timeout:
                continue
            if addr[2] != socket.PACKET_OUTGOING:
                continue
            ts = time.time()
            for level, kind, val in anc:
                if level == socket.SOL_SOCKET and kind == self.SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", val[:16])
                    ts = sec + nsec / 1e9
            self.frame(data, ts)

    def stop(self):
        time.sleep(0.2)  # what is still in the socket's queue
        self.stopping = True
        self.join(2)


class Session(threading.Thread):
    """An SMTP session on a socket whose connect() has completed."""

    def __init__(self, sock, kind, rcpt, tag, results):
        super().__init__(daemon=True)
        self.sock, self.kind, self.rcpt, self.tag = sock, kind, rcpt, tag
        self.results = results

    def run(self):
        s = smtplib.SMTP(local_hostname=HELO)
        self.sock.setblocking(True)
        self.sock.settimeout(15)
        s.sock = self.sock
        try:
            code, _ = s.getreply()
            if code != 220:
                raise smtplib.SMTPException(f"greeting {code}")
            if self.kind == "bounce":
                s.ehlo()
                s.sendmail("", [self.rcpt], message(self.tag, None))
                self.results.add("mails_ok")
            code, _ = s.docmd("QUIT")
            if code == 221:
                self.results.add("sessions_ok")
        except (OSError, smtplib.SMTPException) as e:
            self.results.add("session_errors")
            self.results.note(f"session: {e}")
        finally:
            s.close()


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = {k: 0 for k in ("attempts", "connected", "refused", "timeout",
                                 "error", "sessions_ok", "session_errors",
                                 "mails_ok")}
        self.by_src = {}
        self.refused_ms = []
        self.notes = []
        self.first = self.last = None
        self.watch = None

    def add(self, key, n=1):
        with self.lock:
            self.c[key] += n

    def note(self, text):
        with self.lock:
            if len(self.notes) < 5:
                self.notes.append(text)

    def attempt(self, now):
        self.add("attempts")
        if self.first is None:
            self.first = now
        self.last = now

    def connected(self, src):
        self.add("connected")
        with self.lock:
            self.by_src[src] = self.by_src.get(src, 0) + 1

    def dump(self):
        ms = sorted(self.refused_ms)
        out = dict(self.c)
        out["span"] = round((self.last - self.first), 4) if self.first else 0
        w = self.watch
        if w:
            out["wire_syns"] = w.count
            out["syn_span"] = round(w.last - w.first, 4) if w.count else 0
        out["refused_ms_max"] = round(ms[-1], 2) if ms else None
        out["refused_ms_median"] = round(ms[len(ms) // 2], 2) if ms else None
        out["connected_by_src"] = self.by_src
        out["notes"] = self.notes
        return out


def new_socket(a, src):
    sock = socket.socket(family_of(a.dst), socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, a.syn_retries)
    sock.bind((src, 0))
    return sock


def watch(a, srcs, res):
    if a.iface:
        res.watch = SynWatch(a.iface, srcs, a.port)
        res.watch.start()


def cmd_connect(a):
    srcs = [s for s in a.src.split(",") if s]
    res = Results()
    watch(a, srcs, res)
    poller = select.poll()
    pending = {}  # fd -> (sock, src, start)
    sessions = []
    t0 = time.monotonic()
    launched = 0
    # Only against a kernel that never answers: it decides long before.
    backstop = 5.0 + 2.0 * a.syn_retries
    while launched < a.count or pending:
        now = time.monotonic()
        while launched < a.count and now >= t0 + launched / a.rate:
            src = srcs[launched % len(srcs)]
            sock = None
            try:
                sock = new_socket(a, src)
                sock.setblocking(False)
                start = time.monotonic()
                res.attempt(start)
                rc = sock.connect_ex((a.dst, a.port))
            except OSError as e:
                res.add("error")
                res.note(f"{src}: {e}")
                if sock:
                    sock.close()
                launched += 1
                continue
            launched += 1
            if rc in (errno.EINPROGRESS, 0):
                pending[sock.fileno()] = (sock, src, start)
                poller.register(sock.fileno(), select.POLLOUT)
            else:
                res.add("refused" if rc == errno.ECONNREFUSED else "error")
                sock.close()
            now = time.monotonic()
        # Wait for the next launch, or an outcome.
        wait = 0.2
        if launched < a.count:
            wait = min(wait, max(0.0, t0 + launched / a.rate - now))
        for fd, _ in poller.poll(wait * 1000.0):
            sock, src, start = pending.pop(fd)
            poller.unregister(fd)
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                res.connected(src)
                t = Session(sock, a.session, a.rcpt, a.tag, res)
                t.start()
                sessions.append(t)
            elif err == errno.ECONNREFUSED:
                res.add("refused")
                with res.lock:
                    res.refused_ms.append((time.monotonic() - start) * 1e3)
                sock.close()
            elif err == errno.ETIMEDOUT:
                res.add("timeout")
                sock.close()
            else:
                res.add("error")
                res.note(f"{src}: {errno.errorcode.get(err, err)}")
                sock.close()
        now = time.monotonic()
        for fd, (sock, src, start) in list(pending.items()):
            if now - start >= backstop:
                del pending[fd]
                poller.unregister(fd)
                res.add("error")
                res.note(f"{src}: no outcome after {backstop} s")
                sock.close()
    deadline = time.monotonic() + 20
    for t in sessions:
        t.join(max(0.0, deadline - time.monotonic()))
    return res


class LoopSMTP(smtplib.SMTP):
    """smtplib on our socket: bound, --syn-retries, the kernel's verdict."""

    def __init__(self, a):
        self.a = a
        super().__init__(local_hostname=HELO)

    def _get_socket(self, host, port, timeout):
        sock = new_socket(self.a, self.a.src)
        try:
            sock.connect((host, port))
        except OSError:
            sock.close()
            raise
        sock.settimeout(15)
        return sock


def cmd_loop(a):
    res = Results()
    end = time.monotonic() + a.duration
    msg = message(a.tag, "list@lists.example.net")
    watch(a, [a.src], res)
    while time.monotonic() < end:
        start = time.monotonic()
        res.attempt(start)
        s = LoopSMTP(a)
        try:
            s.connect(a.dst, a.port)
        except ConnectionRefusedError:
            res.add("refused")
            res.refused_ms.append((time.monotonic() - start) * 1e3)
            s.close()
            time.sleep(0.002)
            continue
        except (socket.timeout, TimeoutError):
            res.add("timeout")
            s.close()
            continue
        except (OSError, smtplib.SMTPException) as e:
            res.add("error")
            res.note(str(e))
            s.close()
            time.sleep(0.01)
            continue
        res.connected(a.src)
        try:
            s.sendmail("list@lists.example.net", [a.rcpt], msg)
            res.add("mails_ok")
            s.quit()
            res.add("sessions_ok")
        except (OSError, smtplib.SMTPException) as e:
            res.add("session_errors")
            res.note(f"session: {e}")
        finally:
            s.close()
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("connect")
    c.add_argument("--src", required=True)
    c.add_argument("--rate", type=float, required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--session", choices=("quit", "bounce"), default="quit")
    lp = sub.add_parser("loop")
    lp.add_argument("--src", required=True)
    lp.add_argument("--duration", type=float, required=True)
    for q in (c, lp):
        q.add_argument("--dst", required=True)
        q.add_argument("--port", type=int, default=25)
        q.add_argument("--syn-retries", type=int, default=1)
        q.add_argument("--iface")
        q.add_argument("--rcpt", default="postmaster@example.test")
        q.add_argument("--tag", default="flood")
    a = p.parse_args()
    res = cmd_connect(a) if a.cmd == "connect" else cmd_loop(a)
    if res.watch:
        res.watch.stop()
    json.dump(res.dump(), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
