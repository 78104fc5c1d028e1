#!/usr/bin/env python3
"""Fill in the expected output of new language test cases from CPython.

usage: python3 fill_expected.py FILE.test...

A maintainer's tool, not run by ctest: pktsh follows Python's semantics,
so what CPython 3.11 prints is the expected output. For every case whose
expected section is still empty (a header, the program, "---", nothing):

  %%TEST  the program runs under CPython; its stdout becomes the expected
          section, and, if piping it would print something else
          (expression values echoed), a "--- piped" section is added.
  %%FAIL  the program runs under CPython; its stdout and the error line
          "<string>:LINE:COL: error: ExcName: message" (LINE and COL, 1-based,
          from CPython's traceback position of the failing expression)
          become the expected section.

Cases that already have an expected section are left alone: the error
lines are pktsh's own contract and may differ from CPython where pktsh
deliberately differs (64-bit ints, syntax error wording). Review the diff.
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_tests  # noqa: E402  (the file format lives there)

DRIVER = r'''
import codeop, sys, traceback
mode = sys.argv[1]
prog = sys.stdin.read()

def report(e, name):
    tb = traceback.extract_tb(e.__traceback__)
    if isinstance(e, SyntaxError):
        line, col, msg = e.lineno, e.offset, e.msg
    else:
        fr = [f for f in tb if f.filename == name] or tb
        line, col = fr[-1].lineno, (fr[-1].colno or 0) + 1
        msg = str(e)
        if isinstance(e, KeyError):
            msg = repr(e.args[0]) if e.args else ""
    text = "%s:%s:%s: error: %s" % (name, line, col, type(e).__name__)
    if msg:
        text += ": " + msg
    sys.stdout.flush()
    sys.stderr.write(text + "\n")

if mode == "c":
    try:
        exec(compile(prog, "<string>", "exec"), {"__name__": "__main__"})
    except SystemExit:
        raise
    except BaseException as e:
        report(e, "<string>")
        sys.exit(1)
    sys.exit(0)

# piped: the feeder of src/cli/repl.c, statement by statement in 'single'
g = {"__name__": "__main__"}
state = {"src": "", "start": 0, "block": False, "deco": False, "err": 0}
BLOCK = ("if", "for", "while", "def", "class", "try", "with", "async")
CONT = ("elif", "else", "except", "finally")

def word(s):
    s = s.lstrip(" \t")
    n = 0
    while n < len(s) and (s[n].isalnum() or s[n] == "_"):
        n += 1
    return s[:n]

def run_stmt():
    if state["src"].endswith("\\\n"):
        return "more"  # codeop does not see a backslash continuation
    try:
        # leading newlines: line numbers count from the first line read
        code = codeop.compile_command("\n" * (state["start"] - 1) +
                                      state["src"], "<stdin>", "single")
    except SyntaxError as e:
        report(e, "<stdin>")
        state["err"] += 1
        code = False
    if code is None:
        return "more"
    state.update(src="", block=False, deco=False)
    if code:
        try:
            exec(code, g)
        except SystemExit:
            raise
        except BaseException as e:
            report(e, "<stdin>")
            state["err"] += 1
    return "done"

def add(line):
    state["src"] += line + "\n"
    state["deco"] = line.lstrip(" \t").startswith("@")

def feed(line, lineno):
    if not state["src"]:
        if line.strip() == "" or line.lstrip().startswith("#"):
            return
        state["start"] = lineno
        state["block"] = line.lstrip().startswith("@") or word(line) in BLOCK
        add(line)
        if not state["block"]:
            run_stmt()
        return
    if not state["block"]:
        add(line)
        run_stmt()
        return
    if line.strip() == "":
        state["src"] += "\n"
        run_stmt()
        return
    if line[:1] in (" ", "\t", "#") or word(line) in CONT or state["deco"]:
        add(line)
        return
    keep = state["src"]
    state["src"] += "\n"
    if run_stmt() == "more":
        state["src"] = keep
        add(line)
        return
    feed(line, lineno)

lines = prog.split("\n")
if lines and lines[-1] == "":
    lines.pop()
for i, l in enumerate(lines, 1):
    feed(l, i)
if state["src"]:
    state["src"] += "\n"
    run_stmt()
sys.exit(1 if state["err"] else 0)
'''


def cpython(prog, mode):
    p = subprocess.run([sys.executable, "-c", DRIVER, mode],
                       input=prog.encode(), capture_output=True, timeout=60)
    return p.stdout.decode(), p.stderr.decode(), p.returncode


def fill(path):
    cases = run_tests.parse(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    inserts = {}  # line index of "---" -> lines to put after it
    for case in cases:
        if run_tests.strip_tail(case.expect) or case.piped is not None:
            continue
        prog = case.program()
        out, err, status = cpython(prog, "c")
        new = run_tests.out_lines(out)
        new = [l if l else "" for l in new]
        if case.kind == "FAIL":
            if status != 1 or not err:
                print("%s: CPython does not fail (status %d): write the "
                      "error line by hand" % (case.name, status))
                continue
            new += run_tests.out_lines(err)
        elif status != case.exit:
            print("%s: CPython exits %d, expected %d\n%s"
                  % (case.name, status, case.exit, err))
            continue
        if case.kind == "TEST" and not case.nopipe:
            pout, perr, pstatus = cpython(prog, "piped")
            if run_tests.out_lines(pout) != run_tests.out_lines(out) or perr:
                new += ["--- piped"] + run_tests.out_lines(pout) + \
                    run_tests.out_lines(perr)
        # find this case's "---" line
        i = case.line
        while lines[i] != "---":
            i += 1
        inserts[i] = new
    for i in sorted(inserts, reverse=True):
        blank = i + 1 >= len(lines) or lines[i + 1] == ""
        lines[i + 1:i + 1] = inserts[i] + ([] if blank else [""])
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("%s: filled %d case(s)" % (path, len(inserts)))


if __name__ == "__main__":
    for p in sys.argv[1:]:
        fill(p)
