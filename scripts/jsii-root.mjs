// Paths shared by `npm run compile` and `npm run package`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dist = path.join(root, 'dist');
export const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
