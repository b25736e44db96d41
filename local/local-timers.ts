import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TimerRequest, TimerScheduler } from '../lambdas/domain/ports';

/**
 * The local stand-in for EventBridge Scheduler, with the same contract as
 * `EventBridgeSchedulerTimers` (arming an existing name is success, cancelling a missing one is
 * success). Timers are items in DynamoDB Local, so they survive a restart of `sesdesk start`;
 * {@link LocalTimerRunner} fires them when the local clock reaches them.
 */
export class LocalTimers implements TimerScheduler {
  public constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  public async arm(timer: TimerRequest): Promise<void> {
    const at = timer.at.toISOString();
    try {
      await this.deps.client.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: {
            pk: `TIMER#${timer.name}`,
            sk: 'TIMER',
            gsi1pk: 'KIND#TIMER',
            gsi1sk: `${at}#${timer.name}`,
            name: timer.name,
            ticketId: timer.ticketId,
            kind: timer.kind,
            at,
            payload: timer.payload,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  public async cancel(name: string): Promise<void> {
    await this.deps.client.send(new DeleteCommand({ TableName: this.deps.tableName, Key: { pk: `TIMER#${name}`, sk: 'TIMER' } }));
  }

  /** Timers due at or before `now`, earliest first. */
  public async due(now: Date, limit = 25): Promise<TimerRequest[]> {
    const out = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        IndexName: 'byKind',
        KeyConditionExpression: 'gsi1pk = :k AND gsi1sk <= :now',
        ExpressionAttributeValues: { ':k': 'KIND#TIMER', ':now': `${now.toISOString()}#~` },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => ({
      name: String(item.name),
      ticketId: String(item.ticketId),
      kind: String(item.kind),
      at: new Date(String(item.at)),
      payload: (item.payload ?? {}) as Record<string, unknown>,
    }));
  }

  /** Every pending timer, earliest first. */
  public async pending(): Promise<TimerRequest[]> {
    return this.due(new Date('9999-12-31T00:00:00.000Z'), 1000);
  }
}

export type TimerFire = (timer: TimerRequest) => Promise<void>;

/** Rounds of one tick: bounds a chain of timers that keep arming already-due successors. */
const MAX_ROUNDS = 20;

/**
 * Polls the local timers and fires each due one once; like Scheduler with
 * `ActionAfterCompletion: DELETE`, a timer is deleted after its target ran. A target that
 * throws keeps its timer for the next tick (Scheduler's retry policy).
 */
export class LocalTimerRunner {
  private handle: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  public constructor(
    private readonly deps: {
      timers: LocalTimers;
      now: () => Date;
      fire: TimerFire;
      intervalMs?: number;
      onError?: (timer: TimerRequest, error: unknown) => void;
    },
  ) {}

  public start(): void {
    this.handle = setInterval(() => void this.tick(), this.deps.intervalMs ?? 1000);
    this.handle.unref();
  }

  /** Fires everything due now; concurrent calls share one pass. */
  public tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * Fires what is due, then what that firing armed and is due too (a deadline already passed
   * is armed for "now"), so one tick after a big clock jump plays every step in order. A timer
   * that failed is left for the next tick.
   */
  private async pass(): Promise<void> {
    const failed = new Set<string>();
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const due = (await this.deps.timers.due(this.deps.now())).filter((t) => !failed.has(t.name));
      if (due.length === 0) return;
      for (const timer of due) {
        try {
          await this.deps.fire(timer);
          await this.deps.timers.cancel(timer.name);
        } catch (error) {
          failed.add(timer.name);
          this.deps.onError?.(timer, error);
        }
      }
    }
  }

  public async stop(): Promise<void> {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
    await this.running;
  }
}
