#!/usr/bin/env python3
"""RSS of `dotwise serve` with a project's index built: start it on PROJECT (rootUri), wait until the
index build and the stub read-ahead are over (--wait-for-index), open one file, ask one completion,
and read the process's VmRSS / VmHWM. Prints JSON.

    bench/server_rss.py PROJECT_DIR [--sleep S] [--open largest|small] [--smaps] -- dotwise serve [...]

--sleep S: instead of --wait-for-index, wait S seconds after `initialized` (servers without the flag).
--open: the file to open, the project's largest .py file (default) or a small one (the median size).
--smaps: add the resident kB per mapping (heap, the binary, each library, the model) to the output.
"""
import json, os, re, subprocess, sys, time


def message(obj):
    body = json.dumps(obj).encode()
    return b'Content-Length: %d\r\n\r\n' % len(body) + body


def read_message(f):
    length = 0
    while True:
        line = f.readline()
        if not line:
            raise EOFError('server exited')
        line = line.strip()
        if not line:
            break
        k, _, v = line.decode().partition(':')
        if k.lower() == 'content-length':
            length = int(v)
    return json.loads(f.read(length))


def request(p, rid, method, params):
    p.stdin.write(message({'jsonrpc': '2.0', 'id': rid, 'method': method, 'params': params}))
    p.stdin.flush()
    while True:
        m = read_message(p.stdout)
        if m.get('id') == rid and 'method' not in m:
            return m
        if 'method' in m and 'id' in m:  # a request to the client: answer it
            p.stdin.write(message({'jsonrpc': '2.0', 'id': m['id'], 'result': None}))
            p.stdin.flush()


def notify(p, method, params):
    p.stdin.write(message({'jsonrpc': '2.0', 'method': method, 'params': params}))
    p.stdin.flush()


def status_kb(pid, key):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def resident_by_mapping(pid):
    # Rss per mapped file (anonymous memory under its smaps name: [heap], [stack], or 'anon').
    kb, name = {}, None
    for line in open(f'/proc/{pid}/smaps'):
        head = line.split()
        if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
            name = os.path.basename(head[5]) if len(head) > 5 else 'anon'
        elif head and head[0] == 'Rss:':
            kb[name] = kb.get(name, 0) + int(head[1])
    return dict(sorted(((k, v) for k, v in kb.items() if v), key=lambda kv: -kv[1]))


def main():
    if '--' not in sys.argv or len(sys.argv) < 3:
        sys.exit(__doc__)
    sep = sys.argv.index('--')
    root = os.path.abspath(sys.argv[1])
    opts = sys.argv[2:sep]
    sleep, which, smaps = 0, 'largest', False
    while opts:
        o = opts.pop(0)
        if o == '--sleep' and opts:
            sleep = float(opts.pop(0))
        elif o == '--open' and opts and opts[0] in ('largest', 'small'):
            which = opts.pop(0)
        elif o == '--smaps':
            smaps = True
        else:
            sys.exit(__doc__)
    cmd = sys.argv[sep + 1:] + ([] if sleep else ['--wait-for-index', '600'])
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith('.py'))
    target = None
    if files:
        by_size = sorted(files, key=os.path.getsize)
        target = by_size[-1] if which == 'largest' else by_size[len(by_size) // 2]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    t0 = time.time()
    uri = 'file://' + root
    request(p, 1, 'initialize', {'processId': os.getpid(), 'rootUri': uri,
                                 'workspaceFolders': [{'uri': uri, 'name': 'p'}], 'capabilities': {}})
    notify(p, 'initialized', {})
    time.sleep(sleep)
    text = 'import os\nos.'
    if target:
        text = open(target, encoding='utf-8', errors='replace').read() + '\nimport os\nos.'
    doc = 'file://' + (target or os.path.join(root, 'x.py'))
    notify(p, 'textDocument/didOpen', {'textDocument': {'uri': doc, 'languageId': 'python', 'version': 1,
                                                        'text': text}})
    lines = text.split('\n')
    r = request(p, 2, 'textDocument/completion', {'textDocument': {'uri': doc},
                                                  'position': {'line': len(lines) - 1, 'character': len(lines[-1])}})
    ready_s = time.time() - t0
    items = r.get('result') or []
    items = items.get('items', []) if isinstance(items, dict) else items
    out = {'project': root, 'py_files': len(files), 'ready_s': round(ready_s, 2), 'items': len(items),
           'opened': which, 'opened_bytes': os.path.getsize(target) if target else 0,
           'rss_kb': status_kb(p.pid, 'VmRSS:'), 'peak_rss_kb': status_kb(p.pid, 'VmHWM:')}
    if smaps:
        out['resident_kb_by_mapping'] = resident_by_mapping(p.pid)
    request(p, 3, 'shutdown', None)
    notify(p, 'exit', None)
    p.wait(timeout=10)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
