#!/usr/bin/env python3
"""File transfers through the impairment relay (tests/e2e/impair).

Run by consumer/netns-run with tests/e2e/impair as the server (see
tests/e2e/run).  A client that behaves like webrepl_cli.py on the wire PUTs
WEBREPL_LOSS_SIZE bytes (default 1 MB) of seeded random data, checks the
file on disk, GETs it back and compares, and prints the times.
Environment: WEBREPL_HOST/PORT, WEBREPL_PASSWORD, WEBREPL_ROOT,
WEBREPL_LOSS_LABEL (what the relay does, for the printed times).
Prints one line per test and "loss: N passed, N failed".
"""
import os
import random
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wrclient import CliLike, env_addr  # noqa: E402

HOST, PORT = env_addr()
PASSWORD = os.environ["WEBREPL_PASSWORD"]
ROOT = os.environ["WEBREPL_ROOT"]
SIZE = int(os.environ.get("WEBREPL_LOSS_SIZE", str(1 << 20)))
LABEL = os.environ.get("WEBREPL_LOSS_LABEL", "through the relay")
# generous failure guard per socket operation: a segment may be lost
# several times in a row
TIMEOUT = 60.0


def test_put_get_identical():
    data = random.Random(12).randbytes(SIZE)
    name = b"lossy.bin"
    c = CliLike(HOST, PORT, timeout=TIMEOUT)
    c.login(PASSWORD)
    assert b"WebREPL connected" in c.text_until(b">>> ")
    t0 = time.monotonic()
    assert c.put(name, data) == 0, "PUT refused"
    t_put = time.monotonic() - t0
    with open(os.path.join(ROOT, name.decode()), "rb") as f:
        assert f.read() == data, "PUT file differs"
    t0 = time.monotonic()
    code, back = c.get(name)
    t_get = time.monotonic() - t0
    assert code == 0, "GET status %d" % code
    assert back == data, "GET data differs (%d of %d bytes)" % (len(back), len(data))
    c.close()
    return "%s, %d bytes: PUT %.1f s, GET %.1f s" % (LABEL, SIZE, t_put, t_get)


def main():
    passed = failed = 0
    for name, f in (("test_put_get_identical", test_put_get_identical),):
        t0 = time.monotonic()
        try:
            note = f()
            passed += 1
            print("ok   - %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
            print("note - " + note, flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL - %s: %s" % (name, e), flush=True)
            traceback.print_exc(limit=3)
    print("loss: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
