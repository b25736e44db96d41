/**
 * A stand-in for a module that is loaded the first time one of its properties is read, not
 * when the stand-in is. Used by the shims in this directory (see `DEFERRED_MODULES` in
 * lib/constructs/handler-bundling.ts): inside a function bundle, a module that mailparser or
 * libmime requires at load time but needs only for some mails is bundled into a file of its
 * own beside the handler, and the shim loads that file when such a mail arrives.
 */
export function onFirstUse<T extends object>(load: () => T): T {
  let real: T | undefined;
  const get = (): T => (real ??= load());
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(get(), key),
    has: (_target, key) => Reflect.has(get(), key),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_target, key) => {
      const d = Reflect.getOwnPropertyDescriptor(get(), key);
      // A proxy may not report a property of its empty target as non-configurable.
      return d === undefined ? undefined : { ...d, configurable: true };
    },
  });
}
