/**
 * CloudWatch embedded metric format (EMF) in log lines: a line that is a JSON object with an `_aws`
 * member is a metric document, read as CloudWatch Logs reads it (namespace, dimension sets, metric
 * definitions, values or arrays of values at the root); other lines are not metrics. A document
 * that breaks the format is reported and counts nothing. Datapoints are summed per metric, per
 * consumer (the `Pipeline` and `Consumer` dimensions of the default handlers) and per second.
 * The local run reads what the functions print (FunctionLogs); `status --local` reads the same
 * lines from the log files.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The metrics the default handlers publish, in the order they are shown: the names of
 * `HandlerMetric` in lib/ (test/cli/emf.test.ts checks it).
 */
export const HANDLER_METRICS: readonly string[] = [
  'EventsStored',
  'DuplicatesSkipped',
  'EventsSuperseded',
  'EventsDeadLettered',
  'EventsReplayed',
  'RecordsFailed',
  'BatchWriteRetries',
  'UnprocessedItems',
];

/** The dimensions that name a consumer of the default handlers. */
export const CONSUMER_DIMENSIONS = { pipeline: 'Pipeline', consumer: 'Consumer' } as const;

/**
 * The metrics that each give a record its final outcome: summed, the events a consumer handled
 * (RecordsFailed is left out: a failed record comes back and is counted again).
 */
export const HANDLED_METRICS: readonly string[] = ['EventsStored', 'DuplicatesSkipped', 'EventsSuperseded', 'EventsDeadLettered'];

const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second',
  'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);
/** The format's limits: metrics per directive, dimension keys per set, values per metric. */
const MAX_METRICS = 100;
const MAX_DIMENSIONS = 30;
const MAX_VALUES = 100;

/** One metric of one dimension set in a document: CloudWatch stores it as one datapoint. */
export interface EmfDatapoint {
  readonly namespace: string;
  /** The dimension set with its values from the root; `{}` for a metric without dimensions. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly name: string;
  /** `None` when the definition has no Unit. */
  readonly unit: string;
  /** 1 (high resolution) or 60 (standard). */
  readonly storageResolution: number;
  readonly values: readonly number[];
  /** `_aws.Timestamp`, in milliseconds since the epoch. */
  readonly timestamp: number;
}

export type EmfLine =
  | { readonly kind: 'other' }
  | { readonly kind: 'emf'; readonly datapoints: readonly EmfDatapoint[] }
  | { readonly kind: 'malformed'; readonly reason: string };

const OTHER: EmfLine = { kind: 'other' };

class EmfFormatError extends Error {
  public readonly name = 'EmfFormatError';
}

/**
 * Reads one log line. A line is a metric document when it is a JSON object with an `_aws` member;
 * one that starts with `{`, names `"_aws"` and is not valid JSON is malformed too. Anything else
 * is an ordinary log line.
 */
export function parseEmfLine(line: string): EmfLine {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('"_aws"')) return OTHER;
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    return { kind: 'malformed', reason: `not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(root) || !('_aws' in root)) return OTHER;
  try {
    return { kind: 'emf', datapoints: datapointsOf(root) };
  } catch (error) {
    if (error instanceof EmfFormatError) return { kind: 'malformed', reason: error.message };
    throw error;
  }
}

function datapointsOf(root: Record<string, unknown>): EmfDatapoint[] {
  const aws = root._aws;
  if (!isObject(aws)) throw new EmfFormatError('_aws must be an object');
  const timestamp = aws.Timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) {
    throw new EmfFormatError(`_aws.Timestamp must be milliseconds since the epoch (got ${show(timestamp)})`);
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) throw new EmfFormatError('_aws.CloudWatchMetrics must be an array');
  const datapoints: EmfDatapoint[] = [];
  aws.CloudWatchMetrics.forEach((directive: unknown, d) => {
    const at = `_aws.CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) throw new EmfFormatError(`${at} must be an object`);
    const { Namespace: namespace, Dimensions: dimensionSets, Metrics: metrics } = directive;
    if (typeof namespace !== 'string' || namespace.length < 1 || namespace.length > 255) {
      throw new EmfFormatError(`${at}.Namespace must be a string of 1 to 255 characters (got ${show(namespace)})`);
    }
    if (!Array.isArray(dimensionSets)) throw new EmfFormatError(`${at}.Dimensions must be an array of dimension sets`);
    if (!Array.isArray(metrics) || metrics.length > MAX_METRICS) {
      throw new EmfFormatError(`${at}.Metrics must be an array of at most ${MAX_METRICS} metric definitions`);
    }
    // No dimension set: the metrics are published without dimensions.
    const sets = dimensionSets.length === 0 ? [[]] : dimensionSets;
    const dimensions = sets.map((set: unknown, s) => dimensionValues(root, set, `${at}.Dimensions[${s}]`));
    metrics.forEach((definition: unknown, m) => {
      const where = `${at}.Metrics[${m}]`;
      if (!isObject(definition) || typeof definition.Name !== 'string' || definition.Name === '') {
        throw new EmfFormatError(`${where} must have a Name`);
      }
      const { Name: name, Unit: unit = 'None', StorageResolution: storageResolution = 60 } = definition;
      if (typeof unit !== 'string' || !UNITS.has(unit)) throw new EmfFormatError(`${where}: Unit ${show(unit)} is not a CloudWatch unit`);
      if (storageResolution !== 1 && storageResolution !== 60) {
        throw new EmfFormatError(`${where}: StorageResolution must be 1 or 60 (got ${show(storageResolution)})`);
      }
      const values = metricValues(root[name], name);
      for (const dims of dimensions) datapoints.push({ namespace, dimensions: dims, name, unit, storageResolution, values, timestamp });
    });
  });
  return datapoints;
}

function dimensionValues(root: Record<string, unknown>, set: unknown, at: string): Record<string, string> {
  if (!Array.isArray(set) || set.length > MAX_DIMENSIONS || !set.every((k) => typeof k === 'string')) {
    throw new EmfFormatError(`${at} must be an array of at most ${MAX_DIMENSIONS} dimension names`);
  }
  const values: Record<string, string> = {};
  for (const key of set as string[]) {
    const value = root[key];
    if (typeof value !== 'string' || value.length < 1 || value.length > 1024) {
      throw new EmfFormatError(`${at}: dimension ${key} must have a string value of 1 to 1024 characters at the root (got ${show(value)})`);
    }
    values[key] = value;
  }
  return values;
}

function metricValues(value: unknown, name: string): number[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || values.length > MAX_VALUES || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new EmfFormatError(`metric ${name} must have a number, or an array of 1 to ${MAX_VALUES} numbers, at the root (got ${show(value)})`);
  }
  return values as number[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A malformed metric document: where it was and what is wrong with it. */
export interface EmfProblem {
  /** The function (or log file) that wrote it. */
  readonly source: string;
  /** 1-based line number in that function's log. */
  readonly line: number;
  readonly reason: string;
}

/** Sum, sample count, minimum and maximum: the statistics CloudWatch keeps of a datapoint set. */
export interface MetricStats {
  sum: number;
  samples: number;
  min: number;
  max: number;
}

/** A consumer's metrics: those whose dimension set is exactly `Pipeline` and `Consumer`. */
export interface ConsumerMetrics {
  readonly namespace: string;
  readonly pipeline: string;
  readonly consumer: string;
  /** Who wrote them: function logical ids (or log file names). */
  readonly sources: readonly string[];
  /** Metric documents, i.e. invocations of a default handler (it flushes once per invocation). */
  readonly documents: number;
  /** Sum of the values of each metric. */
  readonly totals: Readonly<Record<string, number>>;
  /** Sums per second since the epoch (whole seconds, as CloudWatch's 1-second periods), in order. */
  readonly seconds: readonly { readonly second: number; readonly sums: Readonly<Record<string, number>> }[];
  /** Latest `_aws.Timestamp`. */
  readonly lastTimestamp: number;
}

/** A metric of another dimension set than a consumer's, summed. */
export interface OtherMetric {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly name: string;
  readonly unit: string;
  readonly sum: number;
  readonly samples: number;
}

interface Series {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly name: string;
  readonly unit: string;
  readonly total: MetricStats;
  readonly perSecond: Map<number, MetricStats>;
}

interface ConsumerState {
  readonly namespace: string;
  readonly pipeline: string;
  readonly consumer: string;
  readonly sources: Set<string>;
  documents: number;
  lastTimestamp: number;
}

/** Problems kept with their reason; the rest are only counted. */
const MAX_PROBLEMS_KEPT = 20;

/** Metric documents read from log lines, aggregated. */
export class EmfMetrics {
  /** Valid metric documents read. */
  public documents = 0;
  /** Malformed metric documents: counted, listed up to 20 in `problems`, and not aggregated. */
  public malformed = 0;
  public readonly problems: EmfProblem[] = [];
  private readonly series = new Map<string, Series>();
  private readonly consumerStates = new Map<string, ConsumerState>();

  /** Reads one log line of `source`; anything but a metric document is ignored. */
  add(line: string, source: string, lineNumber: number): void {
    const parsed = parseEmfLine(line);
    if (parsed.kind === 'other') return;
    if (parsed.kind === 'malformed') {
      this.malformed++;
      if (this.problems.length < MAX_PROBLEMS_KEPT) this.problems.push({ source, line: lineNumber, reason: parsed.reason });
      return;
    }
    this.documents++;
    const counted = new Set<ConsumerState>();
    for (const point of parsed.datapoints) {
      this.record(point);
      const consumer = this.consumerOf(point);
      if (!consumer || counted.has(consumer)) continue;
      counted.add(consumer);
      consumer.documents++;
      consumer.sources.add(source);
      consumer.lastTimestamp = Math.max(consumer.lastTimestamp, point.timestamp);
    }
  }

  /** Per consumer (namespace, Pipeline, Consumer), in the order first seen. */
  consumers(): ConsumerMetrics[] {
    return [...this.consumerStates.entries()].map(([key, state]) => {
      const series = [...this.series.values()].filter((s) => consumerKey(s) === key);
      const totals = Object.fromEntries(series.map((s) => [s.name, s.total.sum]));
      const seconds = [...new Set(series.flatMap((s) => [...s.perSecond.keys()]))].sort((a, b) => a - b);
      return {
        namespace: state.namespace,
        pipeline: state.pipeline,
        consumer: state.consumer,
        sources: [...state.sources],
        documents: state.documents,
        totals,
        seconds: seconds.map((second) => ({
          second,
          sums: Object.fromEntries(series.filter((s) => s.perSecond.has(second)).map((s) => [s.name, s.perSecond.get(second)!.sum])),
        })),
        lastTimestamp: state.lastTimestamp,
      };
    });
  }

  /** The metrics of any other dimension set (none for the default handlers). */
  others(): OtherMetric[] {
    return [...this.series.values()]
      .filter((s) => consumerKey(s) === undefined)
      .map((s) => ({ namespace: s.namespace, dimensions: s.dimensions, name: s.name, unit: s.unit, sum: s.total.sum, samples: s.total.samples }));
  }

  private record(point: EmfDatapoint): void {
    const key = JSON.stringify([point.namespace, point.dimensions, point.name]);
    let series = this.series.get(key);
    if (!series) {
      series = { namespace: point.namespace, dimensions: point.dimensions, name: point.name, unit: point.unit, total: emptyStats(), perSecond: new Map() };
      this.series.set(key, series);
    }
    const second = Math.floor(point.timestamp / 1000);
    let bucket = series.perSecond.get(second);
    if (!bucket) series.perSecond.set(second, (bucket = emptyStats()));
    for (const v of point.values) {
      addSample(series.total, v);
      addSample(bucket, v);
    }
  }

  private consumerOf(point: EmfDatapoint): ConsumerState | undefined {
    const key = consumerKey(point);
    if (key === undefined) return undefined;
    let state = this.consumerStates.get(key);
    if (!state) {
      state = {
        namespace: point.namespace,
        pipeline: point.dimensions[CONSUMER_DIMENSIONS.pipeline],
        consumer: point.dimensions[CONSUMER_DIMENSIONS.consumer],
        sources: new Set(),
        documents: 0,
        lastTimestamp: 0,
      };
      this.consumerStates.set(key, state);
    }
    return state;
  }
}

/** The consumer a metric belongs to, when its dimension set is exactly Pipeline and Consumer. */
function consumerKey(point: Pick<EmfDatapoint, 'namespace' | 'dimensions'>): string | undefined {
  const keys = Object.keys(point.dimensions);
  const { pipeline, consumer } = CONSUMER_DIMENSIONS;
  if (keys.length !== 2 || !keys.includes(pipeline) || !keys.includes(consumer)) return undefined;
  return JSON.stringify([point.namespace, point.dimensions[pipeline], point.dimensions[consumer]]);
}

function emptyStats(): MetricStats {
  return { sum: 0, samples: 0, min: Infinity, max: -Infinity };
}

function addSample(stats: MetricStats, value: number): void {
  stats.sum += value;
  stats.samples++;
  stats.min = Math.min(stats.min, value);
  stats.max = Math.max(stats.max, value);
}

/** The sum of the HANDLED_METRICS in one set of sums: the events a consumer handled. */
export function eventsHandled(sums: Readonly<Record<string, number>>): number {
  return HANDLED_METRICS.reduce((n, name) => n + (sums[name] ?? 0), 0);
}

/**
 * Reads every `*.log` file of a log folder (the local run's logs/), a file name being its source.
 * The last line of a file that does not end with a newline is still being written: it is left
 * for the next read.
 */
export function readLogMetrics(dir: string): EmfMetrics {
  const metrics = new EmfMetrics();
  if (!existsSync(dir)) return metrics;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log')).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.pop(); // '' after the last newline, or a line still being written
    const source = file.slice(0, -'.log'.length);
    lines.forEach((line, i) => metrics.add(line, source, i + 1));
  }
  return metrics;
}
