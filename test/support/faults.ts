import { AsyncLocalStorage } from 'node:async_hooks';
import { TransientError } from '../../lambdas/domain/errors';

/**
 * Fault injection for port objects (in-memory fakes or real adapters): make one call fail, or
 * record which calls a run makes so every call site can be failed in turn.
 *
 * A fault comes in two modes:
 * - `before`: the call fails and does nothing (a throttled or refused request);
 * - `after`: the call does its work, then the caller sees an error (a lost response, a Lambda
 *   timed out right after the write landed) — the harder case for idempotency.
 */
export type FaultMode = 'before' | 'after';

/** The error a fault throws: transient, as the adapters report throttling, 5xx and timeouts. */
export class InjectedFault extends TransientError {
  public constructor(message: string) {
    super(message);
    this.name = 'InjectedFault';
  }
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;
type MethodOf<P> = { [K in keyof P]: P[K] extends (...args: never[]) => unknown ? K : never }[keyof P] & string;

export interface Fault {
  /** Calls of the method seen so far (nested calls inside another port call excluded). */
  readonly calls: number;
  /** True once the fault was thrown. */
  readonly fired: boolean;
  /** Puts the original method back. */
  restore(): void;
}

/** Set while a wrapped call runs: calls a fake makes to itself are not call sites. */
const inside = new AsyncLocalStorage<true>();

function patch(port: object, method: string, wrap: (original: AnyFn) => AnyFn): () => void {
  const target = port as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(target, method);
  const previous = target[method];
  if (typeof previous !== 'function') throw new Error(`${method} is not a method of this port`);
  const original = (previous as AnyFn).bind(port);
  target[method] = wrap(original);
  return () => {
    if (own) target[method] = previous;
    else delete target[method];
  };
}

/**
 * Makes call number `nth` (1-based) of `port[method]` fail once with an {@link InjectedFault};
 * every other call goes through. Nested calls (a fake calling its own methods) do not count.
 */
export function failOnce<P extends object>(port: P, method: MethodOf<P>, nth = 1, mode: FaultMode = 'before'): Fault {
  let calls = 0;
  let fired = false;
  const restore = patch(port, method, (original) => async (...args: unknown[]) => {
    if (inside.getStore()) return original(...args);
    calls += 1;
    const hit = calls === nth;
    if (hit && mode === 'before') {
      fired = true;
      throw new InjectedFault(`injected fault before ${method} #${nth}`);
    }
    const result = await inside.run(true, () => original(...args));
    if (hit) {
      fired = true;
      throw new InjectedFault(`injected fault after ${method} #${nth}`);
    }
    return result;
  });
  return {
    get calls() {
      return calls;
    },
    get fired() {
      return fired;
    },
    restore,
  };
}

/** One call a run made: port name, method, and which call of that method it was. */
export interface CallSite {
  port: string;
  method: string;
  nth: number;
}

export const siteName = (s: CallSite): string => `${s.port}.${s.method}#${s.nth}`;

/** Every method a port object answers to (own and inherited, not Object's). */
function methodsOf(port: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = port; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (port as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

/**
 * Records, in order, every call made on the given ports (by name) until `stop()`: the call
 * sites of a clean run, which a fault matrix then fails one by one.
 */
export function recordCalls(ports: Record<string, object>): { calls: CallSite[]; stop(): void } {
  const calls: CallSite[] = [];
  const counts = new Map<string, number>();
  const restores: Array<() => void> = [];
  for (const [portName, port] of Object.entries(ports)) {
    for (const method of methodsOf(port)) {
      restores.push(
        patch(port, method, (original) => async (...args: unknown[]) => {
          if (inside.getStore()) return original(...args);
          const id = `${portName}.${method}`;
          const nth = (counts.get(id) ?? 0) + 1;
          counts.set(id, nth);
          calls.push({ port: portName, method, nth });
          return inside.run(true, () => original(...args));
        }),
      );
    }
  }
  return { calls, stop: () => restores.reverse().forEach((r) => r()) };
}
