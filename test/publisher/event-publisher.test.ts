import { PublishBatchCommand, type PublishBatchCommandInput, type PublishBatchResponse, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type CloudEventInput,
  DuplicateIdError,
  EventPublisher,
  type EventPublisherOptions,
  EventTooLargeError,
  type NotPublishedResult,
  InvalidEventError,
  type InvalidResult,
  type PublishedResult,
} from '../../packages/publisher/src';
import { VALID_EVENT } from '../helpers/cloud-event';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:orders.fifo';
const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

function event(overrides: Partial<CloudEventInput> & Record<string, unknown> = {}): CloudEventInput {
  return { ...VALID_EVENT, data: { ...VALID_EVENT.data }, ...overrides };
}

/** `count` events of `subjects` subjects, each subject's sequence rising. */
function events(count: number, subjects = count): CloudEventInput[] {
  return Array.from({ length: count }, (_, i) =>
    event({ id: `evt-${i}`, subject: `order-${i % subjects}`, sequence: Math.floor(i / subjects) + 1 }),
  );
}

function publisher(options: Partial<EventPublisherOptions> = {}): EventPublisher {
  return new EventPublisher({ topicArn: TOPIC_ARN, client, sleep: async () => undefined, random: () => 0.5, ...options });
}

/** Answers every call with success for each entry. */
function allSucceed(input: PublishBatchCommandInput): PublishBatchResponse {
  return { Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.MessageDeduplicationId}` })) };
}

/** The entries of every PublishBatch call, in call order. */
function calls(): PublishBatchCommandInput[] {
  return sns.commandCalls(PublishBatchCommand).map((call) => call.args[0].input);
}

/** The event ids sent, call by call. */
function sentIds(): string[][] {
  return calls().map((input) => (input.PublishBatchRequestEntries ?? []).map((e) => JSON.parse(e.Message!).id as string));
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishBatchCommand).callsFake(allSucceed);
});

describe('EventPublisher', () => {
  test('publishes 10 entries per call with the subject as group, the id as dedup id and a type attribute', async () => {
    // GIVEN
    const input = events(25);

    // WHEN
    const report = await publisher({ concurrency: 1 }).publish(input);

    // THEN
    expect(report).toMatchObject({ published: 25, failed: 0, invalid: 0, calls: 3 });
    expect(calls().map((c) => c.PublishBatchRequestEntries?.length)).toEqual([10, 10, 5]);
    expect(calls()[0].TopicArn).toBe(TOPIC_ARN);
    expect(calls()[0].PublishBatchRequestEntries?.[0]).toEqual({
      Id: '0',
      Message: JSON.stringify(input[0]),
      MessageAttributes: { type: { DataType: 'String', StringValue: 'order.updated' } },
      MessageGroupId: 'order-0',
      MessageDeduplicationId: 'evt-0',
    });
    expect(report.results[3]).toMatchObject({ status: 'published', index: 3, id: 'evt-3', messageId: 'm-evt-3', attempts: 1 });
  });

  test('keeps each subject on one lane, in the order given, with bounded parallelism', async () => {
    // GIVEN 200 events of 7 subjects over 4 lanes
    const input = events(200, 7);
    let inFlight = 0;
    let maxInFlight = 0;
    sns.on(PublishBatchCommand).callsFake(async (request: PublishBatchCommandInput) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return allSucceed(request);
    });

    // WHEN
    const report = await publisher({ concurrency: 4 }).publish(input);

    // THEN
    expect(report.published).toBe(200);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    const sequences = new Map<string, number[]>();
    for (const entry of calls().flatMap((c) => c.PublishBatchRequestEntries ?? [])) {
      const { subject, sequence } = JSON.parse(entry.Message!) as { subject: string; sequence: number };
      sequences.set(subject, [...(sequences.get(subject) ?? []), sequence]);
    }
    for (const list of sequences.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(report.calls).toBeLessThanOrEqual(20 + 4);
  });

  test('retries only the failed retryable entries of a partial batch failure, with backoff', async () => {
    // GIVEN the first call fails two entries: one server fault, one sender fault
    const delays: number[] = [];
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: ['0', '2', '3'].map((Id) => ({ Id, MessageId: `m-${Id}` })),
        Failed: [
          { Id: '1', Code: 'InternalError', Message: 'try again', SenderFault: false },
          { Id: '4', Code: 'InvalidParameter', Message: 'bad attribute', SenderFault: true },
        ],
      })
      .callsFake(allSucceed);

    // WHEN
    const p = publisher({ concurrency: 1, sleep: async (ms) => void delays.push(ms), random: () => 0.5 });
    const report = await p.publish(events(5));

    // THEN the server fault is retried alone, the sender fault is not
    expect(sentIds()).toEqual([['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4'], ['evt-1']]);
    expect(delays).toEqual([50]);
    expect(report).toMatchObject({ published: 4, failed: 1, calls: 2 });
    expect(report.results[1]).toMatchObject({ status: 'published', attempts: 2 });
    expect(report.results[4]).toMatchObject({
      status: 'failed',
      attempts: 1,
      failure: { code: 'InvalidParameter', message: 'bad attribute', retryable: false },
    });
  });

  test('retries throttled entries until maxAttempts, then reports them failed and skips the rest of the subject', async () => {
    // GIVEN evt-0 of order-a is always throttled; order-a has a later event in the next batch
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      const entries = input.PublishBatchRequestEntries ?? [];
      return {
        Successful: entries.filter((e) => e.MessageDeduplicationId !== 'evt-0').map((e) => ({ Id: e.Id, MessageId: 'm' })),
        Failed: entries
          .filter((e) => e.MessageDeduplicationId === 'evt-0')
          .map((e) => ({ Id: e.Id, Code: 'Throttling', Message: 'slow down', SenderFault: true })),
      };
    });
    const input = [
      event({ id: 'evt-0', subject: 'order-a', sequence: 1 }),
      ...Array.from({ length: 9 }, (_, i) => event({ id: `other-${i}`, subject: `order-${i}` })),
      event({ id: 'evt-10', subject: 'order-a', sequence: 2 }),
      event({ id: 'evt-11', subject: 'order-b', sequence: 1 }),
    ];

    // WHEN
    const report = await publisher({ concurrency: 1, maxAttempts: 3 }).publish(input);

    // THEN
    expect(sentIds()).toEqual([input.slice(0, 10).map((e) => e.id), ['evt-0'], ['evt-0'], ['evt-11']]);
    expect(report.results[0]).toMatchObject({ status: 'failed', attempts: 3, failure: { code: 'Throttling', retryable: true } });
    expect(report.results[10]).toMatchObject({
      status: 'not-sent',
      attempts: 0,
      failure: { code: 'Skipped', message: 'event evt-0 of subject order-a was not published before it', retryable: true },
    });
    expect(report).toMatchObject({ published: 10, failed: 1, notSent: 1, invalid: 0 });
  });

  test('flags an event that a later event of its subject overtook in a partial failure', async () => {
    // GIVEN evt-0 fails once while evt-1, same subject, goes through
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '1', MessageId: 'm-1' }],
        Failed: [{ Id: '0', Code: 'InternalError', Message: 'oops', SenderFault: false }],
      })
      .callsFake(allSucceed);

    // WHEN
    const report = await publisher().publish([event({ id: 'evt-0', sequence: 1 }), event({ id: 'evt-1', sequence: 2 })]);

    // THEN
    expect((report.results[0] as PublishedResult).outOfOrder).toBe(true);
    expect((report.results[1] as PublishedResult).outOfOrder).toBeUndefined();
  });

  test('retries a throttled call as a whole', async () => {
    // GIVEN
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    sns.on(PublishBatchCommand).rejectsOnce(throttled).callsFake(allSucceed);

    // WHEN
    const report = await publisher({ concurrency: 1 }).publish(events(3));

    // THEN
    expect(sentIds()).toEqual([
      ['evt-0', 'evt-1', 'evt-2'],
      ['evt-0', 'evt-1', 'evt-2'],
    ]);
    expect(report).toMatchObject({ published: 3, calls: 2 });
  });

  test('stops after a fatal error and reports every event that was not sent', async () => {
    // GIVEN the topic does not exist
    const notFound = Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
    sns.on(PublishBatchCommand).rejects(notFound);

    // WHEN
    const report = await publisher({ concurrency: 1 }).publish(events(25));

    // THEN one call only; nothing is dropped silently
    expect(report.calls).toBe(1);
    expect(report).toMatchObject({ published: 0, failed: 10, notSent: 15, unknown: 0 });
    expect(report.results[0]).toMatchObject({ status: 'failed', attempts: 1, failure: { code: 'NotFoundException', retryable: false } });
    expect(report.results[24]).toMatchObject({
      status: 'not-sent',
      attempts: 0,
      failure: { code: 'NotSent', message: 'publishing stopped after NotFoundException: Topic does not exist', retryable: true },
    });
    expect(report.results.every((r) => r !== undefined)).toBe(true);
  });

  test('a call whose connection was reset may have published its events: unknown, retryable; the events never sent are not-sent, retryable', async () => {
    // GIVEN the first call's connection is reset after sending, then nothing listens any more
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    sns.on(PublishBatchCommand).rejectsOnce(reset).rejects(refused);

    // WHEN
    const report = await publisher({ concurrency: 1 }).publish(events(25));

    // THEN the first batch is unknown (it may be stored), the rest was never sent; every one may be retried
    expect(sentIds()).toEqual([events(10).map((e) => e.id), events(10).map((e) => e.id)]);
    expect(report).toMatchObject({ published: 0, failed: 0, unknown: 10, notSent: 15 });
    expect(report.results[0]).toMatchObject({ status: 'unknown', attempts: 2, failure: { code: 'ECONNREFUSED', retryable: true } });
    expect(report.results[10]).toMatchObject({ status: 'not-sent', attempts: 0, failure: { code: 'NotSent', retryable: true } });
    expect(report.stoppedBy).toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('a connection refused at once is not-sent; after the SDK retried (a reset first, perhaps) it is unknown', async () => {
    const refused = (attempts: number) =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED', $metadata: { attempts } });

    sns.on(PublishBatchCommand).rejects(refused(1));
    const once = await publisher({ concurrency: 1 }).publish(events(1));
    sns.on(PublishBatchCommand).rejects(refused(3));
    const retried = await publisher({ concurrency: 1 }).publish(events(1));

    expect(once.results[0]).toMatchObject({ status: 'not-sent', attempts: 1, failure: { code: 'ECONNREFUSED', retryable: true } });
    expect(retried.results[0]).toMatchObject({ status: 'unknown', attempts: 1, failure: { code: 'ECONNREFUSED', retryable: true } });
  });

  test('a server error answer and an entry without a result are unknown; an entry SNS refused is failed, retryable per its code', async () => {
    // GIVEN
    sns
      .on(PublishBatchCommand)
      .resolves({
        Successful: [],
        Failed: [{ Id: '1', Code: 'InvalidParameter', Message: 'bad attribute', SenderFault: true }],
      });
    const serverError = Object.assign(new Error('We encountered an internal error'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });

    // WHEN entry 0 gets no result twice; then a call that gets a 500 twice
    const partial = await publisher({ maxAttempts: 2 }).publish([event({ id: 'a', sequence: 1 }), event({ id: 'b', subject: 'other' })]);
    sns.on(PublishBatchCommand).rejects(serverError);
    const failedCall = await publisher({ maxAttempts: 2 }).publish([event({ id: 'c' })]);

    // THEN
    expect(partial.results[0]).toMatchObject({ status: 'unknown', attempts: 2, failure: { code: 'NoResult', retryable: true } });
    expect(partial.results[1]).toMatchObject({ status: 'failed', attempts: 1, failure: { code: 'InvalidParameter', retryable: false } });
    expect(failedCall.results[0]).toMatchObject({ status: 'unknown', attempts: 2, failure: { code: 'InternalError', retryable: true } });
  });

  test('an abort stops at the next batch: the call in flight is awaited, nothing more is sent, the rest is not-sent Interrupted', async () => {
    // GIVEN the publish is aborted while the second call is in flight
    const controller = new AbortController();
    let n = 0;
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      if (++n === 2) controller.abort();
      return allSucceed(input);
    });

    // WHEN
    const report = await publisher({ concurrency: 1 }).publish(events(50), { signal: controller.signal });

    // THEN
    expect(report.calls).toBe(2);
    expect(report).toMatchObject({ interrupted: true, published: 20, notSent: 30, failed: 0, unknown: 0 });
    expect(report.results[19]).toMatchObject({ status: 'published' });
    expect(report.results[20]).toMatchObject({
      status: 'not-sent',
      attempts: 0,
      failure: { code: 'Interrupted', message: 'the publish was interrupted before its batch was sent', retryable: true },
    });
  });

  test('an abort during a retry wait ends the wait and retries nothing', async () => {
    // GIVEN a throttled entry, and a sleep that never ends unless aborted
    const controller = new AbortController();
    sns.on(PublishBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'Throttling', Message: 'slow down', SenderFault: true }] });
    const sleep = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));

    // WHEN
    const publishing = publisher({ sleep }).publish([event({ id: 'evt-0' })], { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const report = await publishing;

    // THEN
    expect(report.calls).toBe(1);
    expect(report.results[0]).toMatchObject({ status: 'failed', attempts: 1, failure: { code: 'Throttling', retryable: true } });
    expect((report.results[0] as NotPublishedResult).failure.message).toBe('slow down (not retried: the publish was interrupted)');
  });

  test('refuses, before any call, every event whose id another event of the input has with different content', async () => {
    // GIVEN events 3 and 4 share id "dup" with different content; events 1 and 5 are exact copies
    const input = [
      event({ id: 'same', subject: 'a' }),
      event({ id: 'evt-1', subject: 'b' }),
      event({ id: 'dup', subject: 'c', sequence: 3 }),
      event({ id: 'dup', subject: 'c', sequence: 4 }),
      event({ subject: 'a', id: 'same' }),
    ];

    // WHEN
    const report = await publisher({ concurrency: 1 }).publish(input);

    // THEN
    expect(sentIds()).toEqual([['same', 'evt-1', 'same']]);
    expect(report).toMatchObject({ published: 3, invalid: 2 });
    const [third, fourth] = [report.results[2], report.results[3]] as InvalidResult[];
    expect(third).toMatchObject({ status: 'invalid', index: 2, id: 'dup' });
    expect(third.error).toBeInstanceOf(DuplicateIdError);
    expect(third.error.message).toBe(
      'id: "dup" is also the id of the event at index 3, with different content: one id must be one event (give each its own id, or drop the copies)',
    );
    expect((fourth.error as DuplicateIdError).indexes).toEqual([2, 3]);
    expect(fourth.error.message).toMatch(/^id: "dup" is also the id of the event at index 2, /);
  });

  test('rejects an invalid event with an error naming the field, and still publishes the rest', async () => {
    // GIVEN
    const input = [event({ id: 'evt-0' }), event({ id: 'evt-1', sequence: 'third' }), { ...event({ id: 'evt-2' }), subject: undefined }];

    // WHEN
    const report = await publisher().publish(input as CloudEventInput[]);

    // THEN
    expect(report).toMatchObject({ published: 1, invalid: 2 });
    expect(sentIds()).toEqual([['evt-0']]);
    const invalid = report.results[1];
    expect(invalid).toMatchObject({ status: 'invalid', index: 1, id: 'evt-1' });
    expect(invalid.status === 'invalid' && invalid.error).toBeInstanceOf(InvalidEventError);
    expect(invalid.status === 'invalid' && invalid.error.message).toBe(
      'sequence: must be a whole number >= 0 or a string of digits (got "third")',
    );
    expect(report.results[2]).toMatchObject({ status: 'invalid', error: { field: 'subject', reason: 'required' } });
  });

  test('a sequence over 2^53-1 is refused naming that limit, as a number or as a string of digits', async () => {
    const report = await publisher().publish([
      event({ id: 'a', sequence: 2 ** 53 }),
      event({ id: 'b', sequence: '9007199254740993' }),
      event({ id: 'c', sequence: Number.MAX_SAFE_INTEGER }),
      event({ id: 'd', sequence: -1 }),
    ]);

    const reasons = report.results.map((r) => (r.status === 'invalid' ? r.error.message : r.status));
    expect(reasons).toEqual([
      'sequence: must be at most 2^53-1 (9007199254740991), the largest whole number compared exactly (got 9007199254740992)',
      'sequence: must be at most 2^53-1 (9007199254740991), the largest whole number compared exactly (got "9007199254740993")',
      'published',
      'sequence: must be a whole number >= 0 or a string of digits (got -1)',
    ]);
  });

  test('makes no call when every event is invalid', async () => {
    const report = await publisher().publish([42, 'x', null] as unknown as CloudEventInput[]);

    expect(report).toMatchObject({ published: 0, invalid: 3, calls: 0 });
    expect(report.results[0]).toMatchObject({ error: { field: 'body', reason: 'must be a JSON object' } });
  });

  test('rejects an event over the topic limit before any call, counting the message attributes', async () => {
    // GIVEN a body of exactly 262,144 bytes: the attribute bytes push it over
    const base = JSON.stringify(event({ id: 'big', data: '' })).length;
    const tooBig = event({ id: 'big', data: 'x'.repeat(262_144 - base) });

    // WHEN
    const report = await publisher().publish([tooBig, event({ id: 'small' })]);

    // THEN
    const result = report.results[0];
    expect(result.status).toBe('invalid');
    const error = result.status === 'invalid' ? result.error : undefined;
    expect(error).toBeInstanceOf(EventTooLargeError);
    expect(error?.message).toBe(
      `body: ${(262_144 + 'type'.length + 'String'.length + 'order.updated'.length).toLocaleString('en-US')} bytes with its message attributes, over the topic's limit of 262,144 bytes`,
    );
    expect(sentIds()).toEqual([['small']]);
  });

  test('splits batches so that no call carries more than the size limit', async () => {
    // GIVEN 5 events of about 100 KB
    const input = Array.from({ length: 5 }, (_, i) => event({ id: `evt-${i}`, subject: `order-${i}`, data: 'x'.repeat(100_000) }));

    // WHEN
    const report = await publisher({ concurrency: 1 }).publish(input);

    // THEN two fit in a call, three would not
    expect(report.published).toBe(5);
    expect(sentIds()).toEqual([['evt-0', 'evt-1'], ['evt-2', 'evt-3'], ['evt-4']]);
    for (const input of calls()) {
      const bytes = (input.PublishBatchRequestEntries ?? []).reduce((n, e) => n + Buffer.byteLength(e.Message!) + 4 + 6 + 13, 0);
      expect(bytes).toBeLessThanOrEqual(262_144);
    }
  });

  test('fills in id, time and specversion when absent, never subject or sequence', async () => {
    // GIVEN
    const sparse = { source: 'urn:test:orders', type: 'order.created', subject: 'order-9', sequence: '1' };
    const p = publisher({ newId: () => 'generated-id', now: () => new Date('2025-03-01T12:00:00.000Z') });

    // WHEN
    const report = await p.publish([sparse, { source: 'urn:test:orders', type: 'order.created', sequence: 2 } as CloudEventInput]);

    // THEN
    const sent = JSON.parse(calls()[0].PublishBatchRequestEntries![0].Message!);
    expect(sent).toEqual({ ...sparse, specversion: '1.0', id: 'generated-id', time: '2025-03-01T12:00:00.000Z' });
    expect(report.results[0]).toMatchObject({ status: 'published', id: 'generated-id', filled: ['specversion', 'id', 'time'] });
    expect(report.results[1]).toMatchObject({ status: 'invalid', error: { field: 'subject' } });
  });

  test('does not fill in anything when fillDefaults is false', async () => {
    const report = await publisher({ fillDefaults: false }).publish([{ ...event(), id: undefined } as CloudEventInput]);

    expect(report.results[0]).toMatchObject({ status: 'invalid', error: { field: 'id', reason: 'required' } });
  });

  test('uses a custom deduplication id, hashed when it is not a valid SNS id', async () => {
    // GIVEN
    const p = publisher({ concurrency: 1, deduplicationId: (e) => `${e.id}:replay:1` });
    const longSubject = 'order '.repeat(30);

    // WHEN
    await p.publish([event({ id: 'evt-0' }), event({ id: 'x'.repeat(130), subject: longSubject })]);

    // THEN
    const entries = calls().flatMap((c) => c.PublishBatchRequestEntries ?? []);
    expect(entries.map((e) => e.MessageDeduplicationId)).toEqual(['evt-0:replay:1', expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(entries[1].MessageGroupId).toMatch(/^[0-9a-f]{64}$/);
  });

  test('sends no group or dedup id to a standard topic', async () => {
    await publisher({ topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders' }).publish([event()]);

    const entry = calls()[0].PublishBatchRequestEntries![0];
    expect(entry.MessageGroupId).toBeUndefined();
    expect(entry.MessageDeduplicationId).toBeUndefined();
  });

  test('reports progress after validation and after each batch', async () => {
    const seen: number[] = [];
    await publisher({ concurrency: 1, onProgress: (p) => seen.push(p.published + p.failed + p.invalid) }).publish(events(21));

    expect(seen).toEqual([0, 10, 20, 21]);
  });

  test('refuses invalid options, naming each', () => {
    expect(() => new EventPublisher({ topicArn: 'orders', concurrency: 0, maxAttempts: 1.5 })).toThrow(
      /topicArn must be an SNS topic ARN \(got "orders"\); concurrency must be a whole number between 1 and 64 \(got 0\); maxAttempts must be a whole number between 1 and 100 \(got 1.5\)/,
    );
  });
});
