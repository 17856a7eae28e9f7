/**
 * SNS PublishBatch for the local run's scenario publisher, in SNS's query protocol (a form-encoded
 * request, an XML answer) over a keep-alive HTTP agent, without SigV4 signing, which the emulator
 * does not check. Like the pollers' SQS client (sqs-wire.ts), it keeps the runner's own share of
 * the CPU small so the emulators and the functions get it; the SDK's request pipeline costs several
 * times more per call.
 */
import { Agent, request } from 'node:http';

export interface PublishBatchEntry {
  readonly Id: string;
  readonly Message: string;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
  readonly MessageAttributes?: Readonly<Record<string, { DataType: string; StringValue: string }>>;
}

export interface PublishBatchOutcome {
  readonly successful: number;
  readonly failed: { Id: string; Code?: string; Message?: string }[];
}

export class SnsWireError extends Error {
  public readonly name = 'SnsWireError';
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export class SnsWire {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly url: URL;
  private readonly authorization: string;

  constructor(endpoint: string, region: string) {
    this.url = new URL(endpoint);
    // The emulator reads the region from the credential scope; the signature is not checked.
    this.authorization = `AWS4-HMAC-SHA256 Credential=local/20250101/${region}/sns/aws4_request, SignedHeaders=host, Signature=local`;
  }

  async publishBatch(topicArn: string, entries: readonly PublishBatchEntry[]): Promise<PublishBatchOutcome> {
    const form = new URLSearchParams({ Action: 'PublishBatch', Version: '2010-03-31', TopicArn: topicArn });
    entries.forEach((entry, i) => {
      const prefix = `PublishBatchRequestEntries.member.${i + 1}`;
      form.append(`${prefix}.Id`, entry.Id);
      form.append(`${prefix}.Message`, entry.Message);
      if (entry.MessageGroupId !== undefined) form.append(`${prefix}.MessageGroupId`, entry.MessageGroupId);
      if (entry.MessageDeduplicationId !== undefined) {
        form.append(`${prefix}.MessageDeduplicationId`, entry.MessageDeduplicationId);
      }
      Object.entries(entry.MessageAttributes ?? {}).forEach(([name, value], n) => {
        const attribute = `${prefix}.MessageAttributes.entry.${n + 1}`;
        form.append(`${attribute}.Name`, name);
        form.append(`${attribute}.Value.DataType`, value.DataType);
        form.append(`${attribute}.Value.StringValue`, value.StringValue);
      });
    });
    const { status, text } = await this.post(form.toString());
    if (status !== 200) {
      throw new SnsWireError(tag(text, 'Code') ?? String(status), tag(text, 'Message') ?? text.slice(0, 200));
    }
    return parsePublishBatch(text);
  }

  destroy(): void {
    this.agent.destroy();
  }

  private post(body: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            authorization: this.authorization,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** Counts the `Successful` members and reads each `Failed` member of a PublishBatch answer. */
export function parsePublishBatch(xml: string): PublishBatchOutcome {
  const section = (name: string) => xml.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`))?.[1] ?? '';
  const members = (text: string) => text.match(/<member>[\s\S]*?<\/member>/g) ?? [];
  const failed = members(section('Failed')).map((member) => ({
    Id: tag(member, 'Id') ?? '',
    Code: tag(member, 'Code'),
    Message: tag(member, 'Message'),
  }));
  return { successful: members(section('Successful')).length, failed };
}

function tag(xml: string, name: string): string | undefined {
  const value = xml.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`))?.[1];
  return value === undefined ? undefined : unescapeXml(value);
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => XML_ENTITIES[entity]);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
