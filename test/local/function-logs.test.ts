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

  test("each function's metric documents are read as it prints them; a malformed one is reported with its line and stops nothing", async () => {
    // GIVEN a function's sink
    const logs = new FunctionLogs(dir);
    const write = logs.sink('EventLogFn');
    logs.sink('OtherFn')('a line of another function');
    const document = (stored: unknown) =>
      JSON.stringify({
        _aws: { Timestamp: 1_740_830_400_000, CloudWatchMetrics: [{ Namespace: 'EventPipeline', Dimensions: [['Pipeline', 'Consumer']], Metrics: [{ Name: 'EventsStored', Unit: 'Count' }] }] },
        Pipeline: 'P',
        Consumer: 'EventLog',
        EventsStored: stored,
      });
    // WHEN it prints two documents, a log record and a malformed document
    write(document(40));
    write('{"level":"INFO","message":"Batch processed"}');
    write(document('forty'));
    write(document(2));
    // THEN the valid ones are summed, the malformed one is listed, and every line is in the file
    expect(logs.metrics.consumers().map((c) => [c.consumer, c.totals, c.documents])).toEqual([['EventLog', { EventsStored: 42 }, 2]]);
    expect(logs.metrics.problems).toEqual([{ source: 'EventLogFn', line: 3, reason: expect.stringMatching(/EventsStored must have a number/) }]);
    await logs.flush();
    expect(readFileSync(join(dir, 'EventLogFn.log'), 'utf8').split('\n')).toHaveLength(5);
    await logs.close();
  });
});
