import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeDue } from '../../../lambdas/domain/sla/calculator';
import { loadPolicyFile, loadPreset } from '../../../policies';

/** The worked examples of shared/spec/sla-policy.md, run against the spec's own policy files. */
const specDir = path.resolve(__dirname, '../../../../shared/spec');
const examplesPath = path.join(specDir, 'sla-examples.jsonl');
const present = fs.existsSync(examplesPath);
if (!present) {
  console.warn(`sla examples skipped: ${examplesPath} not found (the shared spec is not checked out beside the repo)`);
}
const d = present ? describe : describe.skip;

interface Example {
  policy: string;
  priority: string;
  received: string;
  firstResponseDue: string;
  resolutionDue: string;
}

const examples: Example[] = present
  ? fs
      .readFileSync(examplesPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Example)
  : [];

d('sla-examples.jsonl (worked examples of the spec)', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples.map((e) => [`${e.policy} ${e.priority} ${e.received}`, e] as const))('%s', (_name, e) => {
    const policy = loadPolicyFile(path.join(specDir, 'policies', `${e.policy}.json`));
    const due = computeDue(policy, e.priority, new Date(e.received));
    // Same instant, whatever the notation.
    expect(due.firstResponseDue.getTime()).toBe(Date.parse(e.firstResponseDue));
    expect(due.resolutionDue.getTime()).toBe(Date.parse(e.resolutionDue));
  });

  it.each(examples.map((e) => [`preset ${e.policy} agrees: ${e.priority} ${e.received}`, e] as const))('%s', (_name, e) => {
    const due = computeDue(loadPreset(e.policy), e.priority, new Date(e.received));
    expect(due.firstResponseDue.toISOString()).toBe(new Date(e.firstResponseDue).toISOString());
    expect(due.resolutionDue.toISOString()).toBe(new Date(e.resolutionDue).toISOString());
  });
});
