#!/usr/bin/env python3
"""chromium_click.py — click a block on report.html's interactive map, as a
person would, in headless Chromium driven over the DevTools protocol (a
pipe: --remote-debugging-pipe, no port, no library but Python's own).

  chromium_click.py CHROMIUM REPORT BLOCK_ID SCREENSHOT

Opens the report at 1280 × 900, waits for the map to be ready, brings the
block into view (the map is panned and zoomed through window.ibmap, as a
user would with the mouse), clicks the point inside the block with real
mouse events (Input.dispatchMouseEvent: pressed and released, through the
browser's hit testing and Leaflet's canvas), and prints one JSON object:

  {"popup": "<the popup's text>", "console": [...], "requests": [...],
   "block_point": {...}}

console: every console message, uncaught exception and log entry (CSP
violations are log entries) of the page; requests: every URL the page
asked for that is not file: or data:.  The screenshot is taken with the
popup open.  Exit status 0 when the page was driven to the end, 1 when
not (the JSON then says where it stopped).
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, exe):
        self.profile = tempfile.mkdtemp(prefix="ibmap-cdp-")
        r_to_child, w_to_child = os.pipe()
        r_from_child, w_from_child = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        def child_fds():
            # Through high numbers first, so that neither lands on the
            # other; then 3 and 4, kept by pass_fds below.
            a, b = os.dup2(r_to_child, 100), os.dup2(w_from_child, 101)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-pipe",
             "--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=child_fds,
            pass_fds=(3, 4))
        os.close(r_to_child)
        os.close(w_from_child)
        self.w = os.fdopen(w_to_child, "wb")
        self.r = os.fdopen(r_from_child, "rb")
        self.next_id = 0
        self.buf = b""
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no message from Chromium")
            chunk = os.read(self.r.fileno(), 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        self.w.write(json.dumps(msg).encode() + b"\0")
        self.w.flush()
        deadline = time.time() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, timeout=60):
        deadline = time.time() + timeout
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method:
                return m
            if "method" in m:
                self.events.append(m)

    def pump(self, seconds):
        """Take in events for a while (the pipe is read in send())."""
        end = time.time() + seconds
        while time.time() < end:
            self.evaluate("1")
            time.sleep(0.1)

    def evaluate(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate {expr}: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.profile])


def main():
    exe, report, block_id, shot = sys.argv[1:5]
    out = {"popup": None, "console": [], "requests": [], "stage": "start"}
    b = Browser(exe)
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"}, session=False)
        b.session = b.send("Target.attachToTarget",
                           {"targetId": target["targetId"], "flatten": True},
                           session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            b.send(domain + ".enable")
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        out["stage"] = "navigate"
        b.send("Page.navigate", {"url": "file://" + os.path.abspath(report)})
        b.wait_event("Page.loadEventFired", timeout=120)
        out["stage"] = "map ready"
        for _ in range(300):
            if b.evaluate("!!(document.getElementById('imap') && "
                          "document.getElementById('imap').getAttribute('data-ready'))"):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the map never became ready")
        out["stage"] = "bring the block into view"
        found = b.evaluate(
            "(function(){var b = window.ibmap.blocks[%s]; if (!b) return false;"
            "document.getElementById('imap').scrollIntoView();"
            "window.ibmap.map.fitBounds(b.layer.getBounds(), {maxZoom: 0, animate: false});"
            "return true;})()" % json.dumps(block_id))
        if not found:
            raise RuntimeError(f"no block {block_id} on the map")
        time.sleep(0.5)
        pt = b.evaluate("window.ibmap.point(%s)" % json.dumps(block_id))
        out["block_point"] = pt
        out["stage"] = "click"
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            b.send("Input.dispatchMouseEvent",
                   {"type": kind, "x": pt["x"], "y": pt["y"], "button": "left",
                    "buttons": 1 if kind == "mousePressed" else 0, "clickCount": 1})
        for _ in range(50):
            text = b.evaluate("(function(){var p = document.querySelector("
                              "'.leaflet-popup-content'); return p ? p.innerText : null;})()")
            if text:
                out["popup"] = text
                break
            time.sleep(0.1)
        b.pump(0.5)
        shot_data = b.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(shot_data))
        out["stage"] = "done"
    except Exception as e:  # reported in the JSON: the test says where it stopped
        out["error"] = str(e)
    finally:
        for m in b.events:
            meth, p = m.get("method"), m.get("params", {})
            if meth == "Runtime.consoleAPICalled":
                out["console"].append(" ".join(str(a.get("value", a.get("description", "")))
                                               for a in p.get("args", [])))
            elif meth == "Runtime.exceptionThrown":
                out["console"].append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:400])
            elif meth == "Log.entryAdded":
                e = p.get("entry", {})
                out["console"].append(f"log {e.get('level')}: {e.get('text')}")
            elif meth == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if not (url.startswith("file:") or url.startswith("data:")):
                    out["requests"].append(url)
        b.close()
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out["stage"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
