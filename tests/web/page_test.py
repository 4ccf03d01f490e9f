"""Drives the built-in web page in headless Chromium against a running conductor-server.

Usage: page_test.py CONDUCTOR_SERVER CHROMIUM ARTIFACT_DIR (exit status 77, a skip, when CHROMIUM is
empty or missing)

Starts the server on a free port with a fresh database, makes a few workflows through the REST API,
loads the page's views in Chromium and checks what they show, clicks its operations through
Chromium's DevTools protocol, and keeps a screenshot of a workflow's
view in ARTIFACT_DIR.
"""
import fcntl
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
        return json.loads(text) if text and response.headers.get_content_type() == "application/json" else text


def chromium(binary, profile, *arguments):
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=10000", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


class DevTools:
    """Chromium's DevTools protocol over --remote-debugging-pipe (JSON messages ended by NUL on file
    descriptors 3 and 4), attached to one page."""

    def __init__(self, binary, profile, url):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        # The child's ends go above 10 first, so that moving them to 3 and 4 cannot overwrite each
        # other; dup2 leaves 3 and 4 open across exec, the originals close on it.
        child_read = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD_CLOEXEC, 10)
        child_write = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_browser_read, from_browser_write):
            os.close(fd)
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False,
            preexec_fn=lambda: (os.dup2(child_read, 3), os.dup2(child_write, 4)))
        os.close(child_read)
        os.close(child_write)
        self.buffer = b""
        self.next_id = 0
        self.session = None
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def send(self, method, params=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_browser, 65536)
                if not chunk:
                    sys.exit("chromium closed its DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page, awaiting it when it is a promise."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            sys.exit(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what):
        """Polls `expression` in the page until it is true (the page's own time, at most 20 s)."""
        # A page still loading has no context to evaluate in yet: ask again until it has one.
        for attempt in range(1000):
            try:
                return self.poll(expression, what)
            except RuntimeError as error:
                if "context" not in str(error) or attempt == 999:
                    raise

    def poll(self, expression, what):
        ok = self.evaluate(f"""new Promise((resolve) => {{
            const started = Date.now();
            const test = () => {{
              let value = false;
              try {{ value = Boolean({expression}); }} catch (e) {{ value = false; }}
              if (value || Date.now() - started > 20000) resolve(value); else setTimeout(test, 50);
            }};
            test();
        }})""")
        check(ok, what, self.evaluate("document.body.outerHTML") or "")

    def close(self):
        self.process.kill()
        self.process.wait(timeout=30)


def check(condition, what, page=""):
    if not condition:
        sys.exit(f"FAILED: {what}\n--- page ---\n{page[:4000]}")
    print(f"ok: {what}")


def main():
    server_binary, browser, artifacts = sys.argv[1:4]
    if not browser or not os.path.exists(browser):
        print("chromium is not installed: skipped")
        sys.exit(77)
    os.makedirs(artifacts, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        server = subprocess.Popen([server_binary, "--port", "0", "--db", os.path.join(scratch, "page.db")],
                                  stdout=subprocess.PIPE, text=True)
        try:
            for line in server.stdout:
                found = re.search(r"listening on (http://[^/]+)/api", line)
                if found:
                    base = found.group(1)
                    break
            else:
                sys.exit("conductor-server did not start")
            run(base, browser, scratch, artifacts)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(base, browser, scratch, artifacts):
    profile = os.path.join(scratch, "profile")
    call(base, "POST", "/api/metadata/taskdefs", [{"name": "page_work", "retryCount": 1, "retryDelaySeconds": 0}])
    call(base, "POST", "/api/metadata/workflow", {
        "name": "page_flow", "version": 1, "schemaVersion": 2, "tasks": [
            {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
                [{"name": "page_work", "taskReferenceName": "work"}],
                [{"name": "calc", "taskReferenceName": "calc", "type": "INLINE",
                  "inputParameters": {"evaluatorType": "javascript", "expression": "6 * 7"}}]]},
            {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["work", "calc"]}]})
    done = call(base, "POST", "/api/workflow/page_flow", {"shipment": 12})
    waiting = call(base, "POST", "/api/workflow", {"name": "page_flow", "correlationId": "order-77"})
    # `done`: its worker task fails once, then its retry completes.
    for status in ("FAILED", "COMPLETED"):
        task = call(base, "GET", "/api/tasks/poll/page_work?workerid=page")
        if task["workflowInstanceId"] != done:
            call(base, "POST", "/api/tasks", {"workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
                                             "status": "IN_PROGRESS", "callbackAfterSeconds": 3600})
            task = call(base, "GET", "/api/tasks/poll/page_work?workerid=page")
        call(base, "POST", "/api/tasks", {"workflowInstanceId": done, "taskId": task["taskId"], "status": status,
                                         "logs": [{"log": f"attempt ended {status}"}]})
    check(call(base, "GET", f"/api/workflow/{done}?includeTasks=false")["status"] == "COMPLETED", "setup completed a run")

    search = chromium(browser, profile, "--dump-dom", f"{base}/#/?name=page_flow")
    check('data-ready="true"' in search, "the search view finished loading", search)
    check(done in search and waiting in search, "search by name lists both runs", search)
    check("2 workflow(s)" in search, "search reports the number found", search)

    by_correlation = chromium(browser, profile, "--dump-dom", f"{base}/#/?correlationId=order-77&status=RUNNING")
    check(waiting in by_correlation and done not in by_correlation, "search by correlation id and status", by_correlation)

    workflow = chromium(browser, profile, "--dump-dom", f"{base}/#/workflow/{done}")
    check('id="workflow-status">COMPLETED' in workflow, "a run's view shows its status", workflow)
    check("<svg" in workflow and "2 attempts" in workflow, "a run's view shows its diagram with the retry", workflow)
    for ref in ("fork", "work", "calc", "join"):
        check(f">{ref}</a>" in workflow, f"a run's task table lists {ref}", workflow)
    for action in ("Pause", "Resume", "Retry", "Terminate"):
        check(f">{action}</button>" in workflow, f"a run's view offers {action}", workflow)

    definitions = chromium(browser, profile, "--dump-dom", f"{base}/#/definitions")
    check("page_flow" in definitions, "the definitions view lists the definition", definitions)
    definition = chromium(browser, profile, "--dump-dom", f"{base}/#/definition/page_flow/1")
    check("<svg" in definition and "calc" in definition, "a definition's view shows its diagram", definition)

    # The operations, clicked on the page: each shows the workflow's new status once the API has it.
    page = DevTools(browser, os.path.join(scratch, "devtools-profile"), f"{base}/#/workflow/{waiting}")
    try:
        page.wait_for("document.body.dataset.ready === 'true' && document.querySelector('#diagram svg')",
                      "the page opened a running workflow")
        for button, status in (("Pause", "PAUSED"), ("Resume", "RUNNING"), ("Terminate", "TERMINATED"),
                               ("Retry", "RUNNING")):
            page.evaluate(f"[...document.querySelectorAll('.actions button')].find((b) => b.textContent === "
                          f"'{button}').click()")
            page.wait_for(f"document.getElementById('workflow-status')?.textContent === '{status}'",
                          f"clicking {button} shows {status}")
            check(call(base, "GET", f"/api/workflow/{waiting}?includeTasks=false")["status"] == status,
                  f"after {button} the server has {status}")
    finally:
        page.close()

    screenshot = os.path.join(artifacts, "workflow.png")
    chromium(browser, profile, f"--screenshot={screenshot}", "--window-size=1280,1100", f"{base}/#/workflow/{done}")
    with open(screenshot, "rb") as image:
        check(image.read(8) == b"\x89PNG\r\n\x1a\n", f"a screenshot was kept at {screenshot}")


if __name__ == "__main__":
    main()
