Content-Length: 80

{"jsonrpc": "2.0", "id": "a", "method": "textDocument/completion", "params": {}}