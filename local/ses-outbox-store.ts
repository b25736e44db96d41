import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getStoreReadonly, type Email } from 'aws-ses-v2-local/dist/store';

/**
 * The local SES's sent mail, kept in the data dir so that `sesdesk outbox` and the mail viewer
 * still show it after a restart, as the tickets it speaks of are still there. aws-ses-v2-local
 * keeps its store in memory only; this writes each accepted mail as one JSON line of
 * `<dir>/outbox.jsonl` (the emulator's own record: what `GET /store` and the viewer serve) and
 * its raw MIME, when it was a raw send, to `<dir>/raw/<messageId>.eml` (what the recorder front
 * serves at `/raw/<id>` and adds headers from). A restart puts both back before the emulator
 * answers its first request. `POST /clear-store` empties both.
 */
export class PersistentSesOutbox {
  private readonly file: string;
  private readonly rawDir: string;

  public constructor(dir: string) {
    this.file = join(dir, 'outbox.jsonl');
    this.rawDir = join(dir, 'raw');
    mkdirSync(this.rawDir, { recursive: true });
  }

  /**
   * Puts the kept mail back into the emulator's store (mail already there, from a stack started
   * earlier in this process, is not added twice) and returns the raw messages by id. A line cut
   * short by a crash mid-write is skipped.
   */
  public restore(): Map<string, Buffer> {
    const store = getStoreReadonly();
    const present = new Set(store.emails.map((e) => e.messageId));
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        let email: Email;
        try {
          email = JSON.parse(line) as Email;
        } catch {
          continue;
        }
        if (typeof email?.messageId !== 'string' || present.has(email.messageId)) continue;
        store.emails.push(email);
        present.add(email.messageId);
      }
      store.emails.sort((a, b) => a.at - b.at);
    }
    const raws = new Map<string, Buffer>();
    for (const name of readdirSync(this.rawDir)) {
      if (name.endsWith('.eml')) raws.set(decodeURIComponent(name.slice(0, -'.eml'.length)), readFileSync(join(this.rawDir, name)));
    }
    return raws;
  }

  /** Keeps the mail the emulator just accepted under `messageId` (and its raw MIME, if any). */
  public record(messageId: string, raw: Buffer | null): void {
    const email = getStoreReadonly().emails.find((e) => e.messageId === messageId);
    if (email === undefined) return;
    if (raw !== null) writeFileSync(join(this.rawDir, `${encodeURIComponent(messageId)}.eml`), raw);
    appendFileSync(this.file, `${JSON.stringify(email)}\n`);
  }

  /** Forgets every kept mail (the emulator's store was cleared). */
  public clear(): void {
    rmSync(this.file, { force: true });
    rmSync(this.rawDir, { recursive: true, force: true });
    mkdirSync(this.rawDir, { recursive: true });
  }
}
