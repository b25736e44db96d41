import 'aws-sdk-client-mock-jest';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { S3RawMailStore } from '../../../lambdas/adapters/s3-raw-mail-store';
import { InvalidInputError, NotFoundError, TransientError } from '../../../lambdas/domain/errors';

const client = new S3Client({ region: 'us-east-1' });
const s3 = mockClient(client);
const store = () => new S3RawMailStore({ client, bucket: 'raw-mail' });

const body = (bytes: Buffer) => sdkStreamMixin(Readable.from([bytes]));

beforeEach(() => s3.reset());

it('requires a bucket, naming the field', () => {
  expect(() => new S3RawMailStore({ client, bucket: '' })).toThrow(InvalidInputError);
  expect(() => new S3RawMailStore({ client, bucket: '' })).toThrow(/bucket/);
});

it('reads the raw object bytes unchanged', async () => {
  const mime = Buffer.from('Subject: =?UTF-8?B?w6k=?=\r\n\r\n\xff\x00binary', 'latin1');
  s3.on(GetObjectCommand, { Bucket: 'raw-mail', Key: 'inbound/ses-1' }).resolves({ Body: body(mime) });

  await expect(store().getRaw('inbound/ses-1')).resolves.toEqual(mime);
  expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'raw-mail', Key: 'inbound/ses-1' });
});

it('turns NoSuchKey into NotFoundError naming the object', async () => {
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

  const err = await store().getObject('inbound/missing').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotFoundError);
  expect((err as Error).message).toContain('s3://raw-mail/inbound/missing');
});

it('turns a 503 SlowDown into TransientError', async () => {
  s3.on(GetObjectCommand).rejects(
    new S3ServiceException({ name: 'SlowDown', $fault: 'server', message: 'Please reduce your request rate.', $metadata: { httpStatusCode: 503 } }),
  );
  await expect(store().getObject('k')).rejects.toBeInstanceOf(TransientError);
});

it('puts an object with its content type', async () => {
  s3.on(PutObjectCommand).resolves({});
  await store().putObject('tickets/USE1-1/body.txt', 'hello', 'text/plain; charset=utf-8');
  expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
    Bucket: 'raw-mail',
    Key: 'tickets/USE1-1/body.txt',
    Body: 'hello',
    ContentType: 'text/plain; charset=utf-8',
  });
});

it('lists every page of keys under a prefix', async () => {
  const d1 = new Date('2026-03-01T00:00:00Z');
  const d2 = new Date('2026-03-02T00:00:00Z');
  s3.on(ListObjectsV2Command)
    .resolvesOnce({ Contents: [{ Key: 'inbound/a', LastModified: d1 }], IsTruncated: true, NextContinuationToken: 'tok' })
    .resolvesOnce({ Contents: [{ Key: 'inbound/b', LastModified: d2 }], IsTruncated: false });

  await expect(store().listKeys('inbound/')).resolves.toEqual([
    { key: 'inbound/a', lastModified: d1 },
    { key: 'inbound/b', lastModified: d2 },
  ]);
  const calls = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
  expect(calls).toEqual([
    { Bucket: 'raw-mail', Prefix: 'inbound/', ContinuationToken: undefined },
    { Bucket: 'raw-mail', Prefix: 'inbound/', ContinuationToken: 'tok' },
  ]);
});

it('lists nothing for an empty prefix', async () => {
  s3.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });
  await expect(store().listKeys('none/')).resolves.toEqual([]);
});
