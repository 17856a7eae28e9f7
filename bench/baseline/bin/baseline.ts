#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { BaselineStack } from '../lib/baseline-stack';

const app = new cdk.App();
new BaselineStack(app, 'BaselineStack', {});
