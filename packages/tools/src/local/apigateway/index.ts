/**
 * The local API Gateway: one server per REST API of the template, on 127.0.0.1 on a free port.
 */
import { AwsServices, type ServiceEndpoints } from './aws-services';
import type { RestApiPlan } from './plan';
import { LocalRestApi } from './server';

export type { ApiRequestStats, LocalApiKey } from './server';
export { LocalRestApi } from './server';

export interface LocalApis {
  readonly apis: readonly LocalRestApi[];
  stop(): Promise<void>;
}

export async function startRestApis(
  plans: readonly RestApiPlan[],
  env: { readonly endpoints: ServiceEndpoints; readonly region: string; readonly accountId: string },
): Promise<LocalApis> {
  const services = new AwsServices(env.endpoints, env.region);
  const apis = plans.map((plan) => new LocalRestApi(plan, services, env));
  const stop = async () => {
    await Promise.all(apis.map((a) => a.stop()));
    services.destroy();
  };
  try {
    await Promise.all(apis.map((a) => a.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { apis, stop };
}

/** What the run prints about its APIs: each stage's URL and each key's made-up (or given) value. */
export function formatApis(apis: readonly LocalRestApi[]): string[] {
  return apis.flatMap((api) => [
    `REST API ${api.plan.name} (${api.logicalId}), IAM authorization not enforced:`,
    ...api.stages.map((s) => `  stage ${s.name}: ${s.url}`),
    ...api.apiKeys.map((k) => `  API key ${k.name} (${k.logicalId}${k.enabled ? '' : ', disabled'}): x-api-key: ${k.value}`),
  ]);
}
