import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ACK_THROTTLED_STEP, RESERVED_STEP, type InboundRecord, type NewTicketClaim, type NewTicketClaimInput } from '../domain/ports';
import { InvalidInputError, TransientError } from '../domain/errors';
import { recordFromItem } from './dynamodb-inbound-ledger';
import { cancellationReasons, isConditionalCheckFailed, isTransactionCanceled, toDomainError } from './sdk-errors';
import { claimItem, claimKey, COUNTER_KEY, counterMove, numberOf, throttleMove } from './dynamodb-transactions';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The region's ticket sequence (`COUNTER#TICKET`): reserving a number with a delivery's claim,
 * guessing the next one from what this container last saw, giving back an unused one. The
 * ticket repository delegates its numbering here; one instance per repository (per container).
 */
export class DynamoDbTicketNumbers {
  /** Last counter value seen by this container: the next ticket's number is guessed from it. */
  private counterSeen: number | null = null;

  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly maxAttempts: number,
    private readonly maxBackoffMs: number,
  ) {}

  /** Notes a counter value a commit moved to (or, `exact`, found). */
  public seen(n: number, exact = false): void {
    this.counterSeen = exact ? n : Math.max(this.counterSeen ?? 0, n);
  }

  /** Forgets the cached value (a create found its id taken: the guess is off). */
  public forget(): void {
    this.counterSeen = null;
  }

  /** One GetItem on a cold container; afterwards the value the last commit (or refusal) showed. */
  public async next(): Promise<number> {
    this.counterSeen ??= await this.readCounter('nextTicketNumber');
    return this.counterSeen + 1;
  }

  /**
   * Claim first, then a transaction moving the counter from the value read to +1 together
   * with creating the claim. Costs 1 call for a known claim, 3 (claim read, counter read,
   * transaction) when uncontended; a lost race reuses the item DynamoDB returns with the
   * cancellation, so each retry is one more transaction.
   */
  public async allocate(key: string): Promise<number> {
    if (!key) throw new InvalidInputError('claimKey: must not be empty');
    const what = `allocateTicketNumber ${key}`;
    const existing = await this.readClaim(key, what);
    if (existing !== null) return existing;

    let current = await this.readCounter(what);
    for (let attempt = 1; ; attempt += 1) {
      const next = current + 1;
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: COUNTER_KEY,
                  UpdateExpression: 'SET #n = :next',
                  ConditionExpression: current === 0 ? 'attribute_not_exists(#n)' : '#n = :current',
                  ExpressionAttributeNames: { '#n': 'n' },
                  ExpressionAttributeValues: current === 0 ? { ':next': next } : { ':next': next, ':current': current },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...claimKey(key), number: next },
                  ConditionExpression: 'attribute_not_exists(pk)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        );
        return next;
      } catch (err) {
        if (!isTransactionCanceled(err)) throw toDomainError(err, { what });
        const [counterReason, claimReason] = cancellationReasons(err);
        if (claimReason?.code === 'ConditionalCheckFailed') {
          // A concurrent delivery of the same message won: its number is ours.
          const fromReason = numberOf(claimReason.item);
          if (fromReason !== null) return fromReason;
          const won = await this.readClaim(key, what);
          if (won !== null) return won;
        }
        if (attempt >= this.maxAttempts) {
          throw new TransientError(`${what}: counter contention after ${attempt} attempts`, { cause: err });
        }
        const seen = counterReason?.code === 'ConditionalCheckFailed' ? numberOf(counterReason.item) : null;
        await sleep(Math.random() * Math.min(this.maxBackoffMs, 5 * 2 ** Math.min(attempt, 10)));
        current = seen ?? (await this.readCounter(what));
      }
    }
  }

  /**
   * One TransactWriteItems: the ledger record (must not exist), the counter moved from the
   * value this container last saw, and the throttle counters. A cancellation carries the old
   * items, so an existing record costs nothing more (`taken`), a stale counter guess is retried
   * from the value returned, and a throttle at its limit is retried without the throttles.
   */
  public async claimNewTicket(input: NewTicketClaimInput): Promise<NewTicketClaim> {
    if (!input.key) throw new InvalidInputError('key: must not be empty');
    const what = `claimNewTicket ${input.key}`;
    const now = input.now.toISOString();
    const leaseUntil = new Date(input.now.getTime() + input.leaseMs).toISOString();
    let number = await this.next();
    let throttled = false;
    for (let attempt = 1; ; attempt += 1) {
      const steps = [`${RESERVED_STEP}${number}`, ...(throttled ? [ACK_THROTTLED_STEP] : [])];
      const record: InboundRecord = {
        key: input.key, sesMessageId: input.sesMessageId, rawKey: input.rawKey, receivedAt: now,
        state: 'processing', leaseUntil, outcome: null, reason: null, ticketId: null, steps,
      };
      const throttles = throttled ? [] : input.throttles;
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              claimItem(this.tableName, record),
              counterMove(this.tableName, number),
              ...throttles.map((t) => throttleMove(this.tableName, t)),
            ] as never,
          }),
        );
        this.counterSeen = Math.max(this.counterSeen ?? 0, number);
        return { kind: 'fresh', record, number, throttled };
      } catch (err) {
        if (!isTransactionCanceled(err)) throw toDomainError(err, { what });
        const reasons = cancellationReasons(err);
        const failed = (i: number) => reasons[i]?.code === 'ConditionalCheckFailed';
        if (failed(0)) {
          const old = reasons[0].item;
          if (old) return { kind: 'taken', record: recordFromItem(unmarshall(old as Record<string, never>)) };
        }
        if (attempt >= this.maxAttempts) throw new TransientError(`${what}: cancelled after ${attempt} attempts (${reasons.map((r) => r.code).join(',')})`, { cause: err });
        if (failed(1)) {
          this.counterSeen = numberOf(reasons[1].item) ?? 0;
          number = this.counterSeen + 1;
          continue;
        }
        if (throttles.some((_, i) => failed(2 + i))) {
          throttled = true;
          continue;
        }
        // TransactionConflict: another transaction on the counter or this claim right now; the
        // retry shows which (a refused condition returns the item that refused it).
        await sleep(Math.random() * Math.min(this.maxBackoffMs, 5 * 2 ** Math.min(attempt, 10)));
      }
    }
  }

  /** Sets the counter back from `number` to `number - 1`, only when nothing took a later number. */
  public async release(number: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: COUNTER_KEY,
          UpdateExpression: 'SET #n = :previous',
          ConditionExpression: '#n = :number',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':previous': number - 1, ':number': number },
        }),
      );
      this.counterSeen = number - 1;
    } catch (err) {
      // Someone took a later number: this one stays a gap.
      if (isConditionalCheckFailed(err)) return;
      throw toDomainError(err, { what: `releaseTicketNumber ${number}` });
    }
  }

  private async readClaim(key: string, what: string): Promise<number | null> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: claimKey(key), ConsistentRead: true }),
      );
      return typeof out.Item?.number === 'number' ? out.Item.number : null;
    } catch (err) {
      throw toDomainError(err, { what });
    }
  }

  private async readCounter(what: string): Promise<number> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: COUNTER_KEY, ConsistentRead: true }),
      );
      return typeof out.Item?.n === 'number' ? out.Item.n : 0;
    } catch (err) {
      throw toDomainError(err, { what });
    }
  }
}
