// Compiles src/ into dist/ with tsc, then copies the worker-thread files (src/local/runtime),
// which run as they are. Needs the publisher built first: `npm run build` at the root does both.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
cpSync(path.join(dir, 'src', 'local', 'runtime'), path.join(dir, 'dist', 'local', 'runtime'), { recursive: true });
