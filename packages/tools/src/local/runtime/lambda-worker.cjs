'use strict';
// One execution environment of a function: loads the bundled handler once (the init phase), then
// runs one invocation at a time, like a Lambda sandbox. Plain CommonJS on purpose: the bundle runs
// in a vanilla Node.js thread, without the TypeScript loader of the parent process.
const Module = require('node:module');
const path = require('node:path');
const { existsSync, readlinkSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const { parentPort, workerData } = require('node:worker_threads');

const { taskRoot, handler, functionName, functionArn, memorySize, nodeModules, preload = [] } = workerData;

// The nodejs runtime resolves @aws-sdk/* from NODE_PATH=/var/runtime/node_modules. This thread's
// env carries NODE_PATH=<project>/node_modules; re-read it so require() honours it here.
Module._initPaths();

// NODE_OPTIONS is read when a process starts, so a thread cannot apply it. The one option the
// stack sets, --enable-source-maps, has a runtime switch; the others are ignored.
if (/(^|\s)--enable-source-maps(\s|$)/.test(process.env.NODE_OPTIONS ?? '')) {
  process.setSourceMapsEnabled(true);
}

function handlerLocation(spec) {
  const dot = spec.lastIndexOf('.');
  const modulePath = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = path.join(taskRoot, modulePath + ext);
    if (existsSync(file)) return { file, exportName };
  }
  const error = new Error(`Cannot find module '${modulePath}' in ${taskRoot}`);
  error.name = 'Runtime.ImportModuleError';
  throw error;
}

// ES module bundles do not see NODE_PATH; resolve bare imports they cannot find from the project.
function registerEsmFallback() {
  const parent = pathToFileURL(path.join(nodeModules, '..', 'index.js')).href;
  const hook = `export async function resolve(specifier, context, next) {
    try { return await next(specifier, context); } catch (error) {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' || /^(\\.|\\/|file:|node:)/.test(specifier)) throw error;
      return next(specifier, { ...context, parentURL: ${JSON.stringify(parent)} });
    }
  }`;
  Module.register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

async function loadHandler() {
  const { file, exportName } = handlerLocation(handler);
  let mod;
  if (file.endsWith('.mjs')) {
    registerEsmFallback();
    mod = await import(pathToFileURL(file).href);
  } else {
    mod = require(file);
  }
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    const error = new Error(`${handler} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return fn;
}

// The kernel thread id, so the parent can read this thread's CPU time from /proc.
function threadId() {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

function serializeError(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, stack: error.stack };
  }
  return { errorType: 'Error', errorMessage: String(error) };
}

function createContext(awsRequestId, deadline) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memorySize),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function invoke(fn, event, context) {
  if (fn.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (error, result) => (error ? reject(error) : resolve(result));
      const returned = fn(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => fn(event, context));
}

// Modules required before the handler loads, as NODE_OPTIONS=--require would do. One that exports
// wrapHandler(handler) gets to wrap the handler.
function wrapWith(modules, fn) {
  return modules.reduce((wrapped, mod) => (typeof mod.wrapHandler === 'function' ? mod.wrapHandler(wrapped) : wrapped), fn);
}

async function main() {
  let fn;
  try {
    const modules = preload.map((file) => require(file));
    fn = wrapWith(modules, await loadHandler());
  } catch (error) {
    parentPort.postMessage({ type: 'init-error', error: serializeError(error) });
    return;
  }
  parentPort.on('message', async ({ id, event, awsRequestId, deadline }) => {
    current = id;
    try {
      const result = await invoke(fn, JSON.parse(event), createContext(awsRequestId, deadline));
      // A result JSON cannot express (a function, a symbol) is sent as null.
      parentPort.postMessage({ type: 'result', id, ok: true, result: JSON.stringify(result ?? null) ?? 'null' });
    } catch (error) {
      parentPort.postMessage({ type: 'result', id, ok: false, error: serializeError(error) });
    } finally {
      current = undefined;
    }
  });
  parentPort.postMessage({ type: 'ready', tid: threadId() });
}

/** The invocation being run, if any. */
let current;

// As the Node.js runtime does: an unhandled rejection fails the invocation in flight with
// Runtime.UnhandledPromiseRejection and ends the execution environment, which is then replaced.
process.on('unhandledRejection', (reason) => {
  const message = reason instanceof Error ? reason.message : String(reason);
  process.stderr.write(`ERROR Unhandled Promise Rejection: ${reason instanceof Error ? reason.stack : message}\n`);
  if (current !== undefined) {
    parentPort.postMessage({
      type: 'result',
      id: current,
      ok: false,
      error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: message },
    });
  }
  setImmediate(() => process.exit(128));
});

void main();
