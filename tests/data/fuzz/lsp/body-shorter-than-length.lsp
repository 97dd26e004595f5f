Content-Length: 100

{"jsonrpc":"2.0"}