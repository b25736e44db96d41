import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RawMailStore } from '../domain/ports';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import { toDomainError } from './sdk-errors';

export interface S3RawMailStoreOptions {
  client: S3Client;
  bucket: string;
}

/** Raw MIME and derived objects (bodies, attachments) in the raw-mail bucket. */
export class S3RawMailStore implements RawMailStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  public constructor(options: S3RawMailStoreOptions) {
    if (!options.bucket) throw new InvalidInputError('bucket: must not be empty');
    this.client = options.client;
    this.bucket = options.bucket;
  }

  public getRaw(key: string): Promise<Buffer> {
    return this.getObject(key);
  }

  /** The object's bytes; {@link NotFoundError} when the key does not exist. */
  public async getObject(key: string): Promise<Buffer> {
    const what = `getObject s3://${this.bucket}/${key}`;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (out.Body === undefined) throw new NotFoundError(`${what}: empty response body`);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      throw toDomainError(err, { what });
    }
  }

  public async putObject(key: string, body: Buffer | string, contentType: string): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
      );
    } catch (err) {
      throw toDomainError(err, { what: `putObject s3://${this.bucket}/${key}` });
    }
  }

  /** All keys under `prefix` (every ListObjectsV2 page), in S3's lexicographic order. */
  public async listKeys(prefix: string): Promise<Array<{ key: string; lastModified: Date }>> {
    const keys: Array<{ key: string; lastModified: Date }> = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const obj of out.Contents ?? []) {
          if (obj.Key !== undefined) keys.push({ key: obj.Key, lastModified: obj.LastModified ?? new Date(0) });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (err) {
      throw toDomainError(err, { what: `listKeys s3://${this.bucket}/${prefix}` });
    }
    return keys;
  }
}
