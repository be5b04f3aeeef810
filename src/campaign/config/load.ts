import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { describeError, type IssueProblem } from '../../config-file/issues.js';
import { documentPath, parseYamlSource, problemAt, type YamlSource } from '../../config-file/yaml-source.js';
import { ConfigError, UsageError } from '../../errors.js';
import { DEFAULT_OUT_DIR } from '../../pki/layout.js';
import { campaignProblems, type ConfigProblem } from './checks.js';
import { campaignSchema, type CampaignConfig } from './schema.js';

/** Flags of `picow-harness run` that override the config; paths are relative to the working directory. */
export interface CampaignOverrides {
  readonly port?: string | undefined;
  readonly profile?: string | undefined;
  readonly world?: string | undefined;
  readonly iterations?: number | undefined;
  readonly seed?: number | undefined;
  readonly maxDuration?: string | undefined;
}

const OVERRIDES: Readonly<Record<keyof CampaignOverrides, { path: readonly string[]; flag: string }>> = {
  port: { path: ['board', 'port'], flag: '--port' },
  profile: { path: ['board', 'profile'], flag: '--profile' },
  world: { path: ['board', 'world'], flag: '--world' },
  iterations: { path: ['iterations'], flag: '--iterations' },
  seed: { path: ['seed'], flag: '--seed' },
  maxDuration: { path: ['maxDuration'], flag: '--max-duration' },
};

export interface LoadedCampaign {
  readonly file: string;
  /** Relative paths in the config are relative to this folder (the config file's). */
  readonly dir: string;
  readonly config: CampaignConfig;
  /** The YAML with its positions, for problems found later (secrets). */
  readonly source: YamlSource;
  /** Absolute paths of what the config names: the world file (sim) and the certificate folder. */
  readonly paths: { readonly world: string | undefined; readonly certsDir: string };
  /** The flags that overrode config values. */
  readonly overriddenBy: readonly string[];
}

export interface ParseOptions {
  readonly overrides?: CampaignOverrides;
  /** Base for override paths and the default certificate folder; process.cwd() when absent. */
  readonly cwd?: string;
}

const SECRET_KEYS = new Set(['password']);
const ISSUE_OPTIONS = {
  secretKeys: SECRET_KEYS,
  secretForm: '{env: NAME} or {file: PATH} (a secret is never written in the config)',
  requiredHints: { 'board.port': 'or give --port' },
  pathText: documentPath,
};

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.every((part, index) => String(path[index]) === part);
}

function applyOverrides(document: unknown, overrides: CampaignOverrides, cwd: string): { document: unknown; applied: (keyof CampaignOverrides)[] } {
  const applied = (Object.keys(OVERRIDES) as (keyof CampaignOverrides)[]).filter((key) => overrides[key] !== undefined);
  if (applied.length === 0 || typeof document !== 'object' || document === null || Array.isArray(document)) return { document, applied: [] };
  const copy = structuredClone(document) as Record<string, unknown>;
  for (const key of applied) {
    const [first, second] = OVERRIDES[key].path as [string, string | undefined];
    const value = key === 'world' ? resolve(cwd, String(overrides.world)) : overrides[key];
    if (second === undefined) copy[first] = value;
    else {
      const parent = copy[first];
      if (typeof parent === 'object' && parent !== null && !Array.isArray(parent)) (parent as Record<string, unknown>)[second] = value;
      else copy[first] = { [second]: value };
    }
  }
  return { document: copy, applied };
}

/** The error for one problem: at the flag when a flag set that value, else at its place in the file. */
function errorFor(source: YamlSource, problem: IssueProblem | ConfigProblem, overrides: CampaignOverrides, applied: readonly (keyof CampaignOverrides)[]): Error {
  for (const key of applied) {
    const { path, flag } = OVERRIDES[key];
    if (startsWith(problem.path, path)) return new UsageError(`${flag} ${String(overrides[key])}: ${problem.problem}`, { option: flag });
  }
  return problemAt(source, problem.path, problem.problem, { key: 'atKey' in problem && problem.atKey === true });
}

/** Validate a parsed campaign document; every failure is one line naming file:line:col, path and problem. */
export function validateCampaign(source: YamlSource, options: ParseOptions = {}): LoadedCampaign {
  const cwd = options.cwd ?? process.cwd();
  const overrides = options.overrides ?? {};
  if (source.value === null || source.value === undefined) throw problemAt(source, [], 'is empty: a campaign needs at least board and matrix');
  const { document, applied } = applyOverrides(source.value, overrides, cwd);
  const result = campaignSchema.safeParse(document);
  if (!result.success) {
    const problem = describeError(campaignSchema, result.error, document, ISSUE_OPTIONS);
    if (problem === undefined) throw problemAt(source, [], 'is not a valid campaign');
    throw errorFor(source, problem, overrides, applied);
  }
  const config = result.data;
  const [problem] = campaignProblems(config);
  if (problem !== undefined) throw errorFor(source, problem, overrides, applied);
  const dir = dirname(resolve(cwd, source.file));
  const inConfigDir = (path: string): string => (isAbsolute(path) ? path : resolve(dir, path));
  return {
    file: source.file,
    dir,
    config,
    source,
    paths: {
      world: config.board.world === undefined ? undefined : inConfigDir(config.board.world),
      certsDir: config.server.certsDir === undefined ? resolve(cwd, DEFAULT_OUT_DIR) : inConfigDir(config.server.certsDir),
    },
    overriddenBy: applied.map((key) => OVERRIDES[key].flag),
  };
}

/** Parse and validate campaign text (YAML; JSON is YAML too); `file` names it in errors and anchors relative paths. */
export function parseCampaignConfig(text: string, file: string, options: ParseOptions = {}): LoadedCampaign {
  return validateCampaign(parseYamlSource(text, file), options);
}

/** Read, parse and validate a campaign config file (`run --config FILE`). */
export async function loadCampaignConfig(file: string, options: ParseOptions = {}): Promise<LoadedCampaign> {
  let text: string;
  try {
    text = await readFile(resolve(options.cwd ?? process.cwd(), file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ConfigError(`${file}: cannot read the campaign config: ${reason}`, { file });
  }
  return parseCampaignConfig(text, file, options);
}
