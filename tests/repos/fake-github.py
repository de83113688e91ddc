"""A local stand-in for GitHub's search API, serving recorded-shape answers.

usage: fake-github.py PORTFILE
Page 1 answers once with a secondary rate limit (403 + Retry-After: 1), then
with 2 items and a Link to page 2; page 2 answers with X-RateLimit-Remaining: 0
and a reset 1 s ahead, then with 1 item and no next link. Every request is
logged to stderr as "GET path auth=<Authorization header>"."""
import json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

seen = {}

def item(n, stars, lic):
    return {"id": n, "full_name": f"octo/repo{n}", "clone_url": f"file:///nonexistent/repo{n}.git",
            "html_url": f"https://github.com/octo/repo{n}", "stargazers_count": stars,
            "forks_count": 1, "description": f"repo {n}", "default_branch": "main",
            "license": {"spdx_id": lic} if lic else None, "pushed_at": "2026-01-01T00:00:00Z",
            "owner": {"login": "octo"}, "private": False}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        sys.stderr.write(f"GET {self.path} auth={self.headers.get('Authorization')}\n")
        page = "2" if "page=2" in self.path else "1"
        n = seen.get(page, 0)
        seen[page] = n + 1
        if not self.path.startswith("/search/repositories?"):
            return self.send(404, {"message": "Not Found"})
        base = f"http://127.0.0.1:{self.server.server_port}"
        if page == "1":
            if n == 0:
                return self.send(403, {"message": "You have exceeded a secondary rate limit"}, [("Retry-After", "1")])
            return self.send(200, {"total_count": 3, "incomplete_results": False,
                                   "items": [item(1, 900, "MIT"), item(2, 5, None)]},
                             [("Link", f'<{base}/search/repositories?q=x&per_page=100&page=2>; rel="next", '
                                       f'<{base}/search/repositories?q=x&per_page=100&page=2>; rel="last"')])
        if n == 0:
            return self.send(403, {"message": "API rate limit exceeded"},
                             [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", str(int(time.time()) + 1))])
        return self.send(200, {"total_count": 3, "incomplete_results": False, "items": [item(3, 42, "Apache-2.0")]})

srv = HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f:
    f.write(str(srv.server_port))
srv.serve_forever()
