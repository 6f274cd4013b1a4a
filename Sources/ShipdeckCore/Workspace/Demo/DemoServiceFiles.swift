/// The files of one demo microservice: a small Python HTTP service, its tests and its pipeline.
struct DemoServiceFiles {
    let name: String
    let message: String

    var app: String {
        """
        \"\"\"\(name): a tiny demo service for Shipdeck. Serves GET / and GET /health on $PORT.

        POST /admin/health with a body of ok, warning or critical sets what /health reports, so a demo
        can break one instance's health check and watch Shipdeck notice (SOFT, then HARD).
        \"\"\"
        import json
        import os
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        SERVICE = "\(name)"
        VERSION = os.environ.get("SHIPDECK_IMAGE", "dev")
        HEALTH = {"status": "ok"}


        def route(path):
            \"\"\"Returns (status, body) for a GET of path.\"\"\"
            if path == "/health":
                status = HEALTH["status"]
                if status == "ok":
                    return 200, {"status": "ok"}
                return (200 if status == "warning" else 503), {"status": status, "checks": {"database": {"status": status}}}
            if path == "/":
                return 200, {"service": SERVICE, "version": VERSION, "message": "\(message)"}
            return 404, {"error": "not found", "path": path}


        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so the endpoint's proxy reuses connections

            def do_GET(self):
                status, body = route(self.path.split("?")[0])
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                wanted = self.rfile.read(length).decode().strip()
                if self.path != "/admin/health" or wanted not in ("ok", "warning", "critical"):
                    status, body = 400, {"error": "POST /admin/health with ok, warning or critical"}
                else:
                    HEALTH["status"] = wanted
                    status, body = 200, {"health": wanted}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):
                print("%s %s" % (self.address_string(), format % args), flush=True)


        def main():
            port = int(os.environ.get("PORT", "8080"))
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            server.daemon_threads = True
            print(f"{SERVICE} listening on 127.0.0.1:{port}", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass


        if __name__ == "__main__":
            main()

        """
    }

    var unitTest: String {
        """
        import unittest

        from app import route


        class RouteTests(unittest.TestCase):
            def test_health_is_ok(self):
                self.assertEqual(route("/health"), (200, {"status": "ok"}))

            def test_root_names_the_service(self):
                status, body = route("/")
                self.assertEqual(status, 200)
                self.assertEqual(body["service"], "\(name)")

            def test_unknown_path_is_not_found(self):
                self.assertEqual(route("/nope")[0], 404)


        if __name__ == "__main__":
            unittest.main()

        """
    }

    var contractTest: String {
        """
        import json
        import threading
        import unittest
        import urllib.request
        from http.server import ThreadingHTTPServer

        from app import Handler


        class HealthContractTests(unittest.TestCase):
            def test_health_answers_status_ok_over_http(self):
                server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
                threading.Thread(target=server.serve_forever, daemon=True).start()
                try:
                    url = "http://127.0.0.1:%d/health" % server.server_address[1]
                    with urllib.request.urlopen(url, timeout=5) as response:
                        self.assertEqual(response.status, 200)
                        self.assertEqual(json.load(response), {"status": "ok"})
                finally:
                    server.shutdown()
                    server.server_close()


        if __name__ == "__main__":
            unittest.main()

        """
    }

    var pipeline: String {
        """
        # Buildkite-style pipeline for \(name); Shipdeck runs these steps on this machine.
        env:
          PYTHONDONTWRITEBYTECODE: "1"
        steps:
          - label: ":python: Lint"
            key: lint
            command: python3 -m py_compile app.py test_app.py contract_test.py
            timeout_in_minutes: 5
          - label: ":test_tube: Unit tests"
            key: unit-tests
            command: python3 -m unittest -v test_app
            timeout_in_minutes: 5
            retry:
              automatic: [{exit_status: -1, limit: 2}]
          - label: ":handshake: Contract tests"
            key: contract-tests
            command: python3 -m unittest -v contract_test
            timeout_in_minutes: 5
          - wait
          - label: ":package: Build image"
            key: build-image
            commands:
              - mkdir -p build
              - tar -czf build/\(name)-${BUILDKITE_BUILD_NUMBER}.tar.gz app.py
            artifact_paths: build/*.tar.gz
          - wait
          - label: ":rocket: Deploy to test"
            key: deploy-test
            deploy: {environment: test}
            agents: {queue: deploy-test}
            concurrency: 1
            concurrency_group: \(name)/deploy-test
          - block: ":shipit: Release \(name) to prod?"
            key: release
            prompt: Check \(name) in the test environment first.
            branches: main
          - label: ":rocket: Deploy to prod"
            key: deploy-prod
            depends_on: release
            deploy: {environment: prod}
            agents: {queue: deploy-prod}
            concurrency: 1
            concurrency_group: \(name)/deploy-prod

        """
    }

    var readme: String {
        "# \(name)\n\nA demo service for Shipdeck. Run it with `PORT=8100 python3 app.py`, test it with `python3 -m unittest`.\n"
    }

    static let gitignore = "__pycache__/\nbuild/\n"
}
