import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionLogs, LogDirInUseError } from '../../packages/tools/src/local/function-logs';

describe('FunctionLogs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'function-logs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a second run cannot take a log folder that a run is writing, so it cannot truncate its files', async () => {
    // GIVEN a run writing its function's log
    const first = new FunctionLogs(dir);
    first.sink('Fn')('line of the first run');
    // WHEN a second run asks for the same folder
    // THEN it is refused, naming the folder and what to do
    expect(() => new FunctionLogs(dir)).toThrow(LogDirInUseError);
    expect(() => new FunctionLogs(dir)).toThrow(/function logs folder .* is in use by another local run .*--endpoints-file .*--log-dir/);
    await first.close();
    expect(readFileSync(join(dir, 'Fn.log'), 'utf8')).toBe('line of the first run\n');
  });

  test('another live process holding the folder is refused too', async () => {
    // GIVEN a lock left by a live process (this test's parent)
    writeFileSync(join(dir, '.lock'), String(process.ppid));
    expect(() => new FunctionLogs(dir)).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  test('the folder is free again once the run stops, and a lock left by a process that is gone is taken over', async () => {
    await new FunctionLogs(dir).close();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    writeFileSync(join(dir, '.lock'), '999999999');
    const logs = new FunctionLogs(dir);
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe(String(process.pid));
    await logs.close();
  });
});
