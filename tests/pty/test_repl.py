#!/usr/bin/env python3
"""Drive the real pktsh binary through a pseudo-terminal.

usage: test_repl.py PKTSH_BIN [TEST...]     (no TEST: run them all)

Each test starts the shell on a fresh pty (HOME is a temporary folder,
TERM=xterm, INPUTRC a fixed file, so the user's setup plays no part),
types keys and waits for text. Every wait is bounded (TIMEOUT seconds);
on a timeout the test fails and prints what the terminal showed.
Only python3's standard library is used.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time

TIMEOUT = 5.0
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


class Failure(Exception):
    pass


class Shell:
    def __init__(self, binary, home, args=(), env_extra=None, unset=()):
        env = dict(os.environ)
        env.update({"TERM": "xterm", "INPUTRC": os.path.join(home, ".inputrc"),
                    "HOME": home, "LC_ALL": "C.UTF-8"})
        env.pop("NO_COLOR", None)
        for k in unset:
            env.pop(k, None)
        if env_extra:
            env.update(env_extra)
        with open(os.path.join(home, ".inputrc"), "w") as f:
            f.write("set enable-bracketed-paste off\nset bell-style none\n")
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execve(binary, [binary] + list(args), env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
        self.raw = b""   # everything the terminal showed
        self.pos = 0     # where the next expect() starts looking (in text)
        self.status = None

    @property
    def text(self):
        t = ANSI.sub(b"", self.raw).replace(b"\r\n", b"\n").replace(b"\r", b"")
        return t.decode("utf-8", "replace")

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            data = b""
        if not data:
            return None
        self.raw += data
        return True

    def expect(self, pattern, timeout=TIMEOUT):
        """Wait until regex `pattern` shows up after the last match."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = end - time.monotonic()
            if left <= 0 or self._read(left) is None:
                raise Failure("timed out waiting for %r; terminal showed:\n%s"
                              % (pattern, self.text[-1500:]))

    def idle(self, timeout=TIMEOUT):
        """Wait until the shell shows a prompt and waits for a key: keys
        typed while a statement runs reach a terminal in cooked mode,
        where Ctrl-D or Ctrl-C mean something else."""
        end = time.monotonic() + timeout
        while not re.search(r"(>>>|\.\.\.) $", self.text):
            left = end - time.monotonic()
            if left <= 0 or self._read(left) is None:
                raise Failure("no prompt; terminal showed:\n"
                              + self.text[-1500:])

    def eof(self):
        self.idle()
        self.send("\x04")

    def send(self, s):
        os.write(self.fd, s.encode())

    def line(self, s, reply=None):
        self.send(s + "\r")
        if reply is not None:
            self.expect(reply)

    def wait(self, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                return self.status
            self._read(0.05)
        raise Failure("pktsh did not exit; terminal showed:\n" + self.text[-1500:])

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        os.close(self.fd)


PROMPT = r">>> "
MORE = r"\.\.\. "


def t_banner(sh, home):
    sh.expect(r"pktsh 0\.1\.0 .*help\(\).*Ctrl-D")
    sh.expect(PROMPT)
    sh.line("1 + 2", r"\n3\n")
    sh.expect(PROMPT)
    sh.line("'pk' * 2", r"\n'pkpk'\n")
    sh.expect(PROMPT)
    sh.eof()
    if sh.wait() != 0:
        raise Failure("Ctrl-D: exit status %s, expected 0" % sh.status)


def t_quiet(sh, home):
    sh.expect(PROMPT)
    if "pktsh 0.1.0" in sh.text:
        raise Failure("-q printed the banner")
    sh.eof()
    sh.wait()


def t_continuation(sh, home):
    sh.expect(PROMPT)
    sh.line("for i in range(3):", MORE)
    sh.line("    print(i * 10)", MORE)
    sh.line("", r"\n0\n10\n20\n")
    sh.expect(PROMPT)
    sh.line("total = (1 +", MORE)
    sh.line("  2)")
    sh.expect(PROMPT)
    sh.line("total", r"\n3\n")
    sh.eof()
    sh.wait()


def t_history(sh, home):
    sh.expect(PROMPT)
    sh.line("hist_marker = 41")
    sh.expect(PROMPT)
    sh.eof()
    if sh.wait() != 0:
        raise Failure("exit status %s" % sh.status)
    path = os.path.join(home, ".pktsh_history")
    if not os.path.exists(path):
        raise Failure("no history file at $HOME/.pktsh_history")
    with open(path) as f:
        if "hist_marker = 41" not in f.read():
            raise Failure("history file lacks the line typed")
    # a new session finds it: Ctrl-P recalls the line
    sh2 = Shell(sh.binary, home, ["-q"])
    try:
        sh2.expect(PROMPT)
        sh2.send("\x10")
        sh2.expect(r"hist_marker = 41")
        sh2.send("\r")
        sh2.expect(PROMPT)
        sh2.line("hist_marker + 1", r"\n42\n")
        sh2.eof()
        sh2.wait()
    finally:
        sh2.close()


def t_no_home(sh, home):
    sh.expect(PROMPT)
    sh.line("6 * 7", r"\n42\n")
    sh.eof()
    if sh.wait() != 0:
        raise Failure("exit status %s without a usable HOME" % sh.status)


def t_completion(sh, home):
    sh.expect(PROMPT)
    sh.send("pri\t")
    sh.expect(r"print")
    sh.line("(7)", r"\n7\n")
    sh.expect(PROMPT)
    sh.line("somevariable = [1]")
    sh.expect(PROMPT)
    sh.send("somev\t")
    sh.expect(r"somevariable")
    sh.send(".app\t")
    sh.expect(r"append")
    sh.line("(5)")
    sh.expect(PROMPT)
    sh.line("somevariable", r"\n\[1, 5\]\n")
    sh.expect(PROMPT)
    # two tabs list the methods of a list (full dotted names)
    sh.send("somevariable.\t\t")
    sh.expect(r"somevariable\.append")
    sh.expect(r"somevariable\.pop")
    sh.send("\x15")  # Ctrl-U: drop the line
    # never calls functions: no completion after a call
    sh.send("len(somevariable).\t\t\x15")
    sh.line("'done'", r"\n'done'\n")
    sh.eof()
    sh.wait()


def t_fields(sh, home):
    sh.expect(PROMPT)
    sh.send("p = IP(ds\t")
    sh.expect(r"IP\(dst=")
    sh.line('"198.18.0.9")')
    sh.expect(PROMPT)
    sh.line("p.dst", r"\n'198\.18\.0\.9'\n")
    sh.send("p.ttl\t")  # attribute completion of a packet value
    sh.line("", r"\n64\n")
    sh.eof()
    sh.wait()


def t_interrupt(sh, home):
    sh.expect(PROMPT)
    sh.line("counter = 7")
    sh.expect(PROMPT)
    sh.line("while True:", MORE)
    sh.line("    counter = counter", MORE)
    sh.line("")
    time.sleep(0.3)
    sh.send("\x03")
    sh.expect(r"KeyboardInterrupt")
    sh.expect(PROMPT)
    sh.line("counter", r"\n7\n")
    sh.expect(PROMPT)
    # Ctrl-C at the prompt drops the line typed so far
    sh.send("garbage garbage")
    time.sleep(0.1)
    sh.send("\x03")
    sh.expect(r"KeyboardInterrupt")
    sh.expect(PROMPT)
    sh.line("counter + 1", r"\n8\n")
    sh.eof()
    if sh.wait() != 0:
        raise Failure("exit status %s" % sh.status)


def t_error(sh, home):
    sh.expect(PROMPT)
    sh.line("x = Ehter()")
    m = sh.expect(r"\n( *)\^\n")
    if len(m.group(1)) != 8:
        raise Failure("caret at column %d, expected 8 (under 'E')"
                      % len(m.group(1)))
    sh.expect(r"NameError: name 'Ehter' is not defined")
    if b"\x1b[1;31m" not in sh.raw:
        raise Failure("error not in colour on a terminal")
    sh.expect(PROMPT)
    sh.line("1 / 0")
    sh.expect(r"\n {4}\^\nZeroDivisionError: division by zero\n")
    sh.expect(PROMPT)
    # an error on an earlier line of a block: that line is shown again
    sh.line("for i in range(1):", MORE)
    sh.line("    q = undefined_in_block", MORE)
    sh.line("    q = 2", MORE)
    sh.line("")
    sh.expect(r"\n {8}q = undefined_in_block\n {12}\^\n"
              r"NameError: name 'undefined_in_block' is not defined\n")
    sh.expect(PROMPT)
    sh.line("y = 5")
    sh.expect(PROMPT)
    sh.line("y", r"\n5\n")
    sh.eof()
    if sh.wait() != 0:
        raise Failure("exit status %s after errors, expected 0" % sh.status)


def t_no_color(sh, home):
    sh.expect(PROMPT)
    sh.line("undefined_name")
    sh.expect(r"NameError")
    sh.expect(PROMPT)
    if b"\x1b[1;31m" in sh.raw or b"\x1b[31m" in sh.raw:
        raise Failure("colour despite NO_COLOR")
    sh.eof()
    sh.wait()


def t_exit(sh, home):
    sh.expect(PROMPT)
    sh.line("exit(3)")
    if sh.wait() != 3:
        raise Failure("exit(3): status %s" % sh.status)


def t_after_script(sh, home):
    # -i: the script's variables are there at the prompt
    sh.expect(PROMPT)
    sh.line("from_script * 2", r"\n84\n")
    sh.eof()
    sh.wait()


TESTS = {
    "banner": (t_banner, [], {}, ()),
    "quiet": (t_quiet, ["-q"], {}, ()),
    "continuation": (t_continuation, ["-q"], {}, ()),
    "history": (t_history, ["-q"], {}, ()),
    "no_home": (t_no_home, ["-q"], {}, ("HOME",)),
    "ro_home": (t_no_home, ["-q"], {"HOME": "/nonexistent/pktsh"}, ()),
    "completion": (t_completion, ["-q"], {}, ()),
    "fields": (t_fields, ["-q"], {}, ()),
    "interrupt": (t_interrupt, ["-q"], {}, ()),
    "error": (t_error, ["-q"], {}, ()),
    "no_color": (t_no_color, ["-q"], {"NO_COLOR": "1"}, ()),
    "exit": (t_exit, ["-q"], {}, ()),
    "after_script": (t_after_script, ["-i", "-c", "from_script = 42"], {}, ()),
}


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or [n for n in TESTS if n != "fields"]
    passed = failed = 0
    for name in names:
        fn, args, env, unset = TESTS[name]
        home = tempfile.mkdtemp(prefix="pktsh-pty-")
        sh = Shell(binary, home, args, env, unset)
        sh.binary = binary
        try:
            fn(sh, home)
            passed += 1
            print("ok   %s" % name)
        except Failure as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        finally:
            sh.close()
            shutil.rmtree(home, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
