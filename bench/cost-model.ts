/**
 * Figure 6: cost per million events, from request counts per event. Pure:
 * the counts come from the measurements (bench/cost-lines.ts), the prices
 * from bench/prices.ts.
 */
import { PRICES, type Prices } from './prices';

const KB64 = 64 * 1024;
const GB = 1024 ** 3;
const MILLION = 1_000_000;

export interface QueueUse {
  readonly fifo: boolean;
  /** SendMessage requests per event: SNS delivering the event to the queue. */
  readonly sendsPerEvent: number;
  /** ReceiveMessage requests per event (the Lambda poller's). */
  readonly receivesPerEvent: number;
  /** DeleteMessageBatch requests per event (the Lambda poller's). */
  readonly deletesPerEvent: number;
}

export interface FunctionUse {
  readonly invocationsPerEvent: number;
  /** Billed duration of one invocation, before rounding up to the ms. */
  readonly msPerInvocation: number;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
}

/** What one event costs to carry through a pipeline, in requests and units. */
export interface PipelineUse {
  readonly name: string;
  /** Bytes of one event's message body and attributes. */
  readonly eventBytes: number;
  /** SNS Publish or PublishBatch requests per event (before 64 KB chunking). */
  readonly publishRequestsPerEvent: number;
  /** Subscriptions each event is delivered to. */
  readonly deliveriesPerEvent: number;
  readonly queues: readonly QueueUse[];
  readonly functions: readonly FunctionUse[];
  /** DynamoDB write request units per event, all tables and indexes. */
  readonly writeUnitsPerEvent: number;
  /**
   * API Gateway REST API requests per event, for events published over HTTPS through the Events
   * API (each request then makes the SNS publish request counted above). @default 0: SDK publishing
   */
  readonly apiRequestsPerEvent?: number;
}

export interface CostPerMillion {
  readonly name: string;
  readonly sns: number;
  readonly sqs: number;
  readonly lambda: number;
  readonly dynamodb: number;
  /** API Gateway REST requests: 0 for SDK publishing. */
  readonly api: number;
  readonly total: number;
}

/** 64 KB chunks of a request carrying `bytes`: SNS and SQS bill each chunk as one request. */
export function chunks(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB64));
}

/** Bytes one batch request carries: the events of 1 / requestsPerEvent of them, 10 at most. */
function batchBytes(eventBytes: number, requestsPerEvent: number): number {
  return eventBytes * Math.min(10, 1 / Math.max(requestsPerEvent, 1e-9));
}

/** USD per million events. */
export function costPerMillion(use: PipelineUse, prices: Prices = PRICES): CostPerMillion {
  const perMillion = (requestsPerEvent: number, usdPerMillion: number) => requestsPerEvent * usdPerMillion;
  const gbPerMillion = (use.eventBytes * MILLION) / GB;

  const sns =
    perMillion(use.publishRequestsPerEvent * chunks(batchBytes(use.eventBytes, use.publishRequestsPerEvent)), prices.snsFifoPublish.usd) +
    gbPerMillion * prices.snsFifoPublishPayload.usd +
    perMillion(use.deliveriesPerEvent, prices.snsFifoDelivery.usd) +
    use.deliveriesPerEvent * gbPerMillion * prices.snsFifoDeliveryPayload.usd;

  const sqs = use.queues.reduce((sum, q) => {
    const price = q.fifo ? prices.sqsFifo.usd : prices.sqsStandard.usd;
    const requests =
      q.sendsPerEvent * chunks(use.eventBytes) +
      q.receivesPerEvent * chunks(batchBytes(use.eventBytes, q.receivesPerEvent)) +
      q.deletesPerEvent;
    return sum + perMillion(requests, price);
  }, 0);

  const lambda = use.functions.reduce((sum, f) => {
    const gbSecondPrice = f.architecture === 'arm64' ? prices.lambdaArmGbSecond.usd : prices.lambdaX86GbSecond.usd;
    const gbSeconds = f.invocationsPerEvent * MILLION * (Math.ceil(f.msPerInvocation) / 1000) * (f.memoryMb / 1024);
    return sum + perMillion(f.invocationsPerEvent, prices.lambdaRequests.usd) + gbSeconds * gbSecondPrice;
  }, 0);

  const dynamodb = perMillion(use.writeUnitsPerEvent, prices.dynamodbWriteUnit.usd);
  // API Gateway bills REST API requests by the call, whatever their size.
  const api = perMillion(use.apiRequestsPerEvent ?? 0, prices.apiGatewayRestRequest.usd);
  return { name: use.name, sns, sqs, lambda, dynamodb, api, total: sns + sqs + lambda + dynamodb + api };
}

const minOf = (xs: readonly number[]) => Math.min(...xs);

/**
 * The term-by-term minimum of `uses`: for each request, invocation, duration, memory and write
 * unit per event, the lowest any of them has. Queues and functions are matched by position.
 */
export function minimumUse(name: string, uses: readonly PipelineUse[]): PipelineUse {
  if (uses.length === 0) throw new Error('minimumUse needs at least one use');
  const [first] = uses;
  for (const u of uses) {
    if (u.queues.length !== first.queues.length || u.functions.length !== first.functions.length) {
      throw new Error(`${u.name} has other queues or functions than ${first.name}`);
    }
  }
  const each = <T>(pick: (u: PipelineUse) => T) => uses.map(pick);
  return {
    name,
    eventBytes: minOf(each((u) => u.eventBytes)),
    publishRequestsPerEvent: minOf(each((u) => u.publishRequestsPerEvent)),
    deliveriesPerEvent: minOf(each((u) => u.deliveriesPerEvent)),
    queues: first.queues.map((q, i) => ({
      fifo: q.fifo,
      sendsPerEvent: minOf(each((u) => u.queues[i].sendsPerEvent)),
      receivesPerEvent: minOf(each((u) => u.queues[i].receivesPerEvent)),
      deletesPerEvent: minOf(each((u) => u.queues[i].deletesPerEvent)),
    })),
    functions: first.functions.map((_, i) => ({
      invocationsPerEvent: minOf(each((u) => u.functions[i].invocationsPerEvent)),
      msPerInvocation: minOf(each((u) => u.functions[i].msPerInvocation)),
      memoryMb: minOf(each((u) => u.functions[i].memoryMb)),
      architecture: uses.some((u) => u.functions[i].architecture === 'arm64') ? 'arm64' : 'x86_64',
    })),
    writeUnitsPerEvent: minOf(each((u) => u.writeUnitsPerEvent)),
    apiRequestsPerEvent: minOf(each((u) => u.apiRequestsPerEvent ?? 0)),
  };
}

/**
 * The cost floor: `unavoidable` (what no configuration avoids, at AWS maxima) taken term by term
 * together with every line, priced, and then, service by service, the lowest of that price and
 * every line's. So the floor is at or below every line by construction, whatever the prices and
 * the 64 KB chunking do.
 */
export function costFloor(
  unavoidable: PipelineUse,
  lines: readonly PipelineUse[],
  prices: Prices = PRICES,
): { use: PipelineUse; cost: CostPerMillion } {
  const use = minimumUse(unavoidable.name, [unavoidable, ...lines]);
  const costs = [costPerMillion(use, prices), ...lines.map((l) => costPerMillion(l, prices))];
  const service = (k: 'sns' | 'sqs' | 'lambda' | 'dynamodb' | 'api') => minOf(costs.map((c) => c[k]));
  const [sns, sqs, lambda, dynamodb, api] = [service('sns'), service('sqs'), service('lambda'), service('dynamodb'), service('api')];
  return { use, cost: { name: use.name, sns, sqs, lambda, dynamodb, api, total: sns + sqs + lambda + dynamodb + api } };
}
