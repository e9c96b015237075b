"""A tiny SMTP server for the tests: it speaks just enough SMTP for smtplib,
records every message delivered, and can refuse a recipient a few times (a
transient 451) to make a job fail in the middle of its work."""

from __future__ import annotations

import socketserver
import threading
from collections import Counter
from email import message_from_bytes


class SmtpSink:
    def __init__(self):
        self.messages: list = []
        self.refuse: Counter = Counter()  # address -> how many more times to refuse it
        self._lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self._reply("220 sink ready")
                data, rcpts = None, []
                while line := self.rfile.readline():
                    if data is not None:
                        if line in (b".\r\n", b".\n"):
                            sink._delivered(b"".join(data), rcpts)
                            data, rcpts = None, []
                            self._reply("250 queued")
                        else:
                            data.append(line[1:] if line.startswith(b"..") else line)
                        continue
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self._reply("250 sink")
                    elif verb == b"RCPT":
                        address = line.split(b":", 1)[1].strip(b" <>\r\n").decode()
                        if sink._refused(address):
                            self._reply("451 try again later")
                        else:
                            rcpts.append(address)
                            self._reply("250 ok")
                    elif verb == b"DATA":
                        data = []
                        self._reply("354 go on")
                    elif verb == b"QUIT":
                        self._reply("221 bye")
                        return
                    else:  # HELO, MAIL, RSET, NOOP
                        self._reply("250 ok")

            def _reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _refused(self, address: str) -> bool:
        with self._lock:
            if self.refuse[address] > 0:
                self.refuse[address] -= 1
                return True
            return False

    def _delivered(self, raw: bytes, rcpts: list[str]) -> None:
        with self._lock:
            self.messages.append((rcpts, message_from_bytes(raw)))

    def count_to(self, address: str) -> int:
        return sum(address in rcpts for rcpts, _ in self.messages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
