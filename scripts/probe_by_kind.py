#!/usr/bin/env python3
"""Per receiver kind rates from `lsp_probe.py --dump` files (../shared/tools), as issue 17's criteria
need them. The kind of the receiver text before the dot: self (self/cls), call/subscript (ends with
')' or ']'), module (its first name is bound by an import in that file), name (a plain identifier
otherwise), other (attribute chains on non-modules, literals).

    scripts/probe_by_kind.py CORPUS_DIR DUMP.jsonl [DUMP.jsonl ...]
"""
import ast, json, os, re, sys
def kind(corpus, path, line, col, cache={}):
    full = os.path.join(corpus, path)
    if full not in cache:
        names = set()
        try:
            t = ast.parse(open(full, encoding='utf-8').read())
            for n in ast.walk(t):
                if isinstance(n, ast.Import):
                    for a in n.names: names.add((a.asname or a.name).split('.')[0])
                elif isinstance(n, ast.ImportFrom):
                    for a in n.names: names.add(a.asname or a.name)
        except Exception: pass
        cache[full] = (names, open(full, encoding='utf-8').read().split('\n'))
    names, lines = cache[full]
    recv = lines[line][:col-1].rstrip()
    if recv.endswith(')') or recv.endswith(']'): return 'call/subscript'
    m = re.search(r'([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$', recv)
    if not m: return 'other'
    expr = m.group(1); root = expr.split('.')[0]
    if root in ('self', 'cls') and '.' not in expr: return 'self'
    if root in names: return 'module' if all(p[:1].islower() or p[:1]=='_' for p in expr.split('.')) else 'name'
    return 'name' if '.' not in expr else 'other'
def rates(rows):
    n = len(rows) or 1
    return dict(sites=len(rows), top1=sum(r==1 for r in rows)/n, top5=sum(1<=r<=5 for r in rows)/n,
                mrr=sum(1/r for r in rows if r)/n, in_list=sum(r>0 for r in rows)/n)
corpus = sys.argv[1]
for f in sys.argv[2:]:
    by = {}
    for l in open(f):
        d = json.loads(l)
        k = kind(corpus, d['path'], d['line'], d['col'])
        by.setdefault(k, []).append(d['rank']); by.setdefault('all', []).append(d['rank'])
    for k in ['all', 'self', 'module', 'name', 'call/subscript', 'other']:
        if k in by:
            r = rates(by[k]); print(f"{os.path.basename(f):36s} {k:15s} {r['sites']:4d} top1 {r['top1']:.3f} top5 {r['top5']:.3f} mrr {r['mrr']:.3f} in_list {r['in_list']:.3f}")
