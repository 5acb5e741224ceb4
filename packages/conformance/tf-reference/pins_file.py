"""The one way the pin generators add their cases to kernel-fixes.json: replaces earlier cases of the
same ops, appends these, and names the generator once in the file's "generator" line."""
import json
import pathlib

import numpy as np

FILE = pathlib.Path(__file__).with_name('kernel-fixes.json')


def append_cases(cases, note):
    data = json.loads(FILE.read_text())
    if note not in data['generator']:
        data['generator'] += note
    ops = {c['op'] for c in cases}
    data['cases'] = [c for c in data['cases'] if c['op'] not in ops] + cases
    FILE.write_text(json.dumps(data))
    print(f'{FILE}: {len(data["cases"])} cases')


def stored_float32(a):
    """A float32 array as a case value: finite numbers as JSON numbers, NaN and the infinities as the strings the
    TypeScript side reads ('NaN', 'Infinity', '-Infinity'), with its dtype."""
    a = np.asarray(a, np.float32)
    return {'shape': list(a.shape), 'values': [v if np.isfinite(v) else str(v).replace('inf', 'Infinity').replace('nan', 'NaN')
                                               for v in (float(str(x)) for x in a.ravel())], 'dtype': 'float32'}


def signed_value(v):
    """One float32 value with NaN's sign kept ('-NaN'): the pins where the sign of a NaN is part of the answer."""
    if np.isnan(v):
        return '-NaN' if np.signbit(v) else 'NaN'
    if np.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return float(str(v))


def stored_signed(a):
    """A float32 array as a case value with signed_value's spelling (no dtype field)."""
    return {'shape': list(np.shape(a)), 'values': [signed_value(v) for v in np.asarray(a, np.float32).ravel()]}
