Content-Type: application/json

{}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}