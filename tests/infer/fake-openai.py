#!/usr/bin/python3.11
"""A stand-in OpenAI-compatible server for ls-infer's tests.

POST /v1/chat/completions answers "echo: <last user message>" with usage
counts (words). It checks the bearer key, fails the first two attempts of a
prompt containing FLAKY with 503 (the first with Retry-After: 0), always
fails a prompt containing BROKEN with 400, and sleeps 0.2 s per request so
that concurrent requests overlap. GET /stats gives the most requests it saw
in flight at once, and the total. Usage: fake-openai.py PORTFILE KEY
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"inflight": 0, "max": 0, "total": 0, "attempts": {}}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            self.reply(200, {"max_concurrent": state["max"], "requests": state["total"]})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        req = json.loads(self.rfile.read(n))
        with lock:
            state["inflight"] += 1
            state["total"] += 1
            state["max"] = max(state["max"], state["inflight"])
        try:
            time.sleep(0.2)
            self.answer(req)
        finally:
            with lock:
                state["inflight"] -= 1

    def answer(self, req):
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "no such path " + self.path}})
        if self.headers.get("Authorization") != "Bearer " + sys.argv[2]:
            return self.reply(401, {"error": {"message": "bad api key"}})
        user = [m["content"] for m in req["messages"] if m["role"] == "user"][-1]
        system = [m["content"] for m in req["messages"] if m["role"] == "system"]
        if "BROKEN" in user:
            return self.reply(400, {"error": {"message": "this prompt is broken"}})
        if "FLAKY" in user:
            with lock:
                k = state["attempts"][user] = state["attempts"].get(user, 0) + 1
            if k <= 2:
                return self.reply(503, {"error": {"message": "busy"}},
                                  [("Retry-After", "0")] if k == 1 else [])
        text = "echo: " + user + (" [system: " + system[0] + "]" if system else "")
        stop = req.get("stop") or []
        finish = "stop"
        for s in stop:
            if s in text:
                text = text[: text.index(s)]
        words = text.split()
        if len(words) > req.get("max_tokens", 1 << 30):
            text, finish = " ".join(words[: req["max_tokens"]]), "length"
        self.reply(200, {
            "id": "cmpl-1", "object": "chat.completion", "model": req["model"],
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": sum(len(m["content"].split()) for m in req["messages"]),
                      "completion_tokens": len(text.split())},
        })


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
