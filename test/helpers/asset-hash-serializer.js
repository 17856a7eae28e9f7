// Replaces content hashes of assets (64 hex digits) in snapshots by the name of the bundle they
// are the hash of, so that a snapshot changes when the infrastructure does, or when a function
// gets another bundle, but not when the handler code changes.
//
// The CDK hashes a directory asset with FileSystem.fingerprint: the hash of each folder under
// assets/ is computed here the same way and named `[ASSET <folder>]`. A hash of anything else is
// numbered in order of first appearance, `[ASSET HASH 1]`, `[ASSET HASH 2]`, so two different
// assets still differ.
const fs = require('fs');
const path = require('path');
const { FileSystem } = require('aws-cdk-lib');

const HASH = /[0-9a-f]{64}/g;
const ASSETS = path.join(__dirname, '..', '..', 'assets');

let named;
const unnamed = new Map();

/** Hash of each bundle under assets/, to its folder's name. */
function bundles() {
  if (!named) {
    named = new Map();
    for (const entry of fs.existsSync(ASSETS) ? fs.readdirSync(ASSETS, { withFileTypes: true }) : []) {
      if (entry.isDirectory()) named.set(FileSystem.fingerprint(path.join(ASSETS, entry.name)), entry.name);
    }
  }
  return named;
}

function placeholder(hash) {
  const name = bundles().get(hash);
  if (name) return `[ASSET ${name}]`;
  if (!unnamed.has(hash)) unnamed.set(hash, unnamed.size + 1);
  return `[ASSET HASH ${unnamed.get(hash)}]`;
}

module.exports = {
  test: (value) => typeof value === 'string' && value.search(HASH) !== -1,
  serialize: (value) => JSON.stringify(value.replace(HASH, placeholder)),
};
