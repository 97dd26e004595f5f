#!/usr/bin/env python3
"""A fake Python language server for the proxy tests: answers completion with a fixed list in a
known order, asks the client for its configuration (to check id mapping), and dies on request."""
import json
import os
import sys
import time

inp, out = sys.stdin.buffer, sys.stdout.buffer


def send(msg):
    body = json.dumps(msg).encode()
    out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    out.flush()


def read():
    length = None
    while True:
        line = inp.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(inp.read(length))


ITEMS = ["zeros", "count", "mystery_one", "join", "upper", "_private", "exists", "mystery_two", "__init__", "append"]
opened = []
notebooks = []  # (notebook uri, its cells' text documents' uris) per notebookDocument/didOpen
while True:
    m = read()
    if m is None:
        break
    method = m.get("method")
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": m["id"], "result": {"capabilities": {
            "textDocumentSync": 2, "completionProvider": {"triggerCharacters": ["["], "resolveProvider": True}},
            "serverInfo": {"name": "fake", "pid": os.getpid()}}})
    elif method == "initialized":
        send({"jsonrpc": "2.0", "id": 1, "method": "workspace/configuration", "params": {"items": [{"section": "fake"}]}})
    elif method == "textDocument/didOpen":
        opened.append(m["params"]["textDocument"]["uri"])
    elif method == "notebookDocument/didOpen":
        notebooks.append([m["params"]["notebookDocument"]["uri"],
                          [d["uri"] for d in m["params"]["cellTextDocuments"]]])
    elif method == "textDocument/completion" and "error" in m["params"]["textDocument"]["uri"]:
        send({"jsonrpc": "2.0", "id": m["id"], "error": {"code": -32603, "message": "fake failure"}})
    elif method == "textDocument/completion":
        if "slow" in m["params"]["textDocument"]["uri"]:
            time.sleep(1.0)  # past the proxy's deadline
        items = [{"label": n, "kind": 2, "sortText": "%02d" % i, "preselect": i == 3} for i, n in enumerate(ITEMS)]
        send({"jsonrpc": "2.0", "id": m["id"], "result": {"isIncomplete": False, "items": items}})
    elif method == "completionItem/resolve":
        item = dict(m["params"])
        item["documentation"] = "doc of " + item["label"]
        item["sortText"] = "zz"
        send({"jsonrpc": "2.0", "id": m["id"], "result": item})
    elif method == "fake/state":
        send({"jsonrpc": "2.0", "id": m["id"], "result": {"pid": os.getpid(), "opened": opened, "notebooks": notebooks}})
    elif method == "fake/stall":
        time.sleep(m["params"]["ms"] / 1000.0)  # busy: stdin is not read meanwhile
    elif method == "fake/hang":
        pass  # never answered: the crash test checks the proxy answers it
    elif method == "fake/crash":
        os._exit(3)
    elif method == "shutdown":
        send({"jsonrpc": "2.0", "id": m["id"], "result": None})
    elif method == "exit":
        break
    elif "id" in m and "method" not in m:
        send({"jsonrpc": "2.0", "method": "fake/gotResponse", "params": m})
    elif "id" in m:
        send({"jsonrpc": "2.0", "id": m["id"], "error": {"code": -32601, "message": "unknown"}})
