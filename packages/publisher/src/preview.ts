const MAX_PREVIEW_LENGTH = 80;

/** Shortens text for log lines and error messages. */
export function truncate(text: string, maxLength = MAX_PREVIEW_LENGTH): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

/** A short JSON rendering of any value, e.g. `"1.5"`, `null` or `[1,2]`. */
export function preview(value: unknown): string {
  if (value === undefined) {
    return 'undefined';
  }
  return truncate(JSON.stringify(value));
}
