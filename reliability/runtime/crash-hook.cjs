'use strict';
// Loaded by each execution environment before its handler (LocalPipeline `functionPreload`).
// When a DynamoDB answer carries the fault proxy's `x-local-fault` header, the write has landed and:
// - `exit`: the environment's process ends at once, as a crash would (the batch is not answered);
// - `throw`: the current invocation fails at once with an error, while the writes it already
//   started carry on in the background, as they do on Lambda after a handler throws.
const diagnostics = require('node:diagnostics_channel');

let failCurrent;

diagnostics.subscribe('http.client.response.finish', ({ response }) => {
  const fault = response.headers['x-local-fault'];
  if (fault === 'exit') process.exit(1);
  if (fault === 'throw' && failCurrent) {
    const error = new Error('injected: the handler threw after a DynamoDB write landed');
    error.name = 'InjectedCrash';
    failCurrent(error);
  }
});

exports.wrapHandler = (handler) => (event, context) =>
  new Promise((resolve, reject) => {
    failCurrent = reject;
    Promise.resolve()
      .then(() => handler(event, context))
      .then(resolve, reject);
  }).finally(() => {
    failCurrent = undefined;
  });
