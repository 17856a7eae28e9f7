import { ConfigurationError } from './errors';

type Env = Readonly<Record<string, string | undefined>>;

/** The value of a setting that must be present. */
export function requiredSetting(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`${name} must be set`);
  }
  return value;
}

/** A whole number >= 1, or `defaultValue` when the setting is absent or empty. */
export function positiveIntegerSetting(env: Env, name: string, defaultValue: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return defaultValue;
  }
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a whole number >= 1 (got ${JSON.stringify(raw)})`);
  }
  return value;
}
