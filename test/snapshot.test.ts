import { synthStack } from './helpers/stack';

test('the sample stack matches its snapshot (asset hashes named by bundle)', () => {
  expect(synthStack().template.toJSON()).toMatchSnapshot();
});
