"""Running the ibmap program from Processing.

Where the program is: the provider's setting (Processing → Providers → ibmap
→ "ibmap executable"), else the environment variable IBMAP_EXECUTABLE, else
`ibmap` on PATH.

How it runs: with `--progress lines`, ibmap prints one line `progress N
STAGE` on stderr per step (N in 0..100), which drives the progress bar; its
other lines go to the log.  Cancelling sends SIGINT, which ibmap handles as
Ctrl-C: it stops at its next block, feature or row, removes what was
half-written and exits with status 130.  If it has not stopped 60 s later
it is sent SIGTERM (the same clean path), then killed.

Nothing here depends on a QGIS API newer than 3.22.
"""
import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

SETTING_EXECUTABLE = "IBMAP_EXECUTABLE"

# ibmap's input roles, in the order of `ibmap fields`, and their flags.
ROLES = ["blocks", "parcels", "landuse", "redline", "control_units", "parks",
         "central", "transition", "basic_farmland", "towns"]
REQUIRED_ROLES = {"blocks", "parcels", "landuse", "redline", "control_units", "parks"}
ROLE_LABELS = {
    "blocks": "Industrial blocks 工业区块",
    "parcels": "Parcels 宗地 (亩均 data)",
    "landuse": "Land-use survey 三调 DLTB",
    "redline": "Ecological red line 生态保护红线",
    "control_units": "Environmental control units 环境管控单元",
    "parks": "Planned parks 园区",
    "central": "Central districts 中心城区",
    "transition": "Transition zones 过渡控制区",
    "basic_farmland": "Permanent basic farmland 永久基本农田",
    "towns": "Towns 镇街",
}


class IbmapError(Exception):
    pass


def role_flag(role):
    return "--" + role.replace("_", "-")


def configured_executable():
    """The path set in the provider's settings ('' when none)."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
        value = ProcessingConfig.getSetting(SETTING_EXECUTABLE)
    except Exception:  # Processing not initialised (a bare script)
        value = None
    return value or ""


def executable():
    """The ibmap program to run, or raise IbmapError saying how to set it."""
    for candidate in (configured_executable(), os.environ.get(SETTING_EXECUTABLE, "")):
        if candidate:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
            raise IbmapError(f"the ibmap executable {candidate!r} does not exist or "
                             "cannot be run (Processing → Options → Providers → ibmap)")
    found = shutil.which("ibmap")
    if found:
        return found
    raise IbmapError("ibmap is not on PATH: install it, or set its path under "
                     "Settings → Options → Processing → Providers → ibmap")


def _mask(arg):
    """A command-line argument as it may be shown in the log: no password."""
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", arg)


def command_line(args):
    return " ".join(shlex.quote(_mask(a)) for a in args)


_fields_cache = {}


def role_fields(exe=None):
    """{role: [(canonical, required, label_zh, [accepted names…])]} from
    `ibmap fields`; {} when ibmap cannot be run (the algorithms then have
    no field pickers, and ibmap still matches its aliases itself)."""
    try:
        exe = exe or executable()
    except IbmapError:
        return {}
    if exe in _fields_cache:
        return _fields_cache[exe]
    try:
        out = subprocess.run([exe, "fields"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=30,
                             check=True).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return {}
    result, role, field = {}, None, None
    # role lines start in column 0; "  name  type unit label — description";
    # "     accepted: a b c".
    for line in out.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            role = line.split()[0]
            result[role] = []
        elif line.lstrip().startswith("accepted:") and field is not None:
            field[3].extend(line.split(":", 1)[1].split())
        elif role is not None:
            head = line.split(" — ", 1)[0]
            parts = head.split()
            field = (parts[0], "(required)" in head, parts[-2] if "(required)" in head
                     else parts[-1], [])
            result[role].append(field)
    _fields_cache[exe] = result
    return result


def match_alias(field_names, accepted):
    """The first of `field_names` (a layer's) that ibmap would take for a
    canonical field with the accepted names `accepted`: equal without
    regard to case, or equal to an accepted name cut to a DBF's 10 bytes.
    None when none matches.  (ibmap's own rule, docs/fields.md; used to
    pre-select a field in the dialog: ibmap decides anyway.)"""
    wanted = []
    for a in accepted:
        wanted.append(a.casefold())
        b = a.encode("utf-8")
        if len(b) > 10:
            wanted.append(b[:10].decode("utf-8", "ignore").casefold())
    by_name = {f.casefold(): f for f in field_names}
    for w in wanted:
        if w in by_name:
            return by_name[w]
    return None


def _reader(stream, tag, q):
    for raw in iter(stream.readline, b""):
        q.put((tag, raw.decode("utf-8", "replace").rstrip("\r\n")))
    q.put((tag, None))


def run(args, feedback, progress=(0.0, 100.0), stop_grace=60.0):
    """Run `ibmap ARGS…` and return (status, stdout lines, stderr lines).

    Progress lines move feedback's bar within `progress` (a range in
    percent); other stderr lines are logged.  When feedback is cancelled
    ibmap is interrupted (SIGINT) and the call returns its status (130)."""
    cmd = [executable()] + list(args)
    if feedback:
        feedback.pushCommandInfo(command_line(cmd))
    kwargs = {}
    if sys.platform != "win32":
        # Its own process group: a Ctrl-C in a terminal that started QGIS
        # is not also sent to ibmap behind the plugin's back.
        kwargs["start_new_session"] = True
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **kwargs)
    except OSError as e:
        raise IbmapError(f"cannot start {cmd[0]}: {e}")
    q = queue.Queue()
    threads = [threading.Thread(target=_reader, args=(proc.stdout, "out", q), daemon=True),
               threading.Thread(target=_reader, args=(proc.stderr, "err", q), daemon=True)]
    for t in threads:
        t.start()
    out, err, open_streams = [], [], 2
    interrupted_at = None
    terminated = False
    lo, hi = progress
    while open_streams or proc.poll() is None:
        if feedback and feedback.isCanceled() and interrupted_at is None:
            feedback.pushInfo("cancelled: asking ibmap to stop (SIGINT)…")
            _signal(proc, signal.SIGINT)
            interrupted_at = time.monotonic()
        if interrupted_at is not None and proc.poll() is None:
            waited = time.monotonic() - interrupted_at
            if waited > stop_grace and not terminated:
                _signal(proc, signal.SIGTERM)
                terminated = True
            elif waited > 2 * stop_grace:
                proc.kill()
        try:
            tag, line = q.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            open_streams -= 1
            continue
        if tag == "out":
            out.append(line)
            continue
        m = re.match(r"progress (\d+(?:\.\d+)?)(?: (.*))?$", line)
        if m:
            if feedback:
                if m.group(2):
                    feedback.setProgressText(f"ibmap: {m.group(2)}")
                feedback.setProgress(lo + (hi - lo) * min(float(m.group(1)), 100.0) / 100.0)
            continue
        err.append(line)
        if feedback and line.strip():
            feedback.pushInfo(line)
    status = proc.wait()
    for t in threads:
        t.join(1)
    proc.stdout.close()
    proc.stderr.close()
    return status, out, err


def _signal(proc, sig):
    try:
        if sys.platform == "win32":
            proc.terminate()
        else:
            proc.send_signal(sig)
    except OSError:
        pass


def run_checked(args, feedback, progress=(0.0, 100.0), what="ibmap"):
    """run() that raises IbmapError on failure; returns stdout lines, or
    None when cancelled (ibmap stopped cleanly)."""
    status, out, err = run(args, feedback, progress)
    if feedback and feedback.isCanceled():
        if status in (0,):
            return out
        feedback.pushInfo(f"{what} stopped (status {status}); nothing half-written is left")
        return None
    if status != 0:
        tail = [l for l in err if l.strip()][-5:]
        raise IbmapError(f"{what} failed (exit status {status}): " + " / ".join(tail))
    return out


def json_result(out_lines):
    """The last line of stdout that is a JSON object (ibmap --json)."""
    for line in reversed(out_lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None
