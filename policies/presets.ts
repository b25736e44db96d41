import facs from './facs.json';
import fairfax from './fairfax.json';
import faxguys from './faxguys.json';
import platform from './platform.json';

/**
 * SLA policy presets: the four policies written from real support agreements,
 * each with a `description` naming the desk it models (support-desks.md). Imported as JSON so
 * a bundled Lambda carries them without reading the file system.
 */
export const PRESETS: Readonly<Record<string, unknown>> = { facs, fairfax, faxguys, platform };

/** Names of the shipped presets. */
export const PRESET_NAMES: readonly string[] = Object.keys(PRESETS);

/** A shipped preset as its raw JSON (null for a name that is not a preset). */
export function presetJson(name: string): unknown {
  return Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : null;
}
