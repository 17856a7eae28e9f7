import { defaultConcurrency } from '../../packages/tools/src/local/pipeline';

test('a mapping gets one concurrent batch per core, at least 2', () => {
  expect([1, 2, 3].map((cores) => defaultConcurrency(cores))).toEqual([2, 2, 3]);
});

test('a mapping gets at most 4 concurrent batches, however many cores', () => {
  expect(defaultConcurrency(16)).toBe(4);
});
