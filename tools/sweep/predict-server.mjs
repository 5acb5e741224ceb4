// One Node process that runs many `savedkeras` CLI commands for run_sweep.py --persistent: the CLI's own main()
// (packages/cli/dist/main.js of the checkout given as argv[2]) on each JSON line of stdin ({"args": [...]}), one
// answer line per job ("\u0001SWEEP " + {"code", "stdout", "stderr"}) so Node's start-up (about 1 s of CPU per
// model) is paid once. Jobs run one at a time; anything else a library prints on stdout is not an answer line.
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const repo = process.argv[2] ?? process.cwd();
const { main } = await import(pathToFileURL(join(repo, 'packages/cli/dist/main.js')).href);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const job = JSON.parse(line);
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: { ...process.env, COLUMNS: '200' },
    columns: undefined,
  };
  let code;
  try {
    code = await main(job.args, io);
  } catch (e) {
    code = 70;
    stderr += `\nError (runner): ${e?.stack ?? e}`;
  }
  process.stdout.write(`\u0001SWEEP ${JSON.stringify({ code, stdout, stderr })}\n`);
}
