Content-Length: 83

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}Content-Length: 169

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///a.py", "languageId": "python", "version": 1, "text": "import os\nos."}}}Content-Length: 247

{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///a.py", "version": 2}, "contentChanges": [{"range": {"start": {"line": 99, "character": -4}, "end": {"line": 0, "character": 7}}, "text": "path."}]}}Content-Length: 158

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///a.py"}, "position": {"line": 1, "character": 3}}}Content-Length: 170

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///a.py"}, "position": {"line": -1, "character": 1000000000.0}}}Content-Length: 49

{"jsonrpc": "2.0", "id": 4, "method": "shutdown"}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}