Content-Length: 9

{not jsonContent-Length: 83

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}