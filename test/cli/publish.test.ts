import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublishBatchCommand, type PublishBatchCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { PublishSummary } from '../../packages/tools/src/cli/publish';
import { LOCAL_VARIABLES, cli, cloudEvent, localDir } from './helpers';

const sns = mockClient(SNSClient);

/** Every PublishBatch call succeeds, except entries whose event id starts with "fail". */
function answer(input: PublishBatchCommandInput) {
  const entries = input.PublishBatchRequestEntries ?? [];
  const failing = (e: (typeof entries)[number]) => (JSON.parse(e.Message!) as { id: string }).id.startsWith('fail');
  return {
    Successful: entries.filter((e) => !failing(e)).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
    Failed: entries.filter(failing).map((e) => ({ Id: e.Id, Code: 'InvalidParameter', Message: 'refused', SenderFault: true })),
  };
}

function ndjson(...events: unknown[]): string {
  return events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n';
}

let dir: string;

/** A working directory without `.local/endpoints.json`: the local run was never started there. */
function noLocalRun(): string {
  const empty = localDir();
  rmSync(join(empty, '.local'), { recursive: true });
  return empty;
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishBatchCommand).callsFake(answer);
  dir = localDir();
});

describe('publish', () => {
  test('publishes every valid line, reports each invalid line by number and field, and exits 1', async () => {
    // GIVEN 25 events, line 3 with a bad sequence and line 5 not JSON
    const events: unknown[] = Array.from({ length: 25 }, (_, i) => cloudEvent({ id: `evt-${i}`, subject: `order-${i}` }));
    events.splice(2, 0, cloudEvent({ id: 'bad', sequence: 'third' }));
    events.splice(4, 0, '{"id": ');
    writeFileSync(join(dir, 'events.ndjson'), ndjson(...events));

    // WHEN
    const run = await cli(['publish', 'events.ndjson', '--local'], { cwd: dir });

    // THEN
    expect(run.code).toBe(1);
    const entries = sns.commandCalls(PublishBatchCommand).flatMap((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    expect(entries).toHaveLength(25);
    expect(sns.commandCalls(PublishBatchCommand)[0].args[0].input.TopicArn).toBe(LOCAL_VARIABLES.TOPIC_ARN);
    expect(run.stdout).toMatch(/^Published 25 of 27 events to the local run \(\.local\/endpoints\.json\) in \d+\.\d\d s \([\d,]+ events\/s, \d PublishBatch calls, 0 SNS requests\)\.\n/);
    expect(run.stdout).toContain(
      [
        'Not published: 2 (1 invalid sequence, 1 invalid body):',
        '  line 3: sequence: must be a whole number >= 0 or a string of digits (got "third")',
        '  line 5: body: not valid JSON (',
      ].join('\n'),
    );
  });

  test('says why SNS refused an event', async () => {
    writeFileSync(join(dir, 'events.ndjson'), ndjson(cloudEvent({ id: 'ok' }), cloudEvent({ id: 'fail-1', subject: 'order-2' })));

    const run = await cli(['publish', 'events.ndjson', '--local', '--concurrency', '1'], { cwd: dir });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Not published: 1 (1 InvalidParameter):\n  line 2 (fail-1): InvalidParameter after 1 attempt: refused\n');
  });

  test('reads a JSON array from stdin and gives machine output with --json', async () => {
    // GIVEN a pretty-printed array whose second element lacks a subject
    const { subject: _omitted, ...noSubject } = cloudEvent({ id: 'evt-2' });
    const array = JSON.stringify([cloudEvent({ id: 'evt-1' }), noSubject], null, 2);

    // WHEN
    const run = await cli(['publish', '-', '--local', '--json'], { cwd: dir, stdin: array });

    // THEN
    const summary = JSON.parse(run.stdout) as PublishSummary;
    expect(summary).toMatchObject({ total: 2, published: 1, invalid: 1, failed: 0, publishBatchCalls: 1, dryRun: false });
    expect(summary.problems).toEqual([
      { line: 14, id: 'evt-2', status: 'invalid', field: 'subject', message: 'subject: required' },
    ]);
  });

  test('--dry-run validates only: no call, no target needed', async () => {
    writeFileSync(join(dir, 'events.ndjson'), ndjson({ source: 's', type: 't', subject: 'x', sequence: 1 }, cloudEvent({ time: 'yesterday' })));

    const run = await cli(['publish', 'events.ndjson', '--dry-run'], { cwd: dir });

    expect(run.code).toBe(1);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(0);
    expect(run.stdout).toBe(
      [
        'Dry run: 1 of 2 events valid; nothing was published.',
        'Not published: 1 (1 invalid time):',
        '  line 2: time: must be an RFC 3339 timestamp (got "yesterday")',
        'Filled in: id for 1 event, time for 1 event, specversion for 1 event.',
        '',
      ].join('\n'),
    );
  });

  test('--no-fill refuses events without an id', async () => {
    writeFileSync(join(dir, 'events.ndjson'), ndjson({ ...cloudEvent(), id: undefined }));

    const run = await cli(['publish', 'events.ndjson', '--dry-run', '--no-fill'], { cwd: dir });

    expect(run.stdout).toContain('line 1: id: required');
  });

  test('exits 0 when every event is published, and shows plain progress lines off a terminal', async () => {
    writeFileSync(join(dir, 'events.ndjson'), ndjson(cloudEvent()));

    const run = await cli(['publish', 'events.ndjson', '--local'], { cwd: dir });

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^publishing 0\/1( · [\d,]+\/s)? \(0%\)\npublishing 1\/1( · [\d,]+\/s)? \(100%\)\n$/);
  });

  test('stops at the first call when the local run does not answer, says so and exits 3', async () => {
    // GIVEN
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }));
    writeFileSync(join(dir, 'events.ndjson'), ndjson(...Array.from({ length: 30 }, (_, i) => cloudEvent({ id: `evt-${i}` }))));

    // WHEN
    const run = await cli(['publish', 'events.ndjson', '--local', '--concurrency', '1'], { cwd: dir });

    // THEN
    expect(run.code).toBe(3);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
    expect(run.stdout).toContain('Not published: 30 (10 ECONNREFUSED, 20 NotSent):');
    expect(run.stderr).toMatch(/event-pipeline publish: the local run does not answer at http:\/\/127\.0\.0\.1:4566 \(ECONNREFUSED\)/);
  });

  test.each([
    ['a local run', () => dir],
    ['no local run (no endpoints file): the file is checked before the target', noLocalRun],
  ])('a missing file is a usage error, with %s', async (_, cwd) => {
    const run = await cli(['publish', 'nope.ndjson', '--local'], { cwd: cwd() });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('event-pipeline publish: nope.ndjson: no such file\n');
  });

  test('--dry-run --local needs no local run: it reads no endpoints file and calls nothing', async () => {
    const empty = noLocalRun();
    writeFileSync(join(empty, 'events.ndjson'), ndjson(cloudEvent()));

    const run = await cli(['publish', 'events.ndjson', '--dry-run', '--local'], { cwd: empty });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Dry run: 1 of 1 event valid; nothing was published.\n');
  });

  test('refuses, before sending, two lines with one id and different content, naming both lines; exact copies are harmless', async () => {
    // GIVEN lines 3 and 4 share id "dup"; line 5 repeats line 1 exactly
    writeFileSync(
      join(dir, 'events.ndjson'),
      ndjson(
        cloudEvent({ id: 'evt-1' }),
        cloudEvent({ id: 'evt-2', subject: 'order-2' }),
        cloudEvent({ id: 'dup', subject: 'order-3', sequence: 3 }),
        cloudEvent({ id: 'dup', subject: 'order-3', sequence: 4 }),
        cloudEvent({ id: 'evt-1' }),
      ),
    );

    // WHEN
    const dry = await cli(['publish', 'events.ndjson', '--dry-run'], { cwd: dir });
    const run = await cli(['publish', 'events.ndjson', '--local', '--concurrency', '1'], { cwd: dir });

    // THEN neither is sent, and the summary names both lines
    const sent = sns.commandCalls(PublishBatchCommand).flatMap((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    expect(sent.map((e) => (JSON.parse(e.Message!) as { id: string }).id)).toEqual(['evt-1', 'evt-2', 'evt-1']);
    expect(run.code).toBe(1);
    const refusal = [
      'Not published: 2 (2 invalid id):',
      '  line 3: id: "dup" is also the id of line 4, with different content: refused, with the other line (give each event its own id, or drop the copies)',
      '  line 4: id: "dup" is also the id of line 3, with different content: refused, with the other line (give each event its own id, or drop the copies)',
    ].join('\n');
    expect(run.stdout).toContain(refusal);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain(refusal);
  });

  test('Ctrl-C stops at the next batch, waits for the call in flight, says what went and what did not, and exits 130', async () => {
    // GIVEN Ctrl-C while the second of five calls is in flight
    const controller = new AbortController();
    let calls = 0;
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      if (++calls === 2) controller.abort();
      return answer(input);
    });
    writeFileSync(join(dir, 'events.ndjson'), ndjson(...Array.from({ length: 50 }, (_, i) => cloudEvent({ id: `evt-${i}` }))));

    // WHEN
    const run = await cli(['publish', 'events.ndjson', '--local', '--concurrency', '1'], { cwd: dir, signal: controller.signal });
    const json = await cli(['publish', 'events.ndjson', '--local', '--concurrency', '1', '--json'], { cwd: dir, signal: controller.signal });

    // THEN
    expect(run.code).toBe(130);
    expect(calls).toBe(2);
    expect(run.stdout).toMatch(/^Published 20 of 50 events /);
    expect(run.stdout).toContain('Not published: 30 (30 Interrupted):\n  line 21 (evt-20): not sent (Interrupted): the publish was interrupted before its batch was sent\n');
    expect(run.stdout).toContain(
      'Interrupted: 20 published, 30 not sent, 0 unknown. To resume, publish again the lines not sent and unknown: 21-50.\n',
    );
    // an aborted signal from the start sends nothing
    expect(json.code).toBe(130);
    expect(JSON.parse(json.stdout)).toMatchObject({ interrupted: true, published: 0, notSent: 50, publishBatchCalls: 0 });
  });

  test('says which events may have been published when the connection is lost, and that they are safe to publish again', async () => {
    // GIVEN the first call is cut off after sending, then the local run is gone
    sns
      .on(PublishBatchCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }));
    writeFileSync(join(dir, 'events.ndjson'), ndjson(...Array.from({ length: 12 }, (_, i) => cloudEvent({ id: `evt-${i}` }))));

    // WHEN
    const run = await cli(['publish', 'events.ndjson', '--local', '--concurrency', '1', '--json'], { cwd: dir });

    // THEN
    expect(run.code).toBe(3);
    const summary = JSON.parse(run.stdout) as PublishSummary;
    expect(summary).toMatchObject({ published: 0, failed: 0, unknown: 10, notSent: 2 });
    expect(summary.problems[0]).toEqual({
      line: 1,
      id: 'evt-0',
      status: 'unknown',
      code: 'ECONNREFUSED',
      attempts: 2,
      retryable: true,
      message: 'connect ECONNREFUSED 127.0.0.1:4566',
    });
    expect(summary.problems[11]).toMatchObject({ line: 12, status: 'not-sent', code: 'NotSent', retryable: true });
  });
});
