/**
 * `tsx lib/constructs/bundle-handler-cli.ts <entry.ts> <outDir>`: runs {@link bundleHandler} in
 * a process of its own. The CDK calls it from a function asset's local bundling, which must be
 * synchronous, while esbuild runs plugins only in its asynchronous API.
 */
import { bundleHandler } from './handler-bundling';

const [entry, outDir, ...rest] = process.argv.slice(2);
if (entry === undefined || outDir === undefined || rest.length > 0) {
  process.stderr.write('usage: bundle-handler-cli <entry.ts> <outDir>\n');
  process.exit(2);
}
bundleHandler(entry, outDir).then(
  (b) => process.stdout.write(`${b.file} ${b.bytes} bytes\n`),
  (error: unknown) => {
    process.stderr.write(`bundling ${entry} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
