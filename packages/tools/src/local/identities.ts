/**
 * Local physical names, ARNs and URLs of a template's resources, and the scope that resolves
 * Ref / Fn::GetAtt against them.
 */
import { createHash } from 'node:crypto';
import { IntrinsicError, ResolveScope, evaluateCondition, resolveString } from './intrinsics';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  /** `aws:cdk:path` (the construct path) when the app was synthesized with path metadata, as `cdk synth` does. */
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string; Export?: { Name: unknown } }>;
}

/** Where the stack is deployed locally. */
export interface LocalEnvironment {
  readonly stackName: string;
  readonly region: string;
  /** The emulators' account. fauxqs uses 000000000000. */
  readonly accountId: string;
  /** Builds the queue URL the SQS emulator gives a queue name. */
  queueUrl(queueName: string): string;
}

export interface Identity {
  readonly name: string;
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const NAME_LIMITS: Readonly<Record<string, [prop: string, max: number]>> = {
  'AWS::SNS::Topic': ['TopicName', 256],
  'AWS::SQS::Queue': ['QueueName', 80],
  'AWS::DynamoDB::Table': ['TableName', 255],
  'AWS::DynamoDB::GlobalTable': ['TableName', 255],
  'AWS::Lambda::Function': ['FunctionName', 64],
};

export function pseudoParameters(env: LocalEnvironment): Record<string, string> {
  return {
    'AWS::Region': env.region,
    'AWS::AccountId': env.accountId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': env.stackName,
    'AWS::StackId': `arn:aws:cloudformation:${env.region}:${env.accountId}:stack/${env.stackName}/local`,
  };
}

/** A name like CloudFormation would generate, without the random suffix so runs are repeatable. */
export function generatedName(stackName: string, logicalId: string, max: number, suffix = ''): string {
  const base = `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return base.slice(0, max - suffix.length) + suffix;
}

/** Builds the scope for one template. Identities are computed on first use. */
export function createScope(template: CfnTemplate, env: LocalEnvironment): ResolveScope & {
  identity(logicalId: string): Identity;
} {
  const cache = new Map<string, Identity>();
  const conditions = new Map<string, boolean>();
  const inProgress = new Set<string>();
  const pseudo = pseudoParameters(env);
  const arn = (service: string, resource: string) => `arn:aws:${service}:${env.region}:${env.accountId}:${resource}`;

  const scope = {
    pseudo,
    ref(logicalId: string): string | undefined {
      const param = template.Parameters?.[logicalId];
      if (param) {
        if (param.Default === undefined) throw new IntrinsicError(`parameter ${logicalId} has no default`);
        return String(param.Default);
      }
      return template.Resources[logicalId] ? scope.identity(logicalId).ref : undefined;
    },
    getAtt(logicalId: string, attribute: string): string | undefined {
      if (!template.Resources[logicalId]) return undefined;
      return scope.identity(logicalId).attributes[attribute];
    },
    condition(name: string): boolean {
      const known = conditions.get(name);
      if (known !== undefined) return known;
      const expr = template.Conditions?.[name];
      if (expr === undefined) throw new IntrinsicError(`unknown condition ${name}`);
      const value = evaluateCondition(expr, scope, `Conditions.${name}`);
      conditions.set(name, value);
      return value;
    },
    identity(logicalId: string): Identity {
      const hit = cache.get(logicalId);
      if (hit) return hit;
      if (inProgress.has(logicalId)) throw new IntrinsicError(`circular reference through ${logicalId}`);
      inProgress.add(logicalId);
      const id = computeIdentity(logicalId);
      inProgress.delete(logicalId);
      cache.set(logicalId, id);
      return id;
    },
  };

  function nameOf(logicalId: string, resource: CfnResource, suffix = ''): string {
    const [prop, max] = NAME_LIMITS[resource.Type];
    const given = resource.Properties?.[prop];
    if (given !== undefined) return resolveString(given, scope, `Resources.${logicalId}.Properties.${prop}`);
    return generatedName(env.stackName, logicalId, max, suffix);
  }

  function computeIdentity(logicalId: string): Identity {
    const resource = template.Resources[logicalId];
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::SNS::Topic': {
        const name = nameOf(logicalId, resource, isTrue(props.FifoTopic) ? '.fifo' : '');
        const topicArn = arn('sns', name);
        return { name, ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
      }
      case 'AWS::SQS::Queue': {
        const name = nameOf(logicalId, resource, isTrue(props.FifoQueue) ? '.fifo' : '');
        const url = env.queueUrl(name);
        return { name, ref: url, attributes: { Arn: arn('sqs', name), QueueName: name, QueueUrl: url } };
      }
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const name = nameOf(logicalId, resource);
        const tableArn = arn('dynamodb', `table/${name}`);
        return {
          name,
          ref: name,
          attributes: { Arn: tableArn, StreamArn: `${tableArn}/stream/local`, TableId: `local-${name}` },
        };
      }
      case 'AWS::Lambda::Function': {
        const name = nameOf(logicalId, resource);
        return { name, ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
      }
      case 'AWS::Lambda::Alias':
      case 'AWS::Lambda::Version': {
        const fn = resolveString(props.FunctionName, scope, `Resources.${logicalId}.Properties.FunctionName`);
        const qualifier = resource.Type === 'AWS::Lambda::Alias' ? String(props.Name ?? logicalId) : '1';
        const qualified = `${fn.startsWith('arn:') ? fn : arn('lambda', `function:${fn}`)}:${qualifier}`;
        return { name: qualified, ref: qualified, attributes: { Arn: qualified, Version: qualifier } };
      }
      case 'AWS::SNS::Subscription': {
        const topicArn = resolveString(props.TopicArn, scope, `Resources.${logicalId}.Properties.TopicArn`);
        const subArn = `${topicArn}:${logicalId}`;
        return { name: subArn, ref: subArn, attributes: { Arn: subArn } };
      }
      case 'AWS::ApiGateway::RestApi': {
        const id = localApiId(env.stackName, logicalId);
        const name = typeof props.Name === 'string' ? props.Name : logicalId;
        return { name, ref: id, attributes: { RestApiId: id, RootResourceId: `${id}-root` } };
      }
      case 'AWS::ApiGateway::Stage':
      case 'AWS::ApiGateway::Model': {
        const prop = resource.Type === 'AWS::ApiGateway::Stage' ? 'StageName' : 'Name';
        const name = props[prop] === undefined ? logicalId : resolveString(props[prop], scope, `Resources.${logicalId}.Properties.${prop}`);
        return { name, ref: name, attributes: {} };
      }
      case 'AWS::ApiGateway::ApiKey': {
        const id = localApiId(env.stackName, logicalId);
        return { name: logicalId, ref: id, attributes: { APIKeyId: id } };
      }
      default: {
        const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'local';
        const placeholder = arn(service, `local/${logicalId}`);
        const attributes = new Proxy<Record<string, string>>(
          {},
          { get: (_t, attr) => (attr === 'Arn' ? placeholder : `${logicalId}.${String(attr)}`) },
        );
        return { name: logicalId, ref: logicalId, attributes };
      }
    }
  }

  return scope;
}

/** An id shaped like API Gateway's (10 lowercase letters and digits), the same on every run. */
export function localApiId(stackName: string, logicalId: string): string {
  return createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 10);
}

export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
