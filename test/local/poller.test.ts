import type { SQSEvent } from 'aws-lambda';
import type { FunctionHost, InvokeOutcome } from '../../local/lambda-host';
import { QueuePoller, type PollerOptions } from '../../local/poller';
import type { SqsWire } from '../../local/sqs-wire';

/** An in-memory queue behind the wire client's interface: enough to watch what the poller calls. */
class FakeQueue {
  public readonly calls: { action: string; input: Record<string, unknown>; at: number }[] = [];
  private visible: { MessageId: string; Body: string; receives: number }[] = [];

  constructor(bodies: string[]) {
    this.visible = bodies.map((Body, i) => ({ MessageId: `m-${i}`, Body, receives: 0 }));
  }

  readonly wire = {
    call: async (action: string, input: Record<string, unknown>) => {
      this.calls.push({ action, input, at: Date.now() });
      if (action === 'ReceiveMessage') {
        const taken = this.visible.splice(0, Number(input.MaxNumberOfMessages));
        if (taken.length === 0) await new Promise((r) => setTimeout(r, 5));
        return {
          Messages: taken.map((m) => ({
            MessageId: m.MessageId,
            ReceiptHandle: `${m.MessageId}/${++m.receives}`,
            Body: m.Body,
            Attributes: { SentTimestamp: String(Date.now()), ApproximateReceiveCount: String(m.receives) },
          })),
        };
      }
      if (action === 'ChangeMessageVisibilityBatch') {
        for (const e of input.Entries as { ReceiptHandle: string }[]) {
          const [id, receives] = e.ReceiptHandle.split('/');
          this.visible.push({ MessageId: id, Body: `retry of ${id}`, receives: Number(receives) });
        }
      }
      const entries = (input.Entries as { Id: string }[] | undefined) ?? [];
      return { Successful: entries.map((e) => ({ Id: e.Id })) };
    },
  };

  deleted(): string[] {
    return this.calls
      .filter((c) => c.action === 'DeleteMessageBatch')
      .flatMap((c) => (c.input.Entries as { ReceiptHandle: string }[]).map((e) => e.ReceiptHandle.split('/')[0]));
  }
}

function poller(queue: FakeQueue, handler: (event: SQSEvent) => InvokeOutcome, overrides: Partial<PollerOptions> = {}) {
  const events: SQSEvent[] = [];
  const host = {
    invoke: async (event: SQSEvent) => {
      events.push(event);
      return handler(event);
    },
  };
  const p = new QueuePoller({
    sqs: queue.wire as unknown as SqsWire,
    host: host as unknown as FunctionHost,
    queueUrl: 'http://queue',
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:queue',
    fifo: false,
    region: 'us-east-1',
    batchSize: 10,
    batchingWindowMs: 0,
    visibilityTimeoutMs: 100,
    reportBatchItemFailures: true,
    concurrency: 1,
    ...overrides,
  });
  return { p, events };
}

async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('QueuePoller', () => {
  test('deletes the successes, and a reported failure comes back after the visibility timeout', async () => {
    // GIVEN a handler that fails m-1 on its first delivery
    const queue = new FakeQueue(['a', 'b', 'c']);
    const { p, events } = poller(queue, (event) => ({
      ok: true,
      durationMs: 1,
      result: { batchItemFailures: event.Records.filter((r) => r.body === 'b').map((r) => ({ itemIdentifier: r.messageId })) },
    }));
    // WHEN
    p.start();
    await until(() => queue.deleted().length === 3);
    await p.stop();
    // THEN
    expect(queue.deleted()).toEqual(['m-0', 'm-2', 'm-1']);
    const released = queue.calls.find((c) => c.action === 'ChangeMessageVisibilityBatch')!;
    expect(released.input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'm-1/1', VisibilityTimeout: 0 }]);
    expect(released.at - queue.calls[0].at).toBeGreaterThanOrEqual(95);
    expect(events[0].Records.map((r) => r.eventSource)).toEqual(['aws:sqs', 'aws:sqs', 'aws:sqs']);
    expect(p.stats).toMatchObject({ deleted: 3, failedAttempts: 1, batches: 2 });
    expect(p.stats.messageIds.size).toBe(3);
  });

  test('a thrown error leaves the whole batch for redelivery', async () => {
    const queue = new FakeQueue(['a', 'b']);
    let calls = 0;
    const { p } = poller(queue, () => (++calls === 1 ? { ok: false, durationMs: 1 } : { ok: true, durationMs: 1, result: null }));
    p.start();
    await until(() => queue.deleted().length === 2);
    await p.stop();
    expect(p.stats).toMatchObject({ failedAttempts: 2, deleted: 2 });
  });

  test('gathers up to BatchSize records within the batching window', async () => {
    const queue = new FakeQueue(Array.from({ length: 25 }, (_, i) => `m${i}`));
    const { p, events } = poller(queue, () => ({ ok: true, durationMs: 1, result: null }), {
      batchSize: 25,
      batchingWindowMs: 200,
    });
    p.start();
    await until(() => queue.deleted().length === 25);
    await p.stop();
    expect(events.map((e) => e.Records.length)).toEqual([25]);
    // Deletes go 10 at a time.
    expect(queue.calls.filter((c) => c.action === 'DeleteMessageBatch')).toHaveLength(3);
  });
});
