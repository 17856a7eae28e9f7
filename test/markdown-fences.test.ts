import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const PAGES = ['README.md', 'CHANGELOG.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Problems with a page's code fences: a fence line must be ``` alone or ```lang, and each opened fence is closed. */
function fenceProblems(text: string): string[] {
  const problems: string[] = [];
  let open: number | undefined;
  text.split('\n').forEach((line, i) => {
    if (!line.trimStart().startsWith('```')) return;
    if (!/^\s*```[\w-]*\s*$/.test(line)) problems.push(`line ${i + 1}: text after a fence: ${line}`);
    else if (open === undefined) open = i + 1;
    else if (/^\s*```\s*$/.test(line)) open = undefined;
    else problems.push(`line ${i + 1}: a fence opens inside the one opened at line ${open}`);
  });
  if (open !== undefined) problems.push(`line ${open}: the fence opened here is never closed`);
  return problems;
}

describe('markdown code fences', () => {
  test.each(PAGES)('%s opens and closes every code fence on a line of its own', (page) => {
    expect(fenceProblems(readFileSync(join(ROOT, page), 'utf8'))).toEqual([]);
  });

  test('the check finds text after a closing fence, and a fence left open', () => {
    expect(fenceProblems('```ts\nx\n``` Every resource\n')).toEqual(['line 3: text after a fence: ``` Every resource', 'line 1: the fence opened here is never closed']);
  });
});
