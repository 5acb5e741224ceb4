#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// Exit only once stdout has flushed (a piped `--json` must arrive whole), and even if a library left a handle open.
process.stdout.write('', () => process.exit(code));
