import { Progress } from '../../packages/tools/src/cli/progress';

function output(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns: 100, write: (text: string) => writes.push(text) } };
}

describe('Progress', () => {
  test('redraws a bar in place on a terminal, at most every 100 ms, and ends its line', () => {
    // GIVEN
    let now = 0;
    const { writes, out } = output(true);
    const progress = new Progress(out, 'published', 200, () => now);

    // WHEN
    now = 1000;
    progress.update(50);
    now = 1050;
    progress.update(60);
    now = 2000;
    progress.update(200, '1 not published');
    progress.done();

    // THEN
    expect(writes).toEqual([
      '\r\x1b[2K[######..................]  25% published 50/200 · 50/s',
      '\r\x1b[2K[########################] 100% published 200/200 · 100/s · 1 not published',
      '\n',
    ]);
  });

  test('writes plain lines every 2 s otherwise, and always the last one', () => {
    let now = 0;
    const { writes, out } = output(false);
    const progress = new Progress(out, 'redriven', 10, () => now);

    now = 2000;
    progress.update(1);
    now = 3000;
    progress.update(5);
    now = 3500;
    progress.update(10);
    progress.done();

    expect(writes).toEqual(['redriven 1/10 · 1/s (10%)\n', 'redriven 10/10 · 3/s (100%)\n']);
  });
});
