/** The valid CloudEvent the handler, CLI and publisher tests start from. */
export const VALID_EVENT = {
  specversion: '1.0',
  id: 'evt-1',
  source: 'urn:test:orders',
  type: 'order.updated',
  subject: 'order-1',
  sequence: 1,
  time: '2025-03-01T11:59:00Z',
  data: { status: 'open' },
} as const;
