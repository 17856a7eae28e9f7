import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BaselineStack } from '../lib/baseline-stack';

test('BaselineStack matches the snapshot', () => {
  const app = new cdk.App();
  const stack = new BaselineStack(app, 'MyTestStack');
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});
