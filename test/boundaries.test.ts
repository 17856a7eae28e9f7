import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = join(__dirname, '..');

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

const manifest = (dir: string): { dependencies?: Record<string, string> } => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
const relative = (files: Set<string>) => [...files].map((f) => f.slice(ROOT.length + 1));

describe('module boundaries', () => {
  test('the publisher needs only the SNS client, the SigV4 signer (for the Events API) and valibot, declared as its own dependencies, and stays in its folder', () => {
    const { files, packages } = reachable(join(ROOT, 'packages', 'publisher', 'src', 'index.ts'));

    // @smithy/signature-v4 signs the requests to the Events API; HTTP itself is node:http(s).
    const used = [...packages].filter((p) => !p.startsWith('node:')).sort();
    expect(used).toEqual(['@aws-sdk/client-sns', '@smithy/signature-v4', 'valibot']);
    expect(Object.keys(manifest('packages/publisher').dependencies ?? {}).sort()).toEqual(used);
    expect(relative(files).filter((f) => !f.startsWith('packages/publisher/src/'))).toEqual([]);
  });

  test('the tools reach the publisher by its package name, declare every package they load, and never load aws-cdk-lib, the constructs or the handlers', () => {
    const { files, packages } = reachable(join(ROOT, 'packages', 'tools', 'src', 'cli', 'index.ts'));
    const local = reachable(join(ROOT, 'packages', 'tools', 'src', 'local', 'cli.ts'));
    const all = new Set([...packages, ...local.packages]);

    expect(all).not.toContain('aws-cdk-lib');
    expect(all).not.toContain('constructs');
    expect(all).toContain('cdk-event-pipeline-publisher');
    // aws-lambda is a type-only import (@types/aws-lambda); it leaves nothing in the compiled code.
    const declared = new Set(Object.keys(manifest('packages/tools').dependencies ?? {}));
    expect([...all].filter((p) => !p.startsWith('node:') && p !== 'aws-lambda' && !declared.has(p)).sort()).toEqual([]);
    expect(relative(new Set([...files, ...local.files])).filter((f) => !f.startsWith('packages/tools/src/'))).toEqual([]);
  });

  test('the constructs package declares no dependencies: aws-cdk-lib and constructs are peers', () => {
    const root = manifest('.') as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    expect(root.dependencies).toBeUndefined();
    expect(Object.keys(root.peerDependencies ?? {}).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  });
});
