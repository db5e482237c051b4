#!/usr/bin/env python3
"""Headless Chromium logs in to the WebREPL server from a page.

Runs inside the server's namespace (consumer/netns-run).  Starts Debian's
Chromium headless with a DevTools port on loopback, opens browser.html (which
connects with the browser's own WebSocket: masked frames, "\r" after the
password, a UTF-8 command) and reads the page title through the DevTools
protocol until it says PASS or FAIL.  Prints "browser: N passed, N failed".
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import websocket

HOST = os.environ.get("WEBREPL_HOST", "192.0.2.2")
PORT = os.environ.get("WEBREPL_PORT", "8266")
PASSWORD = os.environ["WEBREPL_PASSWORD"]
PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser.html")
DEVTOOLS = 9222
# failure guard of the whole run, seconds: Chromium's start, the page's own
# guard (100 s, browser.html) and the report; never the expected time
GUARD = 150


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def main():
    binary = chromium_binary()
    if binary is None:
        print("FAIL - chromium is not installed (apt-get install chromium)")
        print("browser: 0 passed, 1 failed")
        return 1
    profile = tempfile.mkdtemp(prefix="wr-chromium.")
    url = "file://%s#%s:%s:%s" % (PAGE, HOST, PORT, urllib.parse.quote(PASSWORD, safe=""))
    proc = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--user-data-dir=" + profile,
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=%d" % DEVTOOLS, url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    title = "FAIL: no answer from Chromium"
    try:
        deadline = time.time() + GUARD
        target = None
        while time.time() < deadline and target is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json" % DEVTOOLS, timeout=2) as r:
                    for t in json.load(r):
                        if t.get("type") == "page" and "webSocketDebuggerUrl" in t:
                            target = t["webSocketDebuggerUrl"]
            except OSError:
                time.sleep(0.2)
        if target is not None:
            ws = websocket.create_connection(target, timeout=GUARD, suppress_origin=True)
            n = 0
            while time.time() < deadline:
                n += 1
                ws.send(json.dumps({"id": n, "method": "Runtime.evaluate",
                                    "params": {"expression": "document.title"}}))
                while True:
                    msg = json.loads(ws.recv())
                    if msg.get("id") == n:
                        break
                title = msg.get("result", {}).get("result", {}).get("value", "")
                if title.startswith("PASS") or title.startswith("FAIL"):
                    break
                time.sleep(0.2)
            ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    if title == "PASS":
        print("ok   - headless Chromium: websocket login, UTF-8 round trip, invalid bytes replaced (link kept), close")
        print("browser: 1 passed, 0 failed")
        return 0
    print("FAIL - headless Chromium: %s" % title)
    print("browser: 0 passed, 1 failed")
    return 1


if __name__ == "__main__":
    sys.exit(main())
