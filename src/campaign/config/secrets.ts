import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigError } from '../../errors.js';
import { didYouMean } from '../../config-file/closest.js';
import { problemAt } from '../../config-file/yaml-source.js';
import { isSimBoard } from './checks.js';
import type { LoadedCampaign } from './load.js';
import type { SecretRef } from './schema.js';

/**
 * The campaign's secrets (Wi-Fi passwords), read from the environment or from files the config
 * names, never from the command line, and never shown: errors say which variable or file, not
 * what is in it. A simulated board's access points may leave the password out: the world has it.
 */
export interface CampaignSecrets {
  /** Access point name → its password; absent for an open network. */
  readonly passwords: ReadonlyMap<string, string>;
  /** Every secret value, for the redactor. */
  secretValues(): string[];
  /** Non-fatal findings, one line each (e.g. a secrets file other users can read); no values. */
  readonly warnings: readonly string[];
}

/** What secrets need of a simulated world: its access points by SSID. */
export interface SecretsWorld {
  readonly accessPoints: readonly { readonly ssid: string; readonly password?: string | undefined }[];
}

export interface ResolveSecretsOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The simulated board's world (required when a sim AP leaves its password out). */
  readonly world?: SecretsWorld | undefined;
  /** How errors name the world, e.g. its file or "the default world". */
  readonly worldName?: string;
}

/** WPA passphrase: 8..63 printable ASCII characters, or 64 hex digits (a raw PSK). */
function passwordProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (/^[0-9a-fA-F]{64}$/.test(value)) return undefined;
  if (value.length < 8 || value.length > 63) return 'must be 8 to 63 characters (a WPA passphrase) or 64 hex digits';
  if (!/^[\x20-\x7e]*$/.test(value)) return 'must be printable ASCII (a WPA passphrase)';
  return undefined;
}

async function readSecretFile(loaded: LoadedCampaign, path: readonly PropertyKey[], file: string, warnings: string[]): Promise<string> {
  const absolute = isAbsolute(file) ? file : resolve(loaded.dir, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : 'unreadable';
    throw problemAt(loaded.source, [...path, 'file'], `cannot read the secrets file ${file}: ${reason}`);
  }
  const mode = (await stat(absolute)).mode & 0o777;
  if ((mode & 0o044) !== 0) {
    warnings.push(`${loaded.file}: ${describePath(path)}: the secrets file ${file} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 ${file}`);
  }
  // An editor's final newline is not part of the secret.
  return text.replace(/\r?\n$/, '');
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('');
}

async function readSecret(loaded: LoadedCampaign, path: readonly PropertyKey[], ref: SecretRef, env: NodeJS.ProcessEnv, warnings: string[]): Promise<string> {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined) throw problemAt(loaded.source, [...path, 'env'], `the environment variable ${ref.env} is not set`);
    return value;
  }
  return readSecretFile(loaded, path, ref.file, warnings);
}

function fromWorld(loaded: LoadedCampaign, index: number, ssid: string, options: ResolveSecretsOptions): string | undefined | ConfigError {
  const worldName = options.worldName ?? 'the world';
  if (options.world === undefined) return problemAt(loaded.source, ['accessPoints', index], 'has no password and no world was given to take it from', { key: true });
  const match = options.world.accessPoints.find((ap) => ap.ssid === ssid);
  if (match === undefined) {
    const known = options.world.accessPoints.map((ap) => ap.ssid);
    return problemAt(loaded.source, ['accessPoints', index, 'ssid'], `${worldName} has no access point with this SSID${didYouMean(ssid, known) || ` (it has ${known.join(', ')})`}`);
  }
  return match.password;
}

/** Read every secret the config names; a missing variable or file is a one-line `ConfigError` naming it. */
export async function resolveSecrets(loaded: LoadedCampaign, options: ResolveSecretsOptions = {}): Promise<CampaignSecrets> {
  const env = options.env ?? process.env;
  const sim = isSimBoard(loaded.config);
  const passwords = new Map<string, string>();
  const warnings: string[] = [];
  for (const [index, ap] of loaded.config.accessPoints.entries()) {
    if (ap.open) continue;
    const path = ['accessPoints', index, 'password'];
    let value: string | undefined;
    if (ap.password !== undefined) {
      value = await readSecret(loaded, path, ap.password, env, warnings);
      const problem = passwordProblem(value);
      const source = 'env' in ap.password ? `the environment variable ${ap.password.env}` : `the secrets file ${ap.password.file}`;
      if (problem !== undefined) throw problemAt(loaded.source, path, `${source} ${problem}`);
    } else if (sim) {
      const found = fromWorld(loaded, index, ap.ssid, options);
      if (found instanceof Error) throw found;
      value = found;
    }
    if (value !== undefined) passwords.set(ap.name, value);
  }
  return {
    passwords,
    secretValues: () => [...new Set(passwords.values())],
    warnings,
  };
}
