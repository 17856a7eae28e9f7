/**
 * The environment variables of a local execution environment: what the nodejs runtime sets, the
 * template's variables, then the local overrides (emulator endpoints, dummy credentials).
 */
import type { FunctionPlan } from './template';

export interface LocalEndpoints {
  readonly sns: string;
  readonly sqs: string;
  readonly dynamodb: string;
}

export function lambdaEnvironment(
  fn: FunctionPlan,
  region: string,
  endpoints: LocalEndpoints,
  taskRoot: string,
  nodeModules: string,
): Record<string, string> {
  const runtime: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    // The runtime provides @aws-sdk/* through NODE_PATH=/var/runtime/node_modules; the project's
    // node_modules stands in for it.
    NODE_PATH: nodeModules,
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    // No X-Ray daemon locally.
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  };
  if (fn.logFormat) runtime.AWS_LAMBDA_LOG_FORMAT = fn.logFormat;
  if (fn.logFormat === 'JSON' && fn.applicationLogLevel) runtime.AWS_LAMBDA_LOG_LEVEL = fn.applicationLogLevel;
  const local: Record<string, string> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { ...runtime, ...fn.environment, ...local };
}
