import type { SQSEvent } from 'aws-lambda';
import type { FunctionHost, InvokeOutcome } from '../../packages/tools/src/local/lambda-host';
import { QueuePoller, type PollerOptions } from '../../packages/tools/src/local/poller';
import type { SqsWire } from '../../packages/tools/src/local/sqs-wire';

/**
 * An in-memory queue behind the wire client's interface: enough to watch what the poller calls.
 * A received message is in flight until the VisibilityTimeout of its receive ends, then visible
 * again; a delete only takes effect with the message's latest receipt handle.
 */
class FakeQueue {
  public readonly calls: { action: string; input: Record<string, unknown>; at: number }[] = [];
  private visible: { MessageId: string; Body: string; group?: string; receives: number }[] = [];
  private readonly inFlight = new Map<string, { message: FakeQueue['visible'][number]; until: number; handle: string }>();

  constructor(bodies: (string | [body: string, group: string])[]) {
    this.visible = bodies.map((b, i) => {
      const [Body, group] = typeof b === 'string' ? [b, undefined] : b;
      return { MessageId: `m-${i}`, Body, group, receives: 0 };
    });
  }

  readonly wire = {
    call: async (action: string, input: Record<string, unknown>) => {
      this.calls.push({ action, input, at: Date.now() });
      this.expire();
      if (action === 'ReceiveMessage') {
        const taken = this.visible.splice(0, Number(input.MaxNumberOfMessages));
        if (taken.length === 0) await new Promise((r) => setTimeout(r, 5));
        return {
          Messages: taken.map((m) => {
            const handle = `${m.MessageId}/${++m.receives}`;
            this.inFlight.set(m.MessageId, { message: m, until: Date.now() + Number(input.VisibilityTimeout) * 1000, handle });
            return {
              MessageId: m.MessageId,
              ReceiptHandle: handle,
              Body: m.Body,
              Attributes: {
                SentTimestamp: String(Date.now()),
                ApproximateReceiveCount: String(m.receives),
                ...(m.group ? { MessageGroupId: m.group } : {}),
              },
            };
          }),
        };
      }
      const entries = (input.Entries as { Id: string; ReceiptHandle: string }[] | undefined) ?? [];
      if (action === 'DeleteMessageBatch') {
        for (const e of entries) {
          const held = this.inFlight.get(e.ReceiptHandle.split('/')[0]);
          if (held?.handle === e.ReceiptHandle) this.inFlight.delete(held.message.MessageId);
        }
      }
      // Like SQS, a delete answers success for an outdated handle too.
      return { Successful: entries.map((e) => ({ Id: e.Id })) };
    },
  };

  /** Messages neither visible nor in flight: deleted. */
  get remaining(): number {
    this.expire();
    return this.visible.length + this.inFlight.size;
  }

  deleted(): string[] {
    return this.calls
      .filter((c) => c.action === 'DeleteMessageBatch')
      .flatMap((c) => (c.input.Entries as { ReceiptHandle: string }[]).map((e) => e.ReceiptHandle.split('/')[0]));
  }

  private expire(): void {
    for (const [id, held] of this.inFlight) {
      if (held.until > Date.now()) continue;
      this.inFlight.delete(id);
      this.visible.push(held.message);
    }
  }
}

function poller(queue: FakeQueue, handler: (event: SQSEvent) => InvokeOutcome | Promise<InvokeOutcome>, overrides: Partial<PollerOptions> = {}) {
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
  test('deletes the successes, and a reported failure comes back when its visibility timeout ends', async () => {
    // GIVEN a handler that fails m-1 on its first delivery
    const queue = new FakeQueue(['a', 'b', 'c']);
    const { p, events } = poller(queue, (event) => ({
      ok: true,
      durationMs: 1,
      result: {
        batchItemFailures: event.Records.filter((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      },
    }));
    // WHEN
    p.start();
    await until(() => queue.remaining === 0);
    await p.stop();
    // THEN every receive asks for the visibility timeout, and nothing is made visible early
    const receives = queue.calls.filter((c) => c.action === 'ReceiveMessage');
    expect(new Set(receives.map((c) => c.input.VisibilityTimeout))).toEqual(new Set([0.1]));
    expect(queue.calls.filter((c) => c.action === 'ChangeMessageVisibilityBatch')).toHaveLength(0);
    expect(queue.deleted()).toEqual(['m-0', 'm-2', 'm-1']);
    expect(events[0].Records.map((r) => r.eventSource)).toEqual(['aws:sqs', 'aws:sqs', 'aws:sqs']);
    expect(p.stats).toMatchObject({ deleted: 3, failedAttempts: 1, batches: 2, redeliveredInFlight: 0, staleDeletes: 0 });
    expect(p.stats.messageIds.size).toBe(3);
  });

  test('an invocation slower than the visibility timeout sees its messages delivered again, and its late delete deletes nothing', async () => {
    // GIVEN two lanes and a handler that takes three visibility timeouts over the first delivery
    const queue = new FakeQueue(['slow']);
    const seen: string[] = [];
    const { p } = poller(
      queue,
      async (event) => {
        const r = event.Records[0];
        seen.push(r.attributes.ApproximateReceiveCount);
        if (r.attributes.ApproximateReceiveCount === '1') await new Promise((resolve) => setTimeout(resolve, 300));
        return { ok: true, durationMs: 1, result: { batchItemFailures: [] } };
      },
      { concurrency: 2 },
    );
    // WHEN
    p.start();
    await until(() => seen.length === 2 && p.stats.staleDeletes === 1);
    await p.stop();
    // THEN the second delivery deleted it; the first invocation's delete used an outdated handle
    expect(seen).toEqual(['1', '2']);
    expect(queue.remaining).toBe(0);
    expect(p.stats).toMatchObject({ redeliveredInFlight: 1, staleDeletes: 1, deleted: 1, failedAttempts: 0 });
  });

  test('a delete after the visibility timeout ended deletes nothing, even with no receive since, and is not counted', async () => {
    // GIVEN one lane, and a handler that takes three visibility timeouts over the first delivery
    const queue = new FakeQueue(['slow']);
    const { p } = poller(
      queue,
      async (event) => {
        if (event.Records[0].attributes.ApproximateReceiveCount === '1') await new Promise((resolve) => setTimeout(resolve, 300));
        return { ok: true, durationMs: 1, result: null };
      },
      { concurrency: 1 },
    );
    // WHEN
    p.start();
    await until(() => queue.remaining === 0);
    await p.stop();
    // THEN the first delete came too late; the second delivery's delete removed the message
    expect(p.stats).toMatchObject({ staleDeletes: 1, deleted: 1, redeliveredInFlight: 0 });
  });

  test('a FIFO response with a success after a failure in its group is applied as Lambda applies it, and recorded', async () => {
    // GIVEN a wrong handler that fails the first message of group g1 and reports the second as processed
    const queue = new FakeQueue([
      ['1', 'g1'],
      ['2', 'g1'],
      ['3', 'g2'],
    ]);
    let calls = 0;
    const { p } = poller(
      queue,
      (event) => ({
        ok: true,
        durationMs: 1,
        result: { batchItemFailures: ++calls === 1 ? [{ itemIdentifier: event.Records[0].messageId }] : [] },
      }),
      { fifo: true },
    );
    // WHEN
    p.start();
    await until(() => queue.remaining === 0);
    await p.stop();
    // THEN the later message of g1 was deleted before the failed one: the poller did not hold it back
    expect(queue.deleted()).toEqual(['m-1', 'm-2', 'm-0']);
    expect(p.stats.orderingViolations).toEqual([{ group: 'g1', failed: [{ messageId: 'm-0' }], succeededAfter: [{ messageId: 'm-1' }] }]);
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
