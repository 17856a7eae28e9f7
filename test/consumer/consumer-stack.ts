import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';

// What every consumer app synthesizes, whatever its language (app/src/app.ts,
// python-app/app.py, java-app/.../ConsumerApp.java): one stack, with a pipeline
// `Orders` on an imported FIFO topic and custom props, and a pipeline `Parcels`
// with the defaults and its own topic.

/** The stack's name. */
export const CONSUMER_STACK = 'ConsumerStack';
/** The topic `Orders` subscribes to. */
export const IMPORTED_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:orders.fifo';
/** The two pipelines' construct ids, which start their resources' logical ids. */
export const PIPELINES = ['Orders', 'Parcels'];
/** How many resources of each type the stack holds. */
export const EXPECTED_COUNTS: Readonly<Record<string, number>> = {
  'AWS::KMS::Key': 2,
  'AWS::SQS::Queue': 8,
  'AWS::Lambda::Function': 4,
  'AWS::DynamoDB::Table': 4,
  'AWS::SNS::Topic': 1,
};
/** How many resources of each type each pipeline holds. */
export const EXPECTED_COUNTS_PER_PIPELINE: Readonly<Record<string, number>> = {
  'AWS::KMS::Key': 1,
  'AWS::SQS::Queue': 4,
  'AWS::DynamoDB::Table': 2,
};

/** The one item of `items`; fails the test unless there is exactly one. */
export const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};

/** A synthesized consumer stack: its template and the cloud assembly folder around it. */
export class ConsumerStack {
  /** Reads the stack from the cloud assembly in `outdir`. */
  public static read(outdir: string): ConsumerStack {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, `${CONSUMER_STACK}.template.json`), 'utf8'));
    return new ConsumerStack(outdir, Template.fromJSON(json));
  }

  private constructor(
    public readonly outdir: string,
    public readonly template: Template,
  ) {}

  public resources(type: string) {
    return this.template.findResources(type);
  }

  public ids(type: string, prefix: string): string[] {
    return Object.keys(this.resources(type)).filter((id) => id.startsWith(prefix));
  }

  /** The function whose logical id starts with `prefix`. */
  public fn(prefix: string) {
    const id = only(this.ids('AWS::Lambda::Function', prefix));
    return { id, Properties: this.resources('AWS::Lambda::Function')[id].Properties };
  }

  /** The folder the CDK staged a function's code asset in. */
  public stagedCodeOf(prefix: string): string {
    const key: string = this.fn(prefix).Properties.Code.S3Key;
    expect(key).toMatch(/^[0-9a-f]{64}\.zip$/);
    return path.join(this.outdir, `asset.${key.replace(/\.zip$/, '')}`);
  }

  /** The event source mapping and subscription of the queue whose logical id starts with `prefix`. */
  public wiringOf(prefix: string) {
    const queueId = only(this.ids('AWS::SQS::Queue', `${prefix}Queue`));
    const mapping = only(
      Object.values(this.resources('AWS::Lambda::EventSourceMapping')).filter(
        (m) => m.Properties.EventSourceArn['Fn::GetAtt'][0] === queueId,
      ),
    );
    const subscription = only(
      Object.values(this.resources('AWS::SNS::Subscription')).filter((s) => s.Properties.Endpoint['Fn::GetAtt'][0] === queueId),
    );
    return { mapping: mapping.Properties, subscription: subscription.Properties };
  }

  /** The file assets' paths, as the stack's asset manifest lists them, relative to the cloud assembly. */
  public assetPaths(): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(this.outdir, `${CONSUMER_STACK}.assets.json`), 'utf8'));
    return Object.values(manifest.files ?? {}).map((file) => (file as { source: { path: string } }).source.path);
  }

  /** The libraries the constructs came from, `name@version`, from the construct tree (tree.json). */
  public constructLibraries(): string[] {
    const found = new Set<string>();
    interface Node {
      readonly constructInfo?: { readonly fqn: string; readonly version: string };
      readonly children?: Record<string, Node>;
    }
    const visit = (node: Node) => {
      if (node.constructInfo) found.add(`${node.constructInfo.fqn.split('.')[0]}@${node.constructInfo.version}`);
      for (const child of Object.values(node.children ?? {})) visit(child);
    };
    visit(JSON.parse(fs.readFileSync(path.join(this.outdir, 'tree.json'), 'utf8')).tree);
    return [...found].sort();
  }
}

/** Checks the resource counts of the whole stack and of each pipeline. */
export function expectResourceCounts(stack: ConsumerStack): void {
  for (const [type, count] of Object.entries(EXPECTED_COUNTS)) stack.template.resourceCountIs(type, count);
  for (const prefix of PIPELINES) {
    for (const [type, count] of Object.entries(EXPECTED_COUNTS_PER_PIPELINE)) {
      expect({ prefix, type, count: stack.ids(type, prefix).length }).toEqual({ prefix, type, count });
    }
  }
}

/**
 * Function code assets: the event log bundle (both pipelines), the default
 * state projector bundle (Parcels) and the app's own projector (Orders).
 */
export const EXPECTED_CODE_ASSETS = 3;

/** Checks that every asset the asset manifest lists is in the cloud assembly, each code asset with its index.js. */
export function expectAssetsStaged(stack: ConsumerStack): void {
  const paths = stack.assetPaths();
  expect(paths.filter((p) => p.startsWith('asset.'))).toHaveLength(EXPECTED_CODE_ASSETS);
  expect(paths).toContain(`${CONSUMER_STACK}.template.json`);
  const missing = paths.filter((p) => !fs.existsSync(path.join(stack.outdir, p, p.startsWith('asset.') ? 'index.js' : '')));
  expect(missing).toEqual([]);
}
