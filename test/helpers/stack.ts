import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventPipelineStack, EventPipelineStackProps } from '../../lib';

/** Synthesizes a sample stack; CloudFormation validation stays off for speed except where a test asks for it. */
export function synthStack(props: EventPipelineStackProps = {}, validate = false): { stack: EventPipelineStack; template: Template } {
  const app = new App({ builtinCloudFormationValidation: validate });
  const stack = new EventPipelineStack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' }, ...props });
  return { stack, template: Template.fromStack(stack) };
}
