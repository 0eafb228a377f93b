"""The console in a terminal: lines can be edited and earlier questions recalled with the arrow keys (readline)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest
from helpers import ROOT, environment

from bot import texts

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"
UP = "\x1b[A"


class Terminal:
    """`python -m bot --console` on a pseudo-terminal, typed into key by key."""

    def __init__(self, **values: str) -> None:
        self.master, slave = pty.openpty()
        env = environment(LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm", **values)
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "--console"], stdin=slave, stdout=slave,
                                        stderr=slave, cwd=ROOT, env=env, close_fds=True)
        os.close(slave)
        self.output = b""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, text: str, count: int = 1, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.output.decode(errors="replace").count(text) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} (x{count}) in {self.output.decode(errors='replace')[-500:]!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the process ended
                    break

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.master)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_up_arrow_recalls_the_last_question_in_the_console(seed_index):
    terminal = Terminal(INDEX_DIR=str(seed_index))
    try:
        terminal.wait_for(texts.CONSOLE_PROMPT)
        terminal.type(QUESTION + "\r")
        terminal.wait_for(texts.CONSOLE_PROMPT, count=2)
        answers = terminal.output.decode().count(ANSWER)
        assert answers >= 1
        terminal.type(UP + "\r")
        terminal.wait_for(texts.CONSOLE_PROMPT, count=3)
        assert terminal.output.decode().count(ANSWER) >= 2 * answers
        assert "^[[A" not in terminal.output.decode()
    finally:
        terminal.close()
