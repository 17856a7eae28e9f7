/**
 * DynamoDB faults from the proxy on a share of the write requests: errors, UnprocessedItems, slow
 * and lost responses, and crashes of the execution environment right after a write lands.
 */
import type { FaultKind } from '../fault-proxy';
import type { Harness } from '../harness';
import { demoMessages } from '../messages';
import { type Check, type Scenario, commonChecks, check, timed } from './scenario';

/**
 * A DynamoDB fault from the proxy on a share of the write requests. With `minimum`, the first
 * writes get the fault until that many were injected, so that a rare fault happens at any size.
 */
function dynamodbFault(
  id: string,
  fault: string,
  how: string,
  rules: readonly { kind: FaultKind; rate: number; delayMs?: number }[],
  extra: (h: Harness, before: Map<string, number>) => Check[] = () => [],
  minimum = 0,
): Scenario {
  return {
    id,
    faults: [fault],
    async run(h, scale, seed) {
      const { messages } = demoMessages(id, { events: scale.events, subjects: scale.subjects, seed, malformedRate: 0 });
      const kinds = [...new Set(rules.map((r) => r.kind))];
      const before = h.proxy.injectedTotal(kinds);
      const errorsBefore = new Map(h.observer.errors);
      const first = minimum > 0 ? [{ ...rules[0], rate: 1, limit: h.proxy.injected.get(rules[0].kind)! + minimum }] : [];
      const { value: published, seconds } = await timed(() => h.publishUnderFaults([...first, ...rules], messages));
      const injected = h.proxy.injectedTotal(kinds) - before;
      const report = await h.check(published);
      const checks = [...commonChecks(injected, report, published.length, messages.length), ...extra(h, errorsBefore)];
      return [{ id, fault, how, injected, report, checks, seconds }];
    },
  };
}

function invocationErrors(name: string, errorType: string) {
  return (h: Harness, before: Map<string, number>): Check[] => {
    const n = (h.observer.errors.get(errorType) ?? 0) - (before.get(errorType) ?? 0);
    return [check(name, n > 0, `${n} invocations failed with ${errorType}`)];
  };
}

export const DYNAMODB_SCENARIOS: readonly Scenario[] = [
  dynamodbFault('throughput', 'ProvisionedThroughputExceededException', 'on 15% of DynamoDB writes', [{ kind: 'throughput', rate: 0.15 }]),
  dynamodbFault('throttling', 'ThrottlingException', 'on 15% of DynamoDB writes', [{ kind: 'throttling', rate: 0.15 }]),
  dynamodbFault('server-error', 'HTTP 500 InternalServerError', 'on 15% of DynamoDB writes', [{ kind: 'server-error', rate: 0.15 }]),
  dynamodbFault('unprocessed', 'BatchWriteItem UnprocessedItems', 'about half the items left unprocessed in 50% of the calls', [{ kind: 'unprocessed', rate: 0.5 }]),
  dynamodbFault('slow', 'Slow DynamoDB responses', '15% of writes delayed 100–300 ms, 1% by 2–6 s (past the function timeout)', [
    { kind: 'slow', rate: 0.01, delayMs: 4_000 },
    { kind: 'slow', rate: 0.15, delayMs: 200 },
  ]),
  dynamodbFault('lost-response', 'Write lands, response lost (HTTP 500)', 'on 10% of DynamoDB writes', [{ kind: 'lost-response', rate: 0.1 }]),
  dynamodbFault(
    'crash-exit',
    'Handler process exits mid-batch',
    'right after the first 2 and then 2% of DynamoDB writes land',
    [{ kind: 'crash-exit', rate: 0.02 }],
    invocationErrors('execution environments exited mid-batch', 'Runtime.ExitError'),
    2,
  ),
  dynamodbFault(
    'crash-throw',
    'Handler throws mid-batch',
    'right after the first 2 and then 2% of DynamoDB writes land; its other writes carry on',
    [{ kind: 'crash-throw', rate: 0.02 }],
    invocationErrors('invocations threw mid-batch', 'InjectedCrash'),
    2,
  ),
];
