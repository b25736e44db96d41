import { onFirstUse } from '../../../lambdas/mail/deferred/on-first-use';

describe('onFirstUse', () => {
  it('loads nothing until a property is read, then loads once and forwards reads', () => {
    const load = jest.fn(() => ({ convert: (s: string) => s.toUpperCase(), name: 'real' }));
    const m = onFirstUse(load);
    expect(load).not.toHaveBeenCalled();
    expect(m.convert('abc')).toBe('ABC');
    expect(m.name).toBe('real');
    expect('convert' in m).toBe(true);
    expect(Object.keys(m)).toEqual(['convert', 'name']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('passes on a failed load, and tries again at the next use', () => {
    let attempt = 0;
    const m = onFirstUse(() => {
      attempt += 1;
      if (attempt === 1) throw new Error("Cannot find module './deferred/x.js'");
      return { ok: true };
    });
    expect(() => m.ok).toThrow(/Cannot find module/);
    expect(m.ok).toBe(true);
    expect(attempt).toBe(2);
  });
});
