import fc from 'fast-check';
import { InvalidInputError } from '../../../lambdas/domain/errors';
import type { CommitResult, IngestCommit } from '../../../lambdas/domain/ports';
import { AGENT, ANA, deliverUntilDone, guardSends, makeDesk, scenarios, type Delivery } from './world';
import { eml, type Desk } from '../conversations/support';

/**
 * Issue 13 point 3, the class "mail about a ticket that was never committed": whatever write
 * fails and however often the mail is redelivered, no mail leaves before the commit that
 * decided it. The fault matrix checks the same at every send of every single-fault run; here
 * the commit never lands at all (DynamoDB refusing the write on every try, as it refuses an
 * item over 400 KB), and the mail is generated.
 */

/** Every write of a ticket is refused, as DynamoDB refuses a write it will never take. */
function refuseTicketWrites(desk: Desk): void {
  const refuse = () => {
    throw new InvalidInputError('ValidationException: Item size has exceeded the maximum allowed size');
  };
  desk.tickets.commit = async (c: IngestCommit): Promise<CommitResult> => {
    if (c.ticket) refuse();
    return Object.getPrototypeOf(desk.tickets).commit.call(desk.tickets, c);
  };
  desk.tickets.saveTicket = async () => refuse();
  desk.tickets.createTicket = async () => refuse();
}

async function deliverRefused(desk: Desk, delivery: Delivery): Promise<string[]> {
  const before = desk.mailer.sent.length;
  const guard = guardSends(desk);
  refuseTicketWrites(desk);
  await expect(deliverUntilDone(desk, delivery, 4)).rejects.toThrow();
  guard.stop();
  return [...guard.violations, ...desk.mailer.sent.slice(before).map((m) => `sent "${m.subject}" to ${m.to.map((a) => a.address).join(',')}`)];
}

describe('a commit that never lands sends nothing, redelivered four times', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const desk = makeDesk();
    const delivery = await scenario.setup(desk);
    expect(await deliverRefused(desk, delivery)).toEqual([]);
  });
});

const word = fc.stringMatching(/^[A-Za-z]{1,12}$/);
const text = fc.array(word, { minLength: 1, maxLength: 30 }).map((w) => w.join(' '));

describe('generated mail (new tickets, replies, agent commands) whose commit never lands', () => {
  it('never reaches anyone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          kind: fc.constantFrom('new', 'reply', 'agent', 'clarify'),
          subject: text,
          body: text,
          urgent: fc.boolean(),
          local: word,
        }),
        async (g) => {
          const desk = makeDesk();
          const from = `${g.local.toLowerCase()}@customer.example`;
          let raw: string;
          if (g.kind === 'new') raw = eml({ from, subject: g.subject, body: `${g.urgent ? 'URGENT ' : ''}${g.body}` });
          else {
            const opened = await desk.deliver(eml({ from: ANA, subject: 'Open', messageId: '<open-gen@customer.example>', body: 'x' }));
            const id = opened.ticketId!;
            if (g.kind === 'reply') raw = eml({ from: ANA, cc: from, subject: `Re: [#${id}] Open`, inReplyTo: '<open-gen@customer.example>', body: g.body });
            else if (g.kind === 'agent') raw = eml({ from: AGENT, subject: `Re: [#${id}] Open`, body: `#status in_progress\n\n${g.body}` });
            else raw = eml({ from: AGENT, subject: `Re: [#${id}] Open`, body: `#status needs_clarification\n${g.body}` });
          }
          const input = await desk.inputFor(raw);
          expect(await deliverRefused(desk, { kind: 'ingest', input })).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});
