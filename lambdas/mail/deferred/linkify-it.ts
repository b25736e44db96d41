/**
 * `linkify-it` as the function bundles see it (aliased by bundleHandler, lib/constructs/handler-
 * bundling.ts). mailparser builds one linkifier when it is loaded (compiling a pattern of every
 * top-level domain, ~8 ms) and uses it only to turn links in plain text into HTML, which sesdesk
 * turns off (`skipTextToHtml`). This stand-in records the configuration calls mailparser makes
 * at load time and builds the real linkifier from `deferred/linkify-it.js` only if it is ever
 * asked to find links.
 */
type Linkifier = Record<string, (...args: unknown[]) => unknown>;
type LinkifyIt = (...args: unknown[]) => Linkifier;

/** linkify-it's methods that configure the linkifier and return it for chaining. */
const CONFIGURATION = new Set(['add', 'set', 'tlds']);

export default function linkifyIt(...createArgs: unknown[]): Linkifier {
  const recorded: Array<[string, unknown[]]> = [];
  let real: Linkifier | undefined;
  const load = (): Linkifier => {
    if (real === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the point of this module: linkify-it is required on first use, from beside the bundle
      const create = require('./deferred/linkify-it.js') as LinkifyIt;
      real = create(...createArgs);
      for (const [method, args] of recorded) real[method](...args);
    }
    return real;
  };
  const stand: Linkifier = new Proxy({}, {
    get: (_target, key) => {
      if (typeof key === 'string' && CONFIGURATION.has(key)) {
        return (...args: unknown[]) => {
          if (real === undefined) recorded.push([key, args]);
          else real[key](...args);
          return stand;
        };
      }
      const linkifier = load();
      const value = Reflect.get(linkifier, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(linkifier) : value;
    },
  });
  return stand;
}
