#!/usr/bin/env python3
"""Command-line behaviour of the real pktsh binary.

usage: test_cli.py PKTSH_BIN

Each case runs the binary with arguments and stdin (never a terminal:
stdin is a pipe or /dev/null) and compares stdout, stderr and the exit
status exactly (a value of None is not checked; a compiled regex must
match the whole text). Prints "N passed, N failed" last and exits 1 on a
failure.
"""
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

BIN = None
TMP = None


def script(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(args, stdin=b"", env=None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True,
                       timeout=20, env=e)
    return p.stdout.decode(), p.stderr.decode(), p.returncode


def check(what, got, want):
    if want is None:
        return None
    if isinstance(want, re.Pattern):
        if not want.fullmatch(got):
            return "%s: %r does not match %r" % (what, got, want.pattern)
        return None
    if got != want:
        return "%s: got %r, expected %r" % (what, got, want)
    return None


DOUBLING = "x = 'x'\nwhile True:\n    x = x + x"
MEM_ERR = ("<string>:%s:9: error: MemoryError: memory limit of %s reached "
           "(raise it with --memory-limit SIZE or PKTSH_MEMORY_LIMIT=SIZE)\n")


def check_memory_env():
    """PKTSH_MEMORY_LIMIT sets the ceiling; the option wins over it."""
    o, e, s = run(["-c", DOUBLING], env={"PKTSH_MEMORY_LIMIT": "16M"})
    if s != 1 or e != MEM_ERR % ("3", "16 MiB"):
        return "env: status %d, stderr %r" % (s, e)
    o, e, s = run(["-c", "print(sys.getmemorylimit())"],
                  env={"PKTSH_MEMORY_LIMIT": "1G"})
    if o != "1073741824\n":
        return "env 1G: stdout %r" % o
    o, e, s = run(["--memory-limit", "2G", "-c",
                   "print(sys.getmemorylimit())"],
                  env={"PKTSH_MEMORY_LIMIT": "1G"})
    if o != "2147483648\n":
        return "option over env: stdout %r" % o
    return None


def cases():
    ok_py = script("ok.pk", "#!/usr/bin/env pktsh\n# a comment\n"
                   "import sys\nfrom scapy.all import *\n"
                   "print('args', sys.argv[1:])\nx = 3\nx\nprint(x * 2)\n")
    bad = script("bad.pk", "print('before')\ny = 1\nz = y + nope\n"
                 "print('after')\n")
    syntax = script("syntax.pk", "a = 1\nb = (2,\nc = ]\n")
    ex = script("exit.pk", "print('bye')\nexit(4)\nprint('not here')\n")
    piped = script("cmds.txt", "1 + 1\nv = 5\nv\n")
    return [
        # name, args, stdin, stdout, stderr, status
        ("version", ["--version"], b"", "pktsh 0.1.0\n", "", 0),
        ("version_short", ["-V"], b"", "pktsh 0.1.0\n", "", 0),
        ("help", ["--help"], b"",
         re.compile(r"pktsh 0\.1\.0 .*-c STATEMENTS.*-i .*-q .*--version.*",
                    re.S), "", 0),
        ("bad_option", ["-z"], b"", "",
         re.compile(r"pktsh: unknown option '-z'\nusage: pktsh .*\n"), 2),
        ("c_missing_arg", ["-c"], b"", "",
         re.compile(r"pktsh: option '-c' needs an argument\n.*", re.S), 2),
        ("c_basic", ["-c", "x = 2**10; print(x, hex(x))"], b"",
         "1024 0x400\n", "", 0),
        ("c_no_echo", ["-c", "1 + 1\nprint('only')"], b"", "only\n", "", 0),
        ("c_args", ["-c", "print(sys.argv)", "a", "b"], b"",
         "['-c', 'a', 'b']\n", "", 0),
        ("sys_exit", ["-c", "import sys\nsys.exit(6)"], b"", "", "", 6),
        ("piped_argv", [], b"sys.argv\n", "['']\n", "", 0),
        ("c_error", ["-c", "print('one')\nprint(undefined_thing)"], b"",
         "one\n",
         "<string>:2:7: error: NameError: name 'undefined_thing' is not "
         "defined\n", 1),
        ("c_syntax_error", ["-c", "x = = 1"], b"", "",
         re.compile(r"<string>:1:\d+: error: .*\n"), 1),
        ("c_exit_code", ["-c", "exit(7)"], b"", "", "", 7),
        ("c_quit", ["-c", "print(1)\nquit()\nprint(2)"], b"", "1\n", "", 0),
        ("c_ignores_stdin", ["-c", "print('c')"], b"print('stdin')\n",
         "c\n", "", 0),
        ("file_args", [ok_py, "one", "two"], b"",
         "args ['one', 'two']\n6\n", "", 0),
        ("file_error", [bad], b"", "before\n",
         "%s:3:9: error: NameError: name 'nope' is not defined\n" % bad, 1),
        ("file_syntax_error", [syntax], b"", "",
         re.compile(re.escape(syntax) + r":\d+:\d+: error: .*\n"),
         1),
        ("file_exit", [ex], b"", "bye\n", "", 4),
        ("file_missing", [os.path.join(TMP, "nofile.pk")], b"", "",
         "pktsh: cannot read '%s': No such file or directory\n"
         % os.path.join(TMP, "nofile.pk"), 2),
        ("file_dash", ["-"], b"print('from stdin')\n1 + 1\n",
         "from stdin\n", "", 0),
        ("piped_echo", [], b"1 + 1\nx = 3\nx\nprint('a')\nNone\n'q'\n",
         "2\n3\na\n'q'\n", "", 0),
        ("piped_no_banner_q", ["-q"], b"40 + 2\n", "42\n", "", 0),
        ("piped_file_redirect", [], open(piped, "rb").read(), "2\n5\n", "",
         0),
        ("piped_errors_go_on", [],
         b"print(1)\nundefined_name\nprint(2)\n1 / 0\nprint(3)\n",
         "1\n2\n3\n",
         "<stdin>:2:1: error: NameError: name 'undefined_name' is not "
         "defined\n<stdin>:4:1: error: ZeroDivisionError: division by "
         "zero\n", 1),
        ("piped_block_blank_line", [],
         b"for i in range(2):\n    print(i)\n\nprint('end')\n",
         "0\n1\nend\n", "", 0),
        ("piped_block_dedent", [],
         b"for i in range(2):\n    print(i)\nprint('end')\n",
         "0\n1\nend\n", "", 0),
        ("piped_if_else", [],
         b"if 0:\n    print('a')\nelse:\n    print('b')\nprint('c')\n",
         "b\nc\n", "", 0),
        ("piped_def_call", [],
         b"def f(x):\n    return x * 2\n\nf(4)\n", "8\n", "", 0),
        ("piped_brackets", [], b"l = [1,\n  2,\n  3]\nl\n",
         "[1, 2, 3]\n", "", 0),
        ("piped_comments", [], b"# comment\n\n   \n7 # seven\n", "7\n", "",
         0),
        ("piped_error_line_numbers", [],
         b"def f():\n    return undefined_too\n\nprint('x')\nf()\n", "x\n",
         "<stdin>:2:12: error: NameError: name 'undefined_too' is not "
         "defined\n", 1),
        ("piped_exit", [], b"print(1)\nexit(5)\nprint(2)\n", "1\n", "", 5),
        ("piped_incomplete_eof", [], b"print(1)\nx = (1,\n", "1\n",
         re.compile(r"<stdin>:2:\d+: error: .*\n"), 1),
        ("interactive_after_c_piped", ["-i", "-c", "v = 9"], b"v + 1\n",
         "10\n", "", 0),
        ("interactive_after_c_error", ["-i", "-c", "v = 9\nqqq_missing"],
         b"v + 1\n", "10\n",
         "<string>:2:1: error: NameError: name 'qqq_missing' is not defined\n", 1),
        ("interactive_after_file", ["-i", ok_py, "z"], b"x * 10\n",
         "args ['z']\n6\n30\n", "", 0),
        ("memory_limit", ["--memory-limit", "32M", "-c", DOUBLING],
         b"", "", MEM_ERR % ("3", "32 MiB"), 1),
        ("memory_limit_eq", ["--memory-limit=48M", "-c",
                             "print(sys.getmemorylimit())"], b"",
         "50331648\n", "", 0),
        ("memory_limit_none", ["--memory-limit", "none", "-c",
                               "print(sys.getmemorylimit())"], b"", "0\n",
         "", 0),
        ("memory_limit_bad", ["--memory-limit", "lots", "-c", "1"], b"",
         "", re.compile(r"pktsh: option '--memory-limit' needs a size "
                        r"such as 512M or 4G\nusage: pktsh .*\n"), 2),
        ("memory_limit_missing", ["--memory-limit"], b"", "",
         re.compile(r"pktsh: option '--memory-limit' needs a size .*", re.S),
         2),
        ("memory_limit_session_goes_on", ["--memory-limit", "32M"],
         DOUBLING.encode() + b"\nprint(len(x) > 1000)\n", "True\n",
         MEM_ERR.replace("<string>", "<stdin>") % ("3", "32 MiB"), 1),
        ("stdout_before_stderr", ["-c", "print('a')\nprint('b')\nnope"],
         b"", "a\nb\n",
         "<string>:3:1: error: NameError: name 'nope' is not defined\n", 1),
    ]


def check_interleaving():
    """stdout and stderr on one pipe keep their order."""
    r, w = os.pipe()
    p = subprocess.Popen([BIN], stdin=subprocess.PIPE, stdout=w, stderr=w)
    os.close(w)
    p.stdin.write(b"print('a')\nnope\nprint('b')\n")
    p.stdin.close()
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        out += chunk
    os.close(r)
    p.wait(timeout=20)
    want = (b"a\n<stdin>:2:1: error: NameError: name 'nope' is not "
            b"defined\nb\n")
    if out != want:
        return "got %r, expected %r" % (out, want)
    return None


def check_sigint():
    """Ctrl-C (SIGINT) stops a script: KeyboardInterrupt, status 130."""
    # the loop prints until stdout's buffer reaches the pipe: it runs
    p = subprocess.Popen([BIN, "-c", "while True:\n    print('x' * 99)\n"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    ready, _, _ = select.select([p.stdout], [], [], 10)
    line = os.read(p.stdout.fileno(), 100) if ready else b""
    if line != b"x" * 99 + b"\n":
        p.kill()
        p.communicate()
        return "script did not start: %r" % line
    time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return "SIGINT did not stop the loop"
    if p.returncode != 130 or b"KeyboardInterrupt" not in err:
        return "status %d, stderr %r" % (p.returncode, err)
    return None


def main():
    global BIN, TMP
    BIN = os.path.abspath(sys.argv[1])
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="pktsh-cli-") as TMP:
        for name, args, stdin, out, err, status in cases():
            try:
                o, e, s = run(args, stdin)
                errs = [x for x in (check("stdout", o, out),
                                    check("stderr", e, err),
                                    check("status", s, status)) if x]
            except subprocess.TimeoutExpired:
                errs = ["timed out"]
            if errs:
                failed += 1
                print("FAIL %s: %s" % (name, "; ".join(errs)))
            else:
                passed += 1
        for name, fn in (("interleaving", check_interleaving),
                         ("sigint", check_sigint),
                         ("memory_env", check_memory_env)):
            msg = fn()
            if msg:
                failed += 1
                print("FAIL %s: %s" % (name, msg))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
