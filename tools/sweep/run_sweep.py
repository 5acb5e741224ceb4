"""Run `savedkeras predict` (the built CLI of a checkout) on every sweep model and classify against TF's outputs.
  python3 tools/sweep/run_sweep.py SWEEPDIR [--repo CHECKOUT] [--backends wasm,cpu] [--jobs 3] [--only a,b] [--out results.json]
                                    [--persistent N]
(rows also go to results.jsonl as they finish)
--persistent N: run the CLI's main() in one Node process per job slot (predict-server.mjs), restarted every N models,
on a timeout or when it dies (Node's start-up is most of a small model's CPU time; a loaded machine runs 5-10x more
models). Re-check what it reports as not ok without it: state can leak between models in one process.
--repo defaults to the checkout this script sits in (tools/sweep/../..); it must be built (`pnpm build`).
For each model folder with case.json: model.keras, model.h5 (Keras model path) and export/ (--signature
serving_default) or a SavedModel with signatures listed in case.json['signatures'] (tf.Module sweep).
Classes: ok / wrong (ran, numbers or shapes differ) / unsupported (exit 1, UNSUPPORTED_*) / typed (exit 1, other
SavedKerasError code) / crash (internal error exit 70, timeout, other)."""
import concurrent.futures as cf, json, os, re, select, subprocess, sys, tempfile, threading, time
args = sys.argv[1:]
if not args or args[0].startswith('--'):
    sys.exit(__doc__)
root = args[0]
def opt(n, d):
    return args[args.index(n) + 1] if n in args else d
repo = os.path.abspath(opt('--repo', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')))
backends = opt('--backends', 'wasm,cpu').split(',')
jobs = int(opt('--jobs', '3'))
only = set(opt('--only', '').split(',')) - {''}
outp = opt('--out', os.path.join(root, '_results.json'))
TOL = 1e-4
persistent = int(opt('--persistent', '0'))
bin_js = os.path.join(repo, 'packages/cli/dist/bin.js')
if not os.path.exists(bin_js):
    sys.exit('no built CLI at %s: run `pnpm build` in %s first' % (bin_js, repo))

def flat(v):
    if isinstance(v, list):
        for x in v: yield from flat(x)
    else:
        yield v

def agree(want, got):
    w = list(flat(want.get('value'))); g = list(flat(got.get('value', got.get('value_base64'))))
    if list(want.get('shape', [])) != list(got.get('shape', want.get('shape', []))) and len(w) != len(g):
        return False, 'shape %s != %s' % (got.get('shape'), want.get('shape'))
    if len(w) != len(g):
        return False, 'size %d != %d' % (len(g), len(w))
    worst = 0.0
    for a, b in zip(w, g):
        if a is None and b in ('NaN', 'Infinity', '-Infinity', None): continue
        if isinstance(a, str) or isinstance(b, str) or a is None or b is None or isinstance(a, bool):
            if a != b and not (isinstance(a, bool) and a == b):
                return False, 'value %r != %r' % (b, a)
            continue
        d = abs(a - b); worst = max(worst, d)
        if d > TOL * (1 + abs(a)):
            return False, 'max|diff| %.3g (got %.6g want %.6g)' % (d, b, a)
    return True, worst

class Server:
    """predict-server.mjs: the CLI's main() on one JSON line per job, answers marked with \\x01SWEEP."""
    MARK = b'\x01SWEEP '
    def __init__(self):
        self.log = tempfile.TemporaryFile()
        self.p = subprocess.Popen(['node', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'predict-server.mjs'), repo],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, cwd=repo)
        self.buf = b''; self.used = 0
    def stop(self):
        try: self.p.kill(); self.p.wait(10)
        except Exception: pass
    def ask(self, args, timeout=300):
        self.used += 1
        self.p.stdin.write((json.dumps({'args': args}) + '\n').encode()); self.p.stdin.flush()
        end = time.time() + timeout
        while True:
            i = self.buf.find(self.MARK)
            j = self.buf.find(b'\n', i) if i >= 0 else -1
            if j >= 0:
                line = self.buf[i + len(self.MARK):j]; self.buf = self.buf[j + 1:]
                return json.loads(line)
            left = end - time.time()
            if left <= 0: return None
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 1 << 20)
                if not chunk:  # the process died
                    self.p.wait(); self.log.seek(0)
                    tail = [l for l in self.log.read().decode(errors='replace').splitlines() if l.strip()]
                    return {'code': self.p.returncode if self.p.returncode != 1 else 71, 'stdout': '', 'stderr': '\n'.join(tail[-5:]), 'died': True}
                self.buf += chunk
_local = threading.local()

def run(path, inputs, backend, signature=None):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump(inputs, f)
    args = ['predict', path, '--input', f.name, '--json', '--backend', backend]
    if signature: args += ['--signature', signature]
    try:
        if persistent:
            srv = getattr(_local, 'srv', None)
            if srv is None or srv.used >= persistent or srv.p.poll() is not None:
                if srv: srv.stop()
                srv = _local.srv = Server()
            a = srv.ask(args)
            if a is None or a.get('died'):
                srv.stop(); _local.srv = None
                if a is None: return 'crash', 'timeout', None
            code, out, err = a['code'], a['stdout'].encode(), a['stderr']
        else:
            p = subprocess.run(['node', bin_js] + args, capture_output=True, timeout=300, cwd=repo, env=dict(os.environ, COLUMNS='200'))
            code, out, err = p.returncode, p.stdout, p.stderr.decode(errors='replace')
    except subprocess.TimeoutExpired:
        return 'crash', 'timeout', None
    finally:
        os.unlink(f.name)
    if code == 1:
        m = re.search(r'error \[([A-Z_]+)\]: (.*)', err)
        kind = m.group(1) if m else '?'
        return ('unsupported' if kind.startswith('UNSUPPORTED') else 'typed'), (kind + ': ' + (m.group(2) if m else err[-200:]))[:300], None
    if code != 0:
        lines = [l for l in err.splitlines() if l.strip()]
        first = next((l for l in lines if 'Error' in l), lines[1] if len(lines) > 1 else err[-200:])
        return 'crash', ('exit %d: %s' % (code, first.strip()))[:300], None
    return 'ran', '', json.loads(out)

def compare(want, got, names=None):
    # want: dict name->tensor or list of tensors (with names); got: dict
    if isinstance(want, dict):
        pairs = []
        for i, (k, v) in enumerate(want.items()):
            if k in got: pairs.append((k, v, got[k]))
            elif len(got) == len(want): pairs.append((k, v, list(got.values())[i]))
            else: return False, 'no output %s in %s' % (k, list(got)[:5])
    else:
        gv = list(got.values())
        if len(gv) != len(want): return False, 'outputs %d != %d' % (len(gv), len(want))
        pairs = []
        for i, v in enumerate(want):
            k = names[i] if names and i < len(names) and len(set(names)) == len(names) else None
            pairs.append((k or i, v, got[k] if k in got else gv[i]))
    worst = 0.0
    for k, w, g in pairs:
        ok, d = agree(w, g)
        if not ok: return False, '%s: %s' % (k, d)
        worst = max(worst, d)
    return True, worst

def model_jobs(d, case):
    js = []
    if 'signatures' in case:  # tf.Module sweep
        for sname, s in case['signatures'].items():
            if 'outputs' in s:
                js.append(('sig:' + sname, os.path.join(d, 'savedmodel'), s['inputs'], s['outputs'], None, sname, s.get('random', [])))
        return js
    if 'keras_outputs' in case:
        for fmt in ('keras', 'h5'):
            p = os.path.join(d, 'model.' + fmt)
            if os.path.exists(p):
                js.append((fmt, p, case['inputs'], case['keras_outputs'], case.get('keras_output_names'), None, []))
    if 'export_outputs' in case:
        js.append(('export', os.path.join(d, 'export'), case['export_inputs'], case['export_outputs'], None, 'serving_default', []))
    return js

def do(job):
    slug, cat, fmt, path, inputs, want, names, sig, rnd, backend = job
    status, msg, got = run(path, inputs, backend, sig)
    if status == 'ran':
        if rnd:
            want = {k: v for k, v in want.items() if k not in rnd}
            got = {k: v for k, v in got.items() if k not in rnd}
        ok, w = compare(want, got, names)
        status, msg = ('ok', '%.1e' % w) if ok else ('wrong', w)
    return {'slug': slug, 'category': cat, 'format': fmt, 'backend': backend, 'status': status, 'msg': msg}

alljobs = []
for slug in sorted(os.listdir(root)):
    d = os.path.join(root, slug)
    cp = os.path.join(d, 'case.json')
    if not os.path.exists(cp) or (only and slug not in only): continue
    case = json.load(open(cp))
    for fmt, path, inputs, want, names, sig, rnd in model_jobs(d, case):
        for b in backends:
            alljobs.append((slug, case.get('category', '?'), fmt, path, inputs, want, names, sig, rnd, b))
results = []
# every row is also appended to OUT.jsonl as it finishes: a long pass stopped early still leaves its rows
partial = open(outp + 'l', 'w')
with cf.ThreadPoolExecutor(jobs) as ex:
    for fut in cf.as_completed([ex.submit(do, j) for j in alljobs]):
        r = fut.result()
        results.append(r)
        partial.write(json.dumps(r) + '\n'); partial.flush()
        if r['status'] != 'ok':
            print('%-36s %-10s %-7s %-5s %-11s %s' % (r['slug'], r['category'], r['format'][:14], r['backend'], r['status'], r['msg'][:200]), flush=True)
json.dump(results, open(outp, 'w'), indent=0)
# table: category x status per backend
cats = sorted({r['category'] for r in results})
for b in backends:
    print('\nbackend', b)
    print('%-14s %5s %5s %5s %5s %5s' % ('category', 'ok', 'wrong', 'unsup', 'typed', 'crash'))
    for c in cats:
        rs = [r for r in results if r['category'] == c and r['backend'] == b]
        print('%-14s %5d %5d %5d %5d %5d' % (c, *[sum(r['status'] == s for r in rs) for s in ('ok', 'wrong', 'unsupported', 'typed', 'crash')]))
