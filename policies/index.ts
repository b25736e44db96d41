import * as fs from 'node:fs';
import { InvalidInputError } from '../lambdas/domain/errors';
import { parsePolicy, PolicyError, type SlaPolicy } from '../lambdas/domain/sla/policy';
import facs from './facs.json';
import fairfax from './fairfax.json';
import faxguys from './faxguys.json';
import platform from './platform.json';

/**
 * SLA policy presets: the four policies of shared/spec/policies/ written as project files,
 * each with a `description` naming the desk it models (support-desks.md). Imported as JSON so
 * a bundled Lambda carries them without reading the file system.
 */
const PRESETS: Readonly<Record<string, unknown>> = { facs, fairfax, faxguys, platform };

/** Names of the shipped presets. */
export const PRESET_NAMES: readonly string[] = Object.keys(PRESETS);

/** A shipped preset as its raw JSON (null for a name that is not a preset). */
export function presetJson(name: string): unknown {
  return Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : null;
}

/**
 * A shipped preset, validated.
 *
 * @throws {@link InvalidInputError} naming the presets when `name` is not one
 */
export function loadPreset(name: string): SlaPolicy {
  if (!Object.prototype.hasOwnProperty.call(PRESETS, name)) {
    throw new InvalidInputError(`no SLA policy preset "${name}" (presets: ${PRESET_NAMES.join(', ')})`);
  }
  return parsePolicy(PRESETS[name], `preset ${name}`);
}

/**
 * Reads and validates a policy file.
 *
 * @throws {@link InvalidInputError} when the file cannot be read or is not JSON;
 *   {@link PolicyError} (a subclass) naming each invalid field
 */
export function loadPolicyFile(path: string): SlaPolicy {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidInputError(
      `cannot read SLA policy ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PolicyError([`(file): not valid JSON: ${(error as Error).message}`], path);
  }
  return parsePolicy(json, path);
}

/**
 * A policy given as a file path or a preset name (the CLI's `--policy`): an existing file
 * wins; otherwise a preset of that name.
 */
export function resolvePolicy(fileOrPreset: string): SlaPolicy {
  if (fs.existsSync(fileOrPreset)) return loadPolicyFile(fileOrPreset);
  if (Object.prototype.hasOwnProperty.call(PRESETS, fileOrPreset)) return loadPreset(fileOrPreset);
  throw new InvalidInputError(
    `--policy ${fileOrPreset}: no such file, and not a preset (presets: ${PRESET_NAMES.join(', ')})`,
  );
}
