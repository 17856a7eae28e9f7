/**
 * SigV4 signing of the requests to the Events API (service `execute-api`),
 * with @smithy/signature-v4 over node:crypto.
 */
import { type BinaryLike, createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SNSClient } from '@aws-sdk/client-sns';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials, as the SDK's providers give them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Credentials, or a function that gives them (called before each request; cache inside it). */
export type AwsCredentialsSource = AwsCredentials | (() => Promise<AwsCredentials>);

/** How to sign the requests to the Events API with SigV4. */
export interface EventsApiSigV4Options {
  /**
   * The API's region.
   * @default - the region in the URL (`https://{id}.execute-api.{region}.amazonaws.com/…`), else the SDK's (AWS_REGION, the profile)
   */
  readonly region?: string;
  /**
   * @default - the SDK's default credential provider chain (environment, profile and SSO, container, instance role), as an SNSClient finds them
   */
  readonly credentials?: AwsCredentialsSource;
}

type Sha256Constructor = ConstructorParameters<typeof SignatureV4>[0]['sha256'];

/** SHA-256, or HMAC-SHA-256 when given a secret: the hash interface the signer takes, over node:crypto. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  public constructor(private readonly secret?: BinaryLike) {
    this.hash = this.create();
  }

  public update(data: string | Uint8Array): void {
    this.hash.update(data);
  }

  public digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  public reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

/** `eu-west-1` from `abc123.execute-api.eu-west-1.amazonaws.com`, or undefined for another host (a custom domain). */
export function regionOfApiHost(hostname: string): string | undefined {
  return /\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/.exec(hostname)?.[1];
}

/** A request as the signer reads it. */
export interface SignableRequest {
  readonly method: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly port?: number;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Signs requests for `execute-api`; the region and the default credentials are found on first use. */
export class ApiSigner {
  private signer?: Promise<SignatureV4>;

  public constructor(
    private readonly options: EventsApiSigV4Options,
    private readonly hostname: string,
  ) {}

  /** The request's headers with Authorization, X-Amz-Date and X-Amz-Security-Token (with temporary credentials). */
  public async sign(request: SignableRequest, signingDate: Date): Promise<Record<string, string>> {
    this.signer ??= this.create();
    const signer = await this.signer.catch((error: unknown) => {
      this.signer = undefined;
      throw error;
    });
    const signed = await signer.sign({ ...request, query: {} }, { signingDate });
    return signed.headers;
  }

  private async create(): Promise<SignatureV4> {
    let region = this.options.region ?? regionOfApiHost(this.hostname);
    let credentials = this.options.credentials;
    if (region === undefined || credentials === undefined) {
      // The SDK's own region and credential chains, as every other client of the pipeline finds them.
      const sdk = new SNSClient(region === undefined ? {} : { region });
      try {
        region ??= await sdk.config.region();
        credentials ??= sdk.config.credentials as () => Promise<AwsCredentials>;
      } finally {
        sdk.destroy();
      }
    }
    return new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 as unknown as Sha256Constructor });
  }
}
