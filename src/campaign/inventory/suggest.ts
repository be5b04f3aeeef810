import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { BoardInfo } from '../../transport/discovery.js';
import { deviceHasSerial, parseUhubctlOutput, type UhubctlHub } from '../power/uhubctl-output.js';
import { runProcess } from '../power/run-process.js';
import type { InventoryDocument } from './schema.js';

/** Where udev keeps stable names of serial devices (one symlink per USB interface). */
export const BY_ID_DIR = '/dev/serial/by-id';

export interface SuggestOptions {
  /** Simulated boards are suggested as `port: sim` with their serial number. */
  readonly simulated?: boolean;
  /** Default BY_ID_DIR. */
  readonly byIdDir?: string;
  /** uhubctl's listing (`uhubctl` with no arguments), or undefined when it is not available. */
  readonly uhubctlListing?: () => Promise<string | undefined>;
}

export interface SuggestedBoard {
  readonly label: string;
  readonly serial: string | undefined;
  readonly port: string;
  readonly hub: { readonly location: string; readonly port: number } | null;
}

/** by-id symlinks by the device node they point at (/dev/ttyACM0 → /dev/serial/by-id/usb-…-if00). */
async function byIdLinks(dir: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return links;
  }
  for (const name of names.sort()) {
    const link = join(dir, name);
    const target = await realpath(link).catch(() => undefined);
    if (target !== undefined && !links.has(target)) links.set(target, link);
  }
  return links;
}

/** Runs `uhubctl` (no arguments: lists hubs and ports) with a short time limit; undefined when it is missing or fails. */
export function uhubctlListing(env: NodeJS.ProcessEnv = process.env, binary = 'uhubctl'): () => Promise<string | undefined> {
  return async () => {
    try {
      const result = await runProcess(binary, [], { timeoutMs: 10_000, env });
      return result.exitCode === 0 ? result.stdout : undefined;
    } catch {
      return undefined;
    }
  };
}

function hubPortOf(hubs: readonly UhubctlHub[], serial: string | undefined): { location: string; port: number } | null {
  if (serial === undefined) return null;
  for (const hub of hubs) for (const port of hub.ports) if (deviceHasSerial(port.device, serial)) return { location: hub.location, port: port.port };
  return null;
}

function labelFor(board: BoardInfo, index: number, taken: Set<string>): string {
  const base = board.serialNumber === undefined ? `pico-${index + 1}` : `pico-${board.serialNumber.slice(-4).toLowerCase()}`;
  let label = base;
  for (let n = 2; taken.has(label); n += 1) label = `${base}-${n}`;
  taken.add(label);
  return label;
}

/** What the boards on USB would look like in an inventory: serial, stable port name, uhubctl hub port when found. */
export async function suggestBoards(boards: readonly BoardInfo[], options: SuggestOptions = {}): Promise<SuggestedBoard[]> {
  const micropython = boards.filter((board) => board.mode === 'micropython');
  const links = options.simulated === true ? new Map<string, string>() : await byIdLinks(options.byIdDir ?? BY_ID_DIR);
  const listing = options.simulated === true ? undefined : await options.uhubctlListing?.();
  let hubs: UhubctlHub[] = [];
  try {
    hubs = listing === undefined ? [] : parseUhubctlOutput(listing);
  } catch {
    hubs = [];
  }
  const taken = new Set<string>();
  return Promise.all(
    micropython.map(async (board, index) => {
      const node = await realpath(board.path).catch(() => board.path);
      const byId = links.get(node);
      const port = options.simulated === true ? 'sim' : (byId ?? (board.serialNumber === undefined ? board.path : `id:${board.serialNumber}`));
      return { label: labelFor(board, index, taken), serial: board.serialNumber, port, hub: hubPortOf(hubs, board.serialNumber) };
    }),
  );
}

/** The suggestions as inventory YAML to paste (with a comment on what to check). */
export function formatSuggestion(suggested: readonly SuggestedBoard[], notes: { readonly uhubctl: boolean }): string {
  const boards: Record<string, Record<string, unknown>> = {};
  for (const board of suggested) {
    boards[board.label] = {
      ...(board.serial === undefined ? {} : { serial: board.serial }),
      port: board.port,
      ...(board.port === 'sim' ? { power: { driver: 'sim' } } : board.hub === null ? {} : { power: { driver: 'uhubctl', location: board.hub.location, port: board.hub.port } }),
    };
  }
  const document: InventoryDocument = { boards: boards as InventoryDocument['boards'] };
  const header = [
    '# picow-harness inventory (picow-harness devices --suggest). Rename the labels as you like;',
    '# add `group: NAME` to boards whose power is switched together (ganged hub ports, one hub reset).',
    ...(notes.uhubctl ? [] : ['# uhubctl was not found or listed no switchable hub: add power: per board (uhubctl, command or manual).']),
  ];
  return `${header.join('\n')}\n${stringify(document)}`;
}
