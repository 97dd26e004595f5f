Content-Length: 172

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"initializationOptions": {"model": "/nonexistent.dwm", "stars": "x", "lookback": -1, "contextLines": 1e+30}}}Content-Length: 135

{"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration", "params": {"settings": {"dotwise": {"model": null, "enable": false}}}}