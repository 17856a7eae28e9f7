import { IntrinsicError, NO_VALUE, type ResolveScope, evaluateCondition, resolveValue } from '../../packages/tools/src/local/intrinsics';

const scope: ResolveScope = {
  pseudo: {
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': '000000000000',
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Demo',
  },
  ref: (id) => ({ Queue: 'http://queue', Table: 'demo-table', Param: 'p-default' })[id],
  getAtt: (id, attr) => (id === 'Queue' && attr === 'Arn' ? 'arn:aws:sqs:eu-west-1:000000000000:queue' : undefined),
  condition: (name) => name === 'IsEu',
};

describe('resolveValue', () => {
  test('Ref resolves resources, parameters and pseudo parameters', () => {
    // WHEN
    const value = resolveValue({ a: { Ref: 'Table' }, b: { Ref: 'Param' }, c: { Ref: 'AWS::Region' } }, scope, 'x');
    // THEN
    expect(value).toEqual({ a: 'demo-table', b: 'p-default', c: 'eu-west-1' });
  });

  test('Fn::GetAtt accepts the list and the dotted forms', () => {
    expect(resolveValue({ 'Fn::GetAtt': ['Queue', 'Arn'] }, scope, 'x')).toBe('arn:aws:sqs:eu-west-1:000000000000:queue');
    expect(resolveValue({ 'Fn::GetAtt': 'Queue.Arn' }, scope, 'x')).toBe('arn:aws:sqs:eu-west-1:000000000000:queue');
  });

  test('Fn::Join joins resolved parts', () => {
    const value = resolveValue(
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Table' }]] },
      scope,
      'x',
    );
    expect(value).toBe('arn:aws:s3:::demo-table');
  });

  test('Fn::Sub substitutes pseudo parameters, refs, attributes, variables and keeps ${!literals}', () => {
    // GIVEN
    const sub = {
      'Fn::Sub': [
        'cdk-${AWS::AccountId}-${AWS::Region} ${Table} ${Queue.Arn} ${Name} ${!Literal}',
        { Name: { Ref: 'Param' } },
      ],
    };
    // THEN
    expect(resolveValue(sub, scope, 'x')).toBe(
      'cdk-000000000000-eu-west-1 demo-table arn:aws:sqs:eu-west-1:000000000000:queue p-default ${Literal}',
    );
  });

  test('Fn::Select, Fn::Split and Fn::If', () => {
    expect(resolveValue({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] }, scope, 'x')).toBe('b');
    expect(resolveValue({ 'Fn::If': ['IsEu', 'yes', 'no'] }, scope, 'x')).toBe('yes');
  });

  test('Ref AWS::NoValue removes the property or list item', () => {
    expect(resolveValue({ keep: 1, drop: { Ref: 'AWS::NoValue' }, list: [1, { Ref: 'AWS::NoValue' }] }, scope, 'x')).toEqual({
      keep: 1,
      list: [1],
    });
    expect(resolveValue({ Ref: 'AWS::NoValue' }, scope, 'x')).toBe(NO_VALUE);
  });

  test('an unknown function is an error that names it and where it was found', () => {
    expect(() => resolveValue({ a: { 'Fn::ImportValue': 'x' } }, scope, 'Resources.Fn.Properties')).toThrow(
      /Resources\.Fn\.Properties\.a: Fn::ImportValue is not supported/,
    );
  });

  test('a Ref to an unknown resource is an error', () => {
    expect(() => resolveValue({ Ref: 'Nope' }, scope, 'here')).toThrow(IntrinsicError);
    expect(() => resolveValue({ Ref: 'Nope' }, scope, 'here')).toThrow(/Ref to unknown resource or parameter Nope/);
  });
});

describe('evaluateCondition', () => {
  test('evaluates Fn::Equals, Fn::Or, Fn::And, Fn::Not and Condition', () => {
    const inEu = { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] };
    expect(evaluateCondition(inEu, scope, 'c')).toBe(true);
    expect(evaluateCondition({ 'Fn::Not': [inEu] }, scope, 'c')).toBe(false);
    expect(evaluateCondition({ 'Fn::Or': [{ 'Fn::Equals': ['a', 'b'] }, inEu] }, scope, 'c')).toBe(true);
    expect(evaluateCondition({ 'Fn::And': [inEu, { Condition: 'Other' }] }, scope, 'c')).toBe(false);
  });
});
