import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { NoSuchKey } from '@aws-sdk/client-s3';
import { MessageRejected } from '@aws-sdk/client-sesv2';
import {
  cancellationCodes,
  isRetryable,
  toDomainError,
} from '../../../lambdas/adapters/sdk-errors';
import {
  AlreadyExistsError,
  ConcurrentModificationError,
  InvalidInputError,
  NotFoundError,
  TicketError,
  TransientError,
} from '../../../lambdas/domain/errors';

const meta = { $metadata: {} };
const ccf = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta });
const canceled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    ...meta,
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('toDomainError', () => {
  it('maps a failed condition by what the caller was doing', () => {
    const created = toDomainError(ccf(), { what: 'createTicket USE1-1', onConditionFailed: 'already-exists' });
    expect(created).toBeInstanceOf(AlreadyExistsError);
    expect(created.message).toContain('createTicket USE1-1');
    expect(created.cause).toBeInstanceOf(ConditionalCheckFailedException);

    expect(toDomainError(ccf(), { what: 'save', onConditionFailed: 'concurrent-modification' })).toBeInstanceOf(
      ConcurrentModificationError,
    );
    expect(toDomainError(ccf(), { what: 'complete', onConditionFailed: 'not-found' })).toBeInstanceOf(NotFoundError);
  });

  it('does not guess a meaning for a failed condition the caller did not describe', () => {
    const err = toDomainError(ccf(), { what: 'x' });
    expect(err).toBeInstanceOf(TicketError);
    expect(err).not.toBeInstanceOf(AlreadyExistsError);
    expect(err).not.toBeInstanceOf(TransientError);
  });

  it('reads transaction cancellation reasons', () => {
    expect(cancellationCodes(canceled('None', 'ConditionalCheckFailed'))).toEqual(['None', 'ConditionalCheckFailed']);
    expect(
      toDomainError(canceled('None', 'ConditionalCheckFailed'), { what: 'tx', onConditionFailed: 'already-exists' }),
    ).toBeInstanceOf(AlreadyExistsError);
    expect(toDomainError(canceled('TransactionConflict', 'None'), { what: 'tx' })).toBeInstanceOf(TransientError);
  });

  it.each([
    ['ProvisionedThroughputExceeded', new ProvisionedThroughputExceededException({ message: 'x', ...meta })],
    ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'x', ...meta })],
    ['InternalServerError', new InternalServerError({ message: 'x', ...meta })],
    ['a bare 503', Object.assign(new Error('unavailable'), { name: 'Whatever', $metadata: { httpStatusCode: 503 } })],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('treats %s as transient', (_label, err) => {
    expect(isRetryable(err)).toBe(true);
    expect(toDomainError(err, { what: 'op' })).toBeInstanceOf(TransientError);
  });

  it('maps missing things and permanent refusals', () => {
    expect(toDomainError(new NoSuchKey({ message: 'gone', ...meta }), { what: 'get' })).toBeInstanceOf(NotFoundError);
    expect(toDomainError(new ResourceNotFoundException({ message: 'no table', ...meta }), { what: 'q' })).toBeInstanceOf(
      NotFoundError,
    );
    const rejected = toDomainError(new MessageRejected({ message: 'not verified', ...meta }), { what: 'send' });
    expect(rejected).toBeInstanceOf(InvalidInputError);
    expect(rejected.message).toBe('send: MessageRejected: not verified');
    expect(isRetryable(new MessageRejected({ message: 'x', ...meta }))).toBe(false);
  });

  it('passes domain errors and our own bugs through untouched', () => {
    const domain = new ConcurrentModificationError('lost');
    expect(toDomainError(domain, { what: 'x' })).toBe(domain);
    const bug = new TypeError('undefined is not a function');
    expect(toDomainError(bug, { what: 'x' })).toBe(bug);
  });

  it('wraps an unknown service error in a TicketError that keeps the cause', () => {
    const odd = Object.assign(new Error('odd'), { name: 'SomethingNew', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const err = toDomainError(odd, { what: 'op' });
    expect(err).toBeInstanceOf(TicketError);
    expect(err.message).toBe('op: SomethingNew: odd');
    expect(err.cause).toBe(odd);
  });
});
