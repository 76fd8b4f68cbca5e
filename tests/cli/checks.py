"""Pass/fail bookkeeping shared by the command-line test scripts in tests/cli.

check(name, ok, detail) prints one line per check; finish(label) prints the totals and
exits 1 when any check failed.
"""
import sys

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name} {detail}", flush=True)


def finish(label):
    print(f"{label}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
