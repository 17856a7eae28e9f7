/**
 * SNS PublishBatch for the local run's scenario publisher, in SNS's query protocol (a form-encoded
 * request, an XML answer) over a keep-alive HTTP agent, without SigV4 signing, which the emulator
 * does not check. Like the pollers' SQS client (sqs-wire.ts), it keeps the runner's own share of
 * the CPU small so the emulators and the functions get it; the SDK's request pipeline costs several
 * times more per call.
 */
import { EmulatorHttp } from './emulator-http';

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
  private readonly http: EmulatorHttp;

  constructor(endpoint: string, region: string) {
    this.http = new EmulatorHttp(endpoint, region, 'sns', 16);
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
    const { status, text } = await this.http.post(form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    if (status !== 200) {
      throw new SnsWireError(tag(text, 'Code') ?? String(status), tag(text, 'Message') ?? text.slice(0, 200));
    }
    return parsePublishBatch(text);
  }

  destroy(): void {
    this.http.destroy();
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
