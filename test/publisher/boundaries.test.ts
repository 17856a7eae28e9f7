import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every module a file reaches through its imports: relative files, and package names. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/^(?:import|export)[^'"]*?from\s+'([^']+)'/gm)) {
      if (specifier.startsWith('.')) {
        const base = resolve(dirname(file), specifier);
        visit(existsSync(`${base}.ts`) ? `${base}.ts` : join(base, 'index.ts'));
      } else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('module boundaries', () => {
  test('the publisher needs only the SNS client, the SigV4 signer (for the Events API) and valibot, and one schema file shared with the consumers', () => {
    const { files, packages } = reachable(join(ROOT, 'publisher', 'index.ts'));

    // @smithy/signature-v4 signs the requests to the Events API; HTTP itself is node:http(s).
    expect([...packages].filter((p) => !p.startsWith('node:')).sort()).toEqual(['@aws-sdk/client-sns', '@smithy/signature-v4', 'valibot']);
    expect([...files].map((f) => f.slice(ROOT.length + 1)).filter((f) => !f.startsWith('publisher/')).sort()).toEqual([
      'lambda/shared/envelope.ts',
      'lambda/shared/errors.ts',
      'lambda/shared/preview.ts',
    ]);
  });

  test('the CLI never loads aws-cdk-lib or the local run', () => {
    const { files, packages } = reachable(join(ROOT, 'cli', 'index.ts'));

    expect(packages).not.toContain('aws-cdk-lib');
    expect(packages).not.toContain('constructs');
    expect([...files].filter((f) => /\/(lib|local)\//.test(f.slice(ROOT.length)))).toEqual([]);
  });
});
