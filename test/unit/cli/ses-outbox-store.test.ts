import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearStore, getStoreReadonly, type Email } from 'aws-ses-v2-local/dist/store';
import { PersistentSesOutbox } from '../../../local/ses-outbox-store';

/** The local SES's sent mail kept in the data dir: what a restart puts back into the emulator. */
const email = (id: string, at: number): Email => ({
  messageId: id,
  from: 'support@example.com',
  replyTo: [],
  destination: { to: ['ana@customer.example'], cc: [], bcc: [] },
  subject: `mail ${id}`,
  body: { text: 'hello' },
  attachments: [],
  at,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sesdesk-outbox-'));
  clearStore();
});
afterEach(() => {
  clearStore();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps each accepted mail and its raw MIME, and a restart (an emptied emulator) gets them back in order', () => {
  const outbox = new PersistentSesOutbox(dir);
  const store = getStoreReadonly();
  store.emails.push(email('ses-1', 100), email('ses-2', 200));
  outbox.record('ses-1', Buffer.from('Message-ID: <ses-1@email.amazonses.com>\r\n\r\nhello'));
  outbox.record('ses-2', null);
  outbox.record('ses-unknown', null); // not in the store: nothing kept
  clearStore(); // the process ends

  const raws = new PersistentSesOutbox(dir).restore();
  expect(getStoreReadonly().emails).toEqual([email('ses-1', 100), email('ses-2', 200)]);
  expect([...raws.keys()]).toEqual(['ses-1']);
  expect(raws.get('ses-1')!.toString()).toContain('<ses-1@email.amazonses.com>');
});

it('does not add a mail twice when the emulator still holds it (a second stack in the same process)', () => {
  const outbox = new PersistentSesOutbox(dir);
  getStoreReadonly().emails.push(email('ses-1', 100));
  outbox.record('ses-1', null);
  new PersistentSesOutbox(dir).restore();
  expect(getStoreReadonly().emails.map((e) => e.messageId)).toEqual(['ses-1']);
});

it('skips a line cut short by a crash and keeps the rest', () => {
  const outbox = new PersistentSesOutbox(dir);
  getStoreReadonly().emails.push(email('ses-1', 100));
  outbox.record('ses-1', null);
  appendFileSync(join(dir, 'outbox.jsonl'), '{"messageId":"ses-2","fro');
  clearStore();
  new PersistentSesOutbox(dir).restore();
  expect(getStoreReadonly().emails.map((e) => e.messageId)).toEqual(['ses-1']);
});

it('clear() forgets every kept mail', () => {
  const outbox = new PersistentSesOutbox(dir);
  getStoreReadonly().emails.push(email('ses-1', 100));
  outbox.record('ses-1', Buffer.from('x'));
  outbox.clear();
  clearStore();
  expect(new PersistentSesOutbox(dir).restore().size).toBe(0);
  expect(getStoreReadonly().emails).toEqual([]);
  expect(() => readFileSync(join(dir, 'outbox.jsonl'))).toThrow();
});
