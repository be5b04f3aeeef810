import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROFILES, type FirmwareProfile } from '../sim/profiles.js';
import { buildFirmwareImage } from './uf2-writer.js';

/**
 * The pico-sdk release each profile's commit pins as lib/pico-sdk (git ls-tree of the tag, then
 * git describe in pico-sdk): what a real build of that commit records as its SDK version.
 */
const SDK_VERSION_OF_TAG: ReadonlyMap<string, string> = new Map([
  ['v1.19.1-88-g99c258977', '1.4.0'],
  ['v1.19.1-236-gb560b9fe7', '1.4.0'],
  ['v1.20.0', '1.5.0'],
  ['v1.21.0', '1.5.1'],
  ['v1.22.2', '1.5.1'],
  ['v1.23.0', '1.5.1'],
  ['v1.24.1', '2.0.0'],
  ['v1.25.0-preview.300.g321b30ca5', '2.1.0'],
]);

/** Size of a simulator build's image: big enough for real structure, small enough for fast tests. */
const SIM_BUILD_SIZE = 16 * 1024;

/** `micropython-<gitTag>.uf2`. */
export function simBuildFileName(profile: FirmwareProfile): string {
  return `micropython-${profile.gitTag}.uf2`;
}

/** A UF2 whose binary info names the profile: program version = its gitTag, build date, board pico_w. */
export function buildSimFirmware(profile: FirmwareProfile, options: { size?: number } = {}): Uint8Array {
  const sdkVersion = SDK_VERSION_OF_TAG.get(profile.gitTag);
  return buildFirmwareImage({
    programName: 'MicroPython',
    programVersion: profile.gitTag,
    buildDate: profile.buildDate,
    boardName: 'pico_w',
    size: options.size ?? SIM_BUILD_SIZE,
    programUrl: 'https://micropython.org',
    programDescription: 'MicroPython for the simulated Raspberry Pi Pico W',
    ...(sdkVersion === undefined ? {} : { sdkVersion }),
  });
}

export interface SimBuildFile {
  readonly file: string;
  readonly profile: string;
  readonly gitTag: string;
  readonly bytes: number;
}

/** Writes one UF2 per simulator profile into `dir` (created if needed), oldest profile first. */
export async function writeSimBuilds(dir: string, profiles: readonly FirmwareProfile[] = PROFILES): Promise<SimBuildFile[]> {
  await mkdir(dir, { recursive: true });
  const written: SimBuildFile[] = [];
  for (const profile of profiles) {
    const file = join(dir, simBuildFileName(profile));
    const bytes = buildSimFirmware(profile);
    await writeFile(file, bytes);
    written.push({ file, profile: profile.name, gitTag: profile.gitTag, bytes: bytes.length });
  }
  return written;
}
