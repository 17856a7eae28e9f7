#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { EventPipelineStack, Stage } from '../lib';

// The built-in CloudFormation validation doubles synth time (about 5 s here); test/nag.test.ts runs
// it on this same stack in CI. CDK_VALIDATION=true turns it on for a synth.
const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
// The stage comes from the context as a string (`-c stage=prod`, or cdk.json).
const given: unknown = app.node.tryGetContext('stage') ?? Stage.SANDBOX;
const stage = Object.values(Stage).find((s) => s === given);
if (stage === undefined) {
  throw new Error(`context stage (-c stage=...) must be ${Object.values(Stage).map((s) => `'${s}'`).join(' or ')} (got '${String(given)}')`);
}
new EventPipelineStack(app, `EventPipeline-${stage}`, {
  stage,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: `cdk-event-pipeline sample (${stage}): SNS FIFO fan-out to SQS standard and FIFO, Lambda, DynamoDB`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
