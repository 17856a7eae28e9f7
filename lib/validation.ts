// Gathering and reporting prop problems. Internal: not exported from index.ts;
// users recognise the error with PipelinePropsError.isPipelinePropsError.
import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';

/** Brands the errors thrown for invalid props, so that any copy of this package recognises them. */
export const PIPELINE_PROPS_ERROR = Symbol.for('cdk-event-pipeline.PipelinePropsError');

/**
 * Thrown when a construct receives props that AWS would reject or that break
 * the pipeline's guarantees. The message lists every problem found. Its name
 * is `PipelinePropsError`; {@link PipelinePropsError.isPipelinePropsError} recognises it.
 */
export class InvalidPropsError extends Error {
  constructor(
    /** The construct whose props are invalid, with its path. */
    public readonly construct: string,
    /** One message per problem, each naming the prop, the value and what is allowed. */
    public readonly problems: string[],
  ) {
    super(`Invalid ${construct} props:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PipelinePropsError';
    Object.defineProperty(this, PIPELINE_PROPS_ERROR, { value: true });
  }
}

/**
 * Gathers every problem with a construct's props so that a user can fix them
 * all in one pass, then throws once.
 */
export class PropsValidator {
  private readonly problems: string[] = [];

  constructor(
    private readonly scope: IConstruct,
    private readonly construct: string,
  ) {}

  /** Records `message` when `failed` is true. */
  public check(failed: boolean, message: string): void {
    if (failed) this.problems.push(message);
  }

  /**
   * Checks that a number lies in [min, max]. Unresolved tokens are skipped.
   */
  public range(prop: string, value: number | undefined, min: number, max: number, unit = ''): void {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${prop} must be a whole number between ${min} and ${max}${unit} (got ${value})`);
    }
  }

  /** Adds a synth warning: legal, but risky. */
  public warn(id: string, message: string): void {
    Annotations.of(this.scope).addWarningV2(`cdk-event-pipeline:${id}`, message);
  }

  /** Throws an {@link InvalidPropsError} listing every recorded problem. */
  public throwIfInvalid(): void {
    if (this.problems.length > 0) throw new InvalidPropsError(this.construct, this.problems);
  }
}

/** Seconds of a Duration, or undefined when it is absent or a token. */
export function seconds(d: Duration | undefined): number | undefined {
  if (d === undefined || d.isUnresolved()) return undefined;
  return d.toSeconds({ integral: false });
}

/**
 * Whether a topic is FIFO: known for a topic created in the app, and for an
 * imported topic whose ARN is known at synth (the CDK reads the `.fifo`
 * suffix). An imported topic whose ARN is a token cannot be told apart.
 */
export function topicKind(topic: sns.ITopic): 'fifo' | 'standard' | 'unknown' {
  if (topic instanceof sns.Topic || !Token.isUnresolved(topic.topicArn)) return topic.fifo ? 'fifo' : 'standard';
  return 'unknown';
}
