import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NotFoundError, TransientError } from '../domain/errors';

/**
 * Reads a secret once per container: the reply-token HMAC key changes only on rotation, and a
 * fetch per invocation would add an AWS call to every ingested mail.
 */
export class SecretsManagerSecret {
  private cached: Promise<string> | null = null;

  public constructor(private readonly deps: { client: SecretsManagerClient; secretId: string }) {}

  public value(): Promise<string> {
    this.cached ??= this.fetch().catch((error: unknown) => {
      this.cached = null;
      throw error;
    });
    return this.cached;
  }

  private async fetch(): Promise<string> {
    try {
      const out = await this.deps.client.send(new GetSecretValueCommand({ SecretId: this.deps.secretId }));
      if (!out.SecretString) throw new NotFoundError(`secret ${this.deps.secretId} has no string value`);
      return out.SecretString;
    } catch (error) {
      if (error instanceof NotFoundError) throw error;
      const name = (error as { name?: string }).name;
      if (name === 'ResourceNotFoundException') throw new NotFoundError(`secret ${this.deps.secretId} not found`, { cause: error });
      throw new TransientError(`reading secret ${this.deps.secretId} failed: ${name ?? String(error)}`, { cause: error });
    }
  }
}

/**
 * The client for {@link SecretsManagerSecret}, kept beside it rather than in clients.ts so the
 * timer functions, which read no secret, do not load this SDK package.
 */
export function createSecretsClient(options: { region: string }): SecretsManagerClient {
  return new SecretsManagerClient({ region: options.region });
}
