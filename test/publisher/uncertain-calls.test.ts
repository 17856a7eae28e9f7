/**
 * What the publisher reports when the connection fails, on a real SNS client
 * and a real socket: the SDK retries a reset connection itself and throws only
 * the last attempt's error, so the publisher watches each attempt on the wire.
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { EventPublisher } from '../../packages/publisher/src';
import { VALID_EVENT } from '../helpers/cloud-event';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:orders.fifo';

function listen(onConnection: (socket: Socket, server: Server) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => onConnection(socket, server));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

function publisherAt(port: number): { publisher: EventPublisher; client: SNSClient } {
  const client = new SNSClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  return { client, publisher: new EventPublisher({ topicArn: TOPIC_ARN, client, concurrency: 1, sleep: async () => undefined }) };
}

const EVENTS = [
  { ...VALID_EVENT, id: 'evt-1', subject: 'order-1' },
  { ...VALID_EVENT, id: 'evt-2', subject: 'order-1', sequence: 2 },
];

describe('EventPublisher on a failing connection', () => {
  test('a request read by the other end and then cut off is unknown, although the SDK ends with ECONNREFUSED', async () => {
    // GIVEN a server that reads the first request, resets the connection and stops listening
    let requests = 0;
    const { server, port } = await listen((socket, self) => {
      socket.once('data', () => {
        requests++;
        self.close();
        socket.resetAndDestroy();
      });
    });
    const { publisher, client } = publisherAt(port);

    // WHEN
    const report = await publisher.publish(EVENTS);
    client.destroy();
    server.close();

    // THEN the events may be stored: unknown, safe to retry
    expect(requests).toBe(1);
    expect(report).toMatchObject({ published: 0, failed: 0, unknown: 2, notSent: 0 });
    expect(report.results[0]).toMatchObject({ status: 'unknown', failure: { code: 'ECONNREFUSED', retryable: true } });
  });

  test('a connection refused on every attempt sent nothing: not-sent, retryable', async () => {
    // GIVEN a port nobody listens on
    const { server, port } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const { publisher, client } = publisherAt(port);

    // WHEN
    const report = await publisher.publish(EVENTS);
    client.destroy();

    // THEN
    expect(report).toMatchObject({ published: 0, failed: 0, unknown: 0, notSent: 2 });
    expect(report.results[0]).toMatchObject({ status: 'not-sent', attempts: 1, failure: { code: 'ECONNREFUSED', retryable: true } });
  });
});
