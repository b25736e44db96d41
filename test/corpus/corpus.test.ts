import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKS, checkFile, readExpectations, type CheckResult } from './corpus-checks';

/**
 * Runs sesdesk's parser, classifier and quote stripper over the shared real-world corpus
 * (../shared/corpus, never copied into this repo) and reports per-check pass counts.
 */
const corpusDir = path.resolve(__dirname, '../../../shared/corpus');
const exists = fs.existsSync(path.join(corpusDir, 'expectations.jsonl'));
if (!exists) {
  console.log(`corpus suite skipped: ${corpusDir} is absent (it lives beside the repository, not in it)`);
}
const d = exists ? describe : describe.skip;

d('shared real-world mail corpus', () => {
  const results: CheckResult[] = [];
  let files = 0;

  beforeAll(async () => {
    for (const e of readExpectations(corpusDir)) {
      files++;
      results.push(...(await checkFile(corpusDir, e)));
    }
    const rows = CHECKS.map((c) => {
      const r = results.filter((x) => x.check === c);
      const pass = r.filter((x) => x.pass).length;
      return `${c.padEnd(12)} ${String(pass).padStart(4)} / ${String(r.length).padEnd(4)} ${r.length ? ((100 * pass) / r.length).toFixed(1) : '-'}%`;
    });
    const pass = results.filter((x) => x.pass).length;
    const misses = results.filter((x) => !x.pass).map((x) => `  ${x.file} [${x.check}] ${x.detail ?? ''}`.slice(0, 240));
    console.log(
      [`corpus: ${files} messages, ${results.length} checks`, ...rows, `${'total'.padEnd(12)} ${pass} / ${results.length} ${((100 * pass) / results.length).toFixed(1)}%`, 'misses:', ...misses].join('\n'),
    );
  });

  it('covers all 171 messages', () => {
    expect(files).toBe(171);
  });

  it('passes at least 97% of the checks the source projects state', () => {
    const pass = results.filter((x) => x.pass).length;
    expect(pass / results.length).toBeGreaterThanOrEqual(0.97);
  });

  it('parses every must-parse message without a parser failure', () => {
    expect(results.filter((x) => x.check === 'parse' && !x.pass)).toEqual([]);
  });

  it('strips quotes and signatures as email_reply_parser expects', () => {
    expect(results.filter((x) => x.check === 'reply' && !x.pass)).toEqual([]);
  });
});
