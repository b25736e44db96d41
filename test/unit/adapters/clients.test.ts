import { Readable } from 'node:stream';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { CallCounter, countCalls, createClients, createDynamoDbClients } from '../../../lambdas/adapters/clients';

describe('createClients', () => {
  it('points every client at its emulator, path-style S3, dummy credentials', async () => {
    const clients = createClients({
      region: 'us-east-1',
      endpoints: { dynamodb: 'http://127.0.0.1:8000', s3: 'http://127.0.0.1:4569', ses: 'http://127.0.0.1:8005' },
    });
    try {
      const ddbEndpoint = await clients.dynamodb.config.endpoint!();
      expect(`${ddbEndpoint.protocol}//${ddbEndpoint.hostname}:${ddbEndpoint.port}`).toBe('http://127.0.0.1:8000');
      expect(clients.s3.config.forcePathStyle).toBe(true);
      await expect(clients.ses.config.credentials()).resolves.toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
      expect(await clients.scheduler.config.region()).toBe('us-east-1');
    } finally {
      Object.values(clients).forEach((c) => c.destroy());
    }
  });

  it('uses explicit credentials and leaves real AWS endpoints alone', async () => {
    const clients = createClients({ region: 'eu-west-1', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
    try {
      expect(clients.s3.config.forcePathStyle).toBe(false);
      expect(clients.dynamodb.config.endpoint).toBeUndefined();
      await expect(clients.dynamodb.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AK' });
    } finally {
      Object.values(clients).forEach((c) => c.destroy());
    }
  });
});

describe('countCalls', () => {
  /** An HTTP transport answering every DynamoDB request with an empty JSON object. */
  const requests: HttpRequest[] = [];
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      requests.push(request);
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from('{}')]),
        }),
      };
    },
  };

  it('counts each command once under its API operation, document or low-level', async () => {
    const { dynamodb, doc } = createDynamoDbClients({ region: 'us-east-1', endpoints: { dynamodb: 'http://127.0.0.1:1' } });
    // Swapping the transport keeps the whole middleware stack (serialization, signing) real.
    (dynamodb.config as unknown as { requestHandler: unknown }).requestHandler = requestHandler;
    const counter = new CallCounter();
    countCalls(doc, counter);
    countCalls(doc, counter); // registering twice must not double-count

    await doc.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }));
    await doc.send(new PutCommand({ TableName: 't', Item: { pk: 'a', sk: 'b' } }));
    await doc.send(new PutCommand({ TableName: 't', Item: { pk: 'a', sk: 'c' } }));
    await dynamodb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));

    expect(requests).toHaveLength(4);
    expect(counter.byCommand()).toEqual({ 'DynamoDB.GetItem': 2, 'DynamoDB.PutItem': 2 });
    expect(counter.total()).toBe(4);
    expect(counter.total('DynamoDB')).toBe(4);
    expect(counter.total('S3')).toBe(0);
    counter.reset();
    expect(counter.total()).toBe(0);
    dynamodb.destroy();
  });
});
