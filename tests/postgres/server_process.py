"""A conductor-server process for the PostgreSQL tests, on a port of its own."""
import http.client
import json
import re
import signal
import subprocess


class Server:
    def __init__(self, binary, db, pool_size=8):
        self.process = subprocess.Popen([binary, "--port", "0", "--db", db, "--pool-size", str(pool_size)],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.search(r":(\d+)/api", line)
        if not match:
            raise RuntimeError("server did not start: " + line)
        self.port = int(match.group(1))
        self.alive = True  # false once killed on purpose

    def call(self, method, path, body=None, timeout=10):
        """(status, body text) of one request to /api + path."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = None if body is None else json.dumps(body)
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, "/api" + path, payload, headers)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def running(self):
        return self.process.poll() is None

    def kill(self):
        self.alive = False
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.alive:
            self.process.terminate()
            self.process.wait()
