/**
 * A function of the Events API integration test (test/integ.events-api.ts): a GET request to the
 * API signed with SigV4 with this function's own role, as an IAM-authorized reader makes it, with
 * the publisher's signer. It answers the status and the fields the test checks.
 */
import { ApiSigner } from '../../packages/publisher/src/sigv4';

export interface SignedGetResult {
  readonly status: number;
  readonly id?: unknown;
  readonly note?: unknown;
}

export async function handler(event: { readonly url: string }): Promise<SignedGetResult> {
  const url = new URL(event.url);
  const signer = new ApiSigner({}, url.hostname);
  const headers = await signer.sign(
    { method: 'GET', protocol: url.protocol, hostname: url.hostname, path: url.pathname, headers: { host: url.hostname }, body: '' },
    new Date(),
  );
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: { id?: unknown; data?: { note?: unknown } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: only the status says anything
  }
  return { status: response.status, id: body.id, note: body.data?.note };
}
