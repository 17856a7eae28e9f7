/**
 * Errors the CLI reports, and what the AWS SDK's errors mean to an operator.
 */
import { networkCode as publisherNetworkCode } from 'cdk-event-pipeline-publisher';

/** Exit codes: documented in docs/cli.md. */
export const EXIT = {
  /** Everything worked. */
  OK: 0,
  /** The command ran and something failed: events not published, messages not moved. */
  FAILED: 1,
  /** The command line is wrong: unknown option, missing argument, unknown queue. */
  USAGE: 2,
  /** The pipeline cannot be reached: no stack, no credentials, the local run not started. */
  UNREACHABLE: 3,
  /** Interrupted (Ctrl-C): the command stopped early and said what it did and did not do. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error with a message meant for the operator and the exit code to end with. */
export class CliError extends Error {
  public constructor(
    message: string,
    public readonly exitCode: ExitCode = EXIT.FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Where the command was pointed, for messages. */
export interface ErrorContext {
  readonly local: boolean;
  readonly stackName?: string;
  readonly region?: string;
  /** The endpoint a local run listens on. */
  readonly endpoint?: string;
}

interface SdkError extends Error {
  readonly code?: unknown;
  readonly errors?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Turns anything thrown into a CliError with a message an operator can act on. */
export function explain(error: unknown, context: ErrorContext): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof Error)) return new CliError(String(error));
  const e = error as SdkError;
  const code = networkCode(e);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return context.local
      ? new CliError(
          `the local run does not answer at ${context.endpoint ?? 'its endpoint'} (${code}): it is not running. ` +
            'Start it in another terminal with `npm start -- --keep` (or point --endpoints at the endpoints file of one that runs)',
          EXIT.UNREACHABLE,
        )
      : new CliError(`cannot reach AWS (${code}): check the network and --region`, EXIT.UNREACHABLE);
  }
  if (e.name === 'CredentialsProviderError' || /could not load credentials/i.test(e.message)) {
    return new CliError(
      'no AWS credentials: set AWS_PROFILE (and run `aws sso login` if it uses SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or use --local for the local run',
      EXIT.UNREACHABLE,
    );
  }
  if (/region is missing/i.test(e.message)) {
    return new CliError('no AWS region: pass --region or set AWS_REGION', EXIT.UNREACHABLE);
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'].includes(e.name)) {
    return new CliError(`the AWS credentials have expired (${e.name}): refresh them, e.g. \`aws sso login\``, EXIT.UNREACHABLE);
  }
  if (['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch'].includes(e.name)) {
    return new CliError(`AWS refused the credentials (${e.name}): ${e.message}`, EXIT.UNREACHABLE);
  }
  if (e.name === 'ValidationError' && /does not exist/.test(e.message) && context.stackName) {
    return new CliError(
      `stack ${context.stackName} does not exist in ${context.region ?? 'this region'}: check --stack and --region (deploy it with \`npx cdk deploy\`)`,
      EXIT.UNREACHABLE,
    );
  }
  if (/AccessDenied|AuthorizationError/.test(e.name)) {
    return new CliError(`access denied: ${e.message}`, EXIT.FAILED);
  }
  if (e.name === 'QueueDoesNotExist' || e.name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new CliError(
      `a queue does not exist: ${e.message}${context.local ? ' (was the local run restarted? its endpoints file may be stale)' : ''}`,
      EXIT.UNREACHABLE,
    );
  }
  if (e.name === 'ResourceNotFoundException') {
    return new CliError(`not found: ${e.message}`, EXIT.UNREACHABLE);
  }
  return new CliError(e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message);
}

/** The publisher's reading of a network error code, also looking through the error's `cause`. */
function networkCode(error: SdkError): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  return publisherNetworkCode(error) ?? (cause instanceof Error ? networkCode(cause as SdkError) : undefined);
}
