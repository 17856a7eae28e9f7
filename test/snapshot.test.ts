import { synthStack } from './helpers/stack';

test('the sample stack matches its snapshot (asset hashes normalized)', () => {
  expect(synthStack().template.toJSON()).toMatchSnapshot();
});
