#!/usr/bin/env python3
"""Run pktsh language tests (jq-style data files) through the real binary.

usage: run_tests.py PKTSH_BIN FILE.test...  [-k SUBSTRING] [-v]

FILE FORMAT
    A file is a list of cases. Each case starts with a header line:

        %%TEST [name] [exit=N]    the program runs without error
        %%FAIL [name]             the program stops with an error

    then the program, a line "---", and what it must print. The expected
    section runs up to the next header (or the end of the file); its
    trailing empty lines are ignored, and so are those of the output.
    Lines before the first header, and lines starting with "%%#", are
    comments. Programs may hold blank lines, comments and "#!" lines.

    In the expected section of a %%FAIL case, the line(s) starting with
    "<string>:" are the exact text expected on stderr, written as for
    `pktsh -c`:  <string>:LINE:COL: error: ExcName: message  ; the other
    lines are the expected stdout.

    An optional second section "--- piped" gives what piping the program
    into pktsh prints, when it differs from the first (piped input echoes
    expression values, like Python's REPL); its error lines start with
    "<stdin>:".

    exit=N: the exit status expected (exit(N) in the program); default 0
    for %%TEST and 1 for %%FAIL.
    stderr=any: whatever a %%TEST prints on stderr (warnings) is accepted.
    In an expected stdout line, "%%ANY%%" matches any text (for values
    that depend on the machine, such as a gateway's MAC address).

HOW EACH CASE RUNS (three modes, all must pass)
    c       pktsh -c PROGRAM            stderr must equal the error lines
    file    pktsh CASE.pk               the same, with <string> -> the path
    piped   pktsh < PROGRAM             %%TEST: stdout (the "--- piped"
            section if any), empty stderr and the status must match.
            %%FAIL: piped input goes on after an error, so only the
            status (1) and the first stderr line (<string> -> <stdin>) are
            checked, unless a "--- piped" section says all.

A case is skipped in piped mode if its header has the word "nopipe".
A case whose header has the word "netns" runs in a new, empty network
namespace (`unshare -n`, with only `lo`, up): for programs that would
otherwise look up this machine's routes or neighbours, so that no test
can ever put a packet on a real network. Where namespaces cannot be made
(not root) such cases are reported as skipped.
The last line printed is "N passed, N failed"; the exit status is 1 if
anything failed.
"""
import difflib
import os
import re
import subprocess
import sys
import tempfile


class Case:
    def __init__(self, path, line, kind, words):
        self.path, self.line, self.kind = path, line, kind
        self.name = "%s:%d" % (os.path.basename(path), line)
        self.exit = 0 if kind == "TEST" else 1
        self.nopipe = False
        self.anyerr = False
        self.netns = False
        for w in words:
            if w.startswith("exit="):
                self.exit = int(w[5:])
            elif w == "nopipe":
                self.nopipe = True
            elif w == "stderr=any":
                self.anyerr = True
            elif w == "netns":
                self.netns = True
            else:
                self.name += " " + w
        self.prog = []
        self.expect = []
        self.piped = None

    def program(self):
        return "".join(l + "\n" for l in self.prog)


def parse(path):
    cases, case, section = [], None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        if line.startswith("%%#"):
            continue
        m = re.match(r"%%(TEST|FAIL)\b(.*)$", line)
        if m:
            case = Case(path, n, m.group(1), m.group(2).split())
            cases.append(case)
            section = case.prog
            continue
        if case is None:
            continue
        if line == "---" and section is case.prog:
            section = case.expect
            continue
        if line == "--- piped" and section is case.expect:
            case.piped = []
            section = case.piped
            continue
        section.append(line)
    return cases


def strip_tail(lines):
    lines = list(lines)
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def split_expect(lines, prefix):
    out = [l for l in lines if not l.startswith(prefix + ":")]
    err = [l for l in lines if l.startswith(prefix + ":")]
    return strip_tail(out), err


def out_lines(text):
    return strip_tail(text.split("\n"))


NETNS = ["unshare", "-n", "sh", "-c",
         'ip link set lo up 2>/dev/null; exec "$0" "$@"']


def netns_works():
    try:
        return subprocess.run(NETNS + ["true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run(binary, args, stdin, netns=False):
    env = dict(os.environ, NO_COLOR="1")
    cmd = [binary] + args
    if netns:
        cmd = NETNS + cmd
    try:
        p = subprocess.run(cmd, input=stdin.encode(),
                           capture_output=True, timeout=30, env=env)
    except subprocess.TimeoutExpired:
        return None
    return (p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), p.returncode)


def same(got, want):
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if "%%ANY%%" in w:
            rx = ".*".join(re.escape(part) for part in w.split("%%ANY%%"))
            if not re.fullmatch(rx, g):
                return False
        elif g != w:
            return False
    return True


def diff(what, got, want):
    if len(got) + len(want) > 8:
        d = difflib.unified_diff(want, got, "expected", "got", lineterm="",
                                 n=1)
        return "%s differs:\n    %s" % (what, "\n    ".join(d))
    return "%s: expected\n    %s\n  got\n    %s" % (
        what, "\n    ".join(want) or "(nothing)",
        "\n    ".join(got) or "(nothing)")


def check_case(binary, case, tmp):
    """Returns a list of failure messages (empty when the case passes)."""
    prog = case.program()
    problems = []
    path = os.path.join(tmp, "case.pk")
    with open(path, "w", encoding="utf-8") as f:
        f.write(prog)
    want_out, want_err = split_expect(case.expect, "<string>")
    for mode, args, stdin, name in (("c", ["-c", prog], "", "<string>"),
                                    ("file", [path], "", path)):
        r = run(binary, args, stdin, case.netns)
        if r is None:
            problems.append("[%s] timed out" % mode)
            continue
        out, err, status = r
        err_l = out_lines(err)
        exp_err = [l.replace("<string>", name, 1) for l in want_err]
        if not same(out_lines(out), want_out):
            problems.append("[%s] " % mode + diff("stdout", out_lines(out),
                                                  want_out))
        if err_l != exp_err and not case.anyerr:
            problems.append("[%s] " % mode + diff("stderr", err_l, exp_err))
        if status != case.exit:
            problems.append("[%s] exit status %d, expected %d"
                            % (mode, status, case.exit))
    if case.nopipe:
        return problems
    r = run(binary, [], prog, case.netns)
    if r is None:
        return problems + ["[piped] timed out"]
    out, err, status = r
    if case.piped is not None:
        p_out, p_err = split_expect(case.piped, "<stdin>")
    else:
        p_out = want_out
        p_err = [l.replace("<string>", "<stdin>", 1) for l in want_err]
    err_l = out_lines(err)
    if case.kind == "FAIL" and case.piped is None:
        if err_l[:1] != p_err[:1]:
            problems.append("[piped] " + diff("first stderr line", err_l[:1],
                                              p_err[:1]))
    else:
        if not same(out_lines(out), p_out):
            problems.append("[piped] " + diff("stdout", out_lines(out),
                                              p_out))
        if err_l != p_err and not case.anyerr:
            problems.append("[piped] " + diff("stderr", err_l, p_err))
    if status != case.exit:
        problems.append("[piped] exit status %d, expected %d"
                        % (status, case.exit))
    return problems


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    keep = None
    if "-k" in argv:
        i = argv.index("-k")
        keep = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) < 3:
        print(__doc__)
        return 2
    binary = os.path.abspath(argv[1])
    passed = failed = 0
    can_netns = None
    with tempfile.TemporaryDirectory(prefix="pktsh-lang-") as tmp:
        for path in argv[2:]:
            for case in parse(path):
                if keep and keep not in case.name and keep not in case.program():
                    continue
                if case.netns:
                    if can_netns is None:
                        can_netns = netns_works()
                    if not can_netns:
                        print("skip %s: cannot make a network namespace"
                              % case.name)
                        continue
                problems = check_case(binary, case, tmp)
                if problems:
                    failed += 1
                    print("FAIL %s\n  program:\n    %s\n  %s" % (
                        case.name, "\n    ".join(case.prog),
                        "\n  ".join(problems)))
                else:
                    passed += 1
                    if verbose:
                        print("ok   %s" % case.name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
