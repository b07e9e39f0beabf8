"""A stand-in for the rung measurement route, for the client's unit tests: records every request
and answers like the real API (201 stored / 200 already stored / 409 stored with other values), or with scripted failures."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeApi:
    def __init__(self):
        self.requests = []  # (path, headers, body)
        self.stored = {}  # step -> metrics
        self.fail_next = []  # statuses to answer before succeeding
        self.should_stop = False
        self.objects = {}  # name -> bytes: the "S3" that signed checkpoint URLs reach
        self.object_requests = []  # (method, name)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                api.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path.endswith("/checkpoint-url"):
                    # As the real route: a URL for one object of the trial's folder, here on this server.
                    url = f"{api.url}/objects/{body['name']}?X-Amz-Signature=fake&method={body['method']}"
                    return self._answer(200, {"url": url, "method": body["method"]})
                if api.fail_next:
                    status = api.fail_next.pop(0)
                    return self._answer(status, {"error": {"code": "x", "message": f"scripted {status}"}})
                fresh = body["step"] not in api.stored
                if not fresh and api.stored[body["step"]] != body["metrics"]:
                    message = f"step {body['step']} was reported before with other values, which stand"
                    return self._answer(409, {"error": {"code": "MeasurementConflict", "message": message}})
                api.stored.setdefault(body["step"], body["metrics"])
                self._answer(201 if fresh else 200, {"stored": fresh, "shouldStop": api.should_stop})

            def do_PUT(self):
                name = self.path.split("/objects/")[1].split("?")[0]
                api.object_requests.append(("PUT", name))
                api.objects[name] = self.rfile.read(int(self.headers["content-length"]))
                self._answer(200, {})

            def do_GET(self):
                name = self.path.split("/objects/")[1].split("?")[0]
                api.object_requests.append(("GET", name))
                if name not in api.objects:
                    return self._answer(404, {"Code": "NoSuchKey"})
                data = api.objects[name]
                self.send_response(200)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
