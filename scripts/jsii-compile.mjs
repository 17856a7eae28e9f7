// `npm run compile`: compiles the construct package with jsii, lib/ into
// dist/lib (JavaScript and declarations) and the assembly .jsii, from which
// jsii-pacmak makes the Python, Java, .NET and Go packages (`npm run package`).
// The compiler options are tsconfig.jsii.json's (`jsii.tsconfig` in package.json).
// jsii refuses a runtime dependency that is not a jsii module: the package has
// none (aws-cdk-lib and constructs are peers; test/boundaries.test.ts checks it).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { dist, root } from './jsii-root.mjs';

const require = createRequire(path.join(root, 'package.json'));
const jsiiBin = path.join(path.dirname(require.resolve('jsii/package.json')), 'bin', 'jsii');

rmSync(dist, { recursive: true, force: true });
rmSync(path.join(root, '.jsii'), { force: true });

const result = spawnSync(process.execPath, [jsiiBin, '--fail-on-warnings'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
