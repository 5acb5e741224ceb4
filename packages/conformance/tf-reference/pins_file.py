"""The one way the pin generators add their cases to kernel-fixes.json: replaces earlier cases of the
same ops, appends these, and names the generator once in the file's "generator" line."""
import json
import pathlib

FILE = pathlib.Path(__file__).with_name('kernel-fixes.json')


def append_cases(cases, note):
    data = json.loads(FILE.read_text())
    if note not in data['generator']:
        data['generator'] += note
    ops = {c['op'] for c in cases}
    data['cases'] = [c for c in data['cases'] if c['op'] not in ops] + cases
    FILE.write_text(json.dumps(data))
    print(f'{FILE}: {len(data["cases"])} cases')
