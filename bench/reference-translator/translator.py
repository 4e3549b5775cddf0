#!/usr/bin/env python3
"""A plain Anthropic Messages -> OpenAI Chat Completions streaming translator, Python 3 standard library only.

The reference peer of the side-by-side benchmark (`AnyClaude.Benchmarks side-by-side`): what a user would write
to run Claude Code on LM Studio without a framework. ThreadingHTTPServer takes POST /v1/messages, the request is
translated to a Chat Completions request and sent with http.client (one kept-alive backend connection per client
connection), and the backend's SSE stream is relayed as Anthropic events chunk by chunk (one chunked write per
event). Written to be fair, not sabotaged: keep-alive on both sides, TCP_NODELAY on the client socket (without it
Nagle's algorithm holds small writes ~40 ms on loopback), no per-request logging. It counts no tokens and keeps
no records: it is the floor a proxy with no features pays in CPython.

    python3 translator.py --backend http://127.0.0.1:1234/v1 [--model M] [--port 0]

Prints "PORT <n>" once listening; serves until stdin closes or it is killed.
"""

import argparse
import http.client
import json
import socket
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use",
                "content_filter": "refusal"}


def text_of(content):
    """The text of a string or a list of content blocks (other block kinds are left out)."""
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content or [] if b.get("type") == "text")


def translate_request(body, model):
    """Anthropic Messages request -> Chat Completions request."""
    messages = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": text_of(system)})
    for message in body.get("messages", []):
        role, content = message["role"], message.get("content")
        if role == "system":  # Claude Code 2.1.x puts role:"system" entries inside messages
            messages.append({"role": "system", "content": text_of(content)})
        elif isinstance(content, str):
            messages.append({"role": role, "content": content})
        elif role == "assistant":
            text, calls = [], []
            for block in content:
                kind = block.get("type")
                if kind == "text":
                    text.append(block["text"])
                elif kind == "tool_use":
                    calls.append({"id": block["id"], "type": "function",
                                  "function": {"name": block["name"], "arguments": json.dumps(block.get("input", {}))}})
            out = {"role": "assistant", "content": "\n".join(text) or None}
            if calls:
                out["tool_calls"] = calls
            messages.append(out)
        else:
            parts = []
            for block in content:
                kind = block.get("type")
                if kind == "tool_result":
                    result = block.get("content", "")
                    text = text_of(result) if isinstance(result, list) else str(result)
                    messages.append({"role": "tool", "tool_call_id": block["tool_use_id"], "content": text})
                elif kind == "text":
                    parts.append({"type": "text", "text": block["text"]})
                elif kind == "image" and block.get("source", {}).get("type") == "base64":
                    source = block["source"]
                    parts.append({"type": "image_url",
                                  "image_url": {"url": f"data:{source['media_type']};base64,{source['data']}"}})
            if parts:
                messages.append({"role": "user", "content": parts})
    out = {"model": model or body.get("model"), "messages": messages, "max_tokens": body.get("max_tokens", 4096),
           "stream": True, "stream_options": {"include_usage": True}}
    for key in ("temperature", "top_p"):
        if key in body:
            out[key] = body[key]
    if body.get("stop_sequences"):
        out["stop"] = body["stop_sequences"]
    if body.get("tools"):
        out["tools"] = [{"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                                          "parameters": t.get("input_schema", {})}}
                        for t in body["tools"] if "input_schema" in t]
        choice = body.get("tool_choice") or {}
        if choice.get("type") == "any":
            out["tool_choice"] = "required"
        elif choice.get("type") == "tool":
            out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
        elif choice.get("type") == "none":
            out["tool_choice"] = "none"
    return out


def sse(event, data):
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class StreamTranslator:
    """OpenAI chunks in, Anthropic SSE events out: one content block open at a time."""

    def __init__(self, model):
        self.model = model
        self.index = -1
        self.kind = None
        self.tool_index = None
        self.stop_reason = "end_turn"
        self.usage = {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 0}

    def start(self):
        message = {"id": "msg_" + uuid.uuid4().hex, "type": "message", "role": "assistant", "content": [],
                   "model": self.model, "stop_reason": None, "stop_sequence": None, "usage": dict(self.usage)}
        return sse("message_start", {"type": "message_start", "message": message})

    def _open(self, kind, block):
        out = self._close()
        self.index += 1
        self.kind = kind
        return out + sse("content_block_start", {"type": "content_block_start", "index": self.index, "content_block": block})

    def _close(self):
        if self.kind is None:
            return b""
        out = b""
        if self.kind == "thinking":  # a local model signs nothing; Claude Code wants the field
            out = self._delta({"type": "signature_delta", "signature": "local"})
        self.kind = None
        self.tool_index = None
        return out + sse("content_block_stop", {"type": "content_block_stop", "index": self.index})

    def _delta(self, delta):
        return sse("content_block_delta", {"type": "content_block_delta", "index": self.index, "delta": delta})

    def chunk(self, chunk):
        out = b""
        usage = chunk.get("usage")
        if usage:
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
            self.usage = {"input_tokens": usage.get("prompt_tokens", 0) - cached,
                          "output_tokens": usage.get("completion_tokens", 0), "cache_read_input_tokens": cached}
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning") or delta.get("reasoning_content")
            if reasoning:
                if self.kind != "thinking":
                    out += self._open("thinking", {"type": "thinking", "thinking": ""})
                out += self._delta({"type": "thinking_delta", "thinking": reasoning})
            if delta.get("content"):
                if self.kind != "text":
                    out += self._open("text", {"type": "text", "text": ""})
                out += self._delta({"type": "text_delta", "text": delta["content"]})
            for call in delta.get("tool_calls") or []:
                function = call.get("function") or {}
                if call.get("index") != self.tool_index or self.kind != "tool_use":
                    out += self._open("tool_use", {"type": "tool_use", "id": call.get("id") or "toolu_" + uuid.uuid4().hex,
                                                   "name": function.get("name", ""), "input": {}})
                    self.tool_index = call.get("index")
                if function.get("arguments"):
                    out += self._delta({"type": "input_json_delta", "partial_json": function["arguments"]})
            if choice.get("finish_reason"):
                self.stop_reason = STOP_REASONS.get(choice["finish_reason"], "end_turn")
        return out

    def finish(self):
        return (self._close()
                + sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": self.stop_reason, "stop_sequence": None},
                                        "usage": self.usage})
                + sse("message_stop", {"type": "message_stop"}))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend = None  # urllib.parse result, set in main
    model = None

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.upstream = None

    def log_message(self, format, *args):
        pass

    def _upstream(self):
        if self.upstream is None:
            self.upstream = http.client.HTTPConnection(self.backend.hostname, self.backend.port, timeout=600)
        return self.upstream

    def _json(self, status, data):
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _write_chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not self.path.startswith("/v1/messages") or "count_tokens" in self.path:
            self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "not found"}})
            return
        request = json.loads(body)
        payload = json.dumps(translate_request(request, self.model)).encode()
        try:
            upstream = self._upstream()
            upstream.request("POST", self.backend.path.rstrip("/") + "/chat/completions", payload,
                             {"Content-Type": "application/json", "Accept": "text/event-stream"})
            response = upstream.getresponse()
        except (OSError, http.client.HTTPException) as e:
            self.upstream = None
            self._json(502, {"type": "error", "error": {"type": "api_error", "message": f"backend: {e}"}})
            return
        if response.status != 200:
            detail = response.read().decode(errors="replace")
            self._json(response.status, {"type": "error", "error": {"type": "api_error", "message": detail}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        translator = StreamTranslator(request.get("model") if self.model is None else self.model)
        self._write_chunk(translator.start())
        for line in response:
            if not line.startswith(b"data: "):
                continue
            data = line[6:].strip()
            if data == b"[DONE]":
                break
            self._write_chunk(translator.chunk(json.loads(data)))
        response.read()  # the rest of the body, so the backend connection can be reused
        self._write_chunk(translator.finish())
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "not found"}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", required=True, help="the backend's OpenAI base URL, e.g. http://127.0.0.1:1234/v1")
    parser.add_argument("--model", help="the backend model (default: the model the client names)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    Handler.backend = urllib.parse.urlsplit(args.backend)
    Handler.model = args.model
    # The default listen backlog (5) resets connections when many clients connect at once (100 concurrent streams).
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    for _ in sys.stdin:
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
