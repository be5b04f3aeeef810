import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeError } from '../../config-file/issues.js';
import { closestMatches } from '../../config-file/closest.js';
import { documentPath, parseYamlSource, problemAt, type YamlSource } from '../../config-file/yaml-source.js';
import { ConfigError, UsageError } from '../../errors.js';
import { inventorySchema, type Inventory, type InventoryBoard } from './schema.js';

export interface LoadedInventory {
  readonly file: string;
  readonly inventory: Inventory;
  readonly source: YamlSource;
}

/** A board of the inventory with its label and the transport it resolves to. */
export interface RackBoard extends InventoryBoard {
  readonly label: string;
  /** `port`, or `id:SERIAL` when only the serial number is given. */
  readonly transport: string;
  readonly simulated: boolean;
}

interface Problem {
  readonly path: readonly PropertyKey[];
  readonly problem: string;
}

function isSimTransport(board: InventoryBoard): boolean {
  return board.port === 'sim' || board.port?.startsWith('sim:') === true;
}

/** Checks across boards: one serial or port per board, sim power only for a simulated board, groups of one kind. */
function inventoryProblems(inventory: Inventory): Problem[] {
  const problems: Problem[] = [];
  const serials = new Map<string, string>();
  const ports = new Map<string, string>();
  const groupKinds = new Map<string, { sim: boolean; label: string }>();
  for (const [label, board] of Object.entries(inventory.boards)) {
    if (board.serial !== undefined) {
      const key = board.serial.toLowerCase();
      const other = serials.get(key);
      if (other !== undefined) problems.push({ path: ['boards', label, 'serial'], problem: `serial ${board.serial} is also board ${other}'s` });
      serials.set(key, label);
    }
    if (board.port !== undefined && !isSimTransport(board)) {
      const other = ports.get(board.port);
      if (other !== undefined) problems.push({ path: ['boards', label, 'port'], problem: `port ${board.port} is also board ${other}'s` });
      ports.set(board.port, label);
    }
    const sim = isSimTransport(board);
    if (sim && board.serial !== undefined && !/^[0-9a-fA-F]{16}$/.test(board.serial)) {
      problems.push({ path: ['boards', label, 'serial'], problem: 'a simulated board’s serial number is 16 hex digits (its machine.unique_id())' });
    }
    if (board.power?.driver === 'sim' && !sim) problems.push({ path: ['boards', label, 'power', 'driver'], problem: 'the sim driver switches a simulated board only (port: sim)' });
    if (board.profile !== undefined && !sim) problems.push({ path: ['boards', label, 'profile'], problem: 'profile is for a simulated board only (port: sim)' });
    if (board.group !== undefined) {
      const first = groupKinds.get(board.group);
      if (first === undefined) groupKinds.set(board.group, { sim, label });
      else if (first.sim !== sim) problems.push({ path: ['boards', label, 'group'], problem: `power group ${board.group} mixes simulated and real boards (${first.label} is ${first.sim ? 'simulated' : 'real'})` });
    }
  }
  return problems;
}

/** Validate a parsed inventory; every failure is one line `file:line:col: path: problem`. */
export function validateInventory(source: YamlSource): LoadedInventory {
  if (source.value === null || source.value === undefined) throw problemAt(source, [], 'is empty: an inventory needs boards');
  const result = inventorySchema.safeParse(source.value);
  if (!result.success) {
    const problem = describeError(inventorySchema, result.error, source.value, { pathText: documentPath });
    if (problem === undefined) throw problemAt(source, [], 'is not a valid inventory');
    throw problemAt(source, problem.path, problem.problem, { key: problem.atKey });
  }
  const [problem] = inventoryProblems(result.data);
  if (problem !== undefined) throw problemAt(source, problem.path, problem.problem);
  return { file: source.file, inventory: result.data, source };
}

export function parseInventory(text: string, file: string): LoadedInventory {
  return validateInventory(parseYamlSource(text, file));
}

export async function loadInventory(file: string, cwd = process.cwd()): Promise<LoadedInventory> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError(`${file}: cannot read the inventory: ${reason}`, { file });
  }
  return parseInventory(text, file);
}

export function rackBoardOf(label: string, board: InventoryBoard): RackBoard {
  const transport = board.port ?? `id:${board.serial ?? ''}`;
  return { ...board, label, transport, simulated: transport === 'sim' || transport.startsWith('sim:') };
}

/**
 * The boards `--boards` names: `all`, or labels separated by commas (each must be in the
 * inventory; a typo gets a did-you-mean), in inventory order.
 */
export function selectBoards(loaded: LoadedInventory, selection: string): RackBoard[] {
  const labels = Object.keys(loaded.inventory.boards);
  const all = labels.map((label) => rackBoardOf(label, loaded.inventory.boards[label] as InventoryBoard));
  const wanted = selection.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (wanted.length === 0) throw new UsageError(`--boards ${JSON.stringify(selection)}: name boards (LABEL,LABEL) or all`);
  if (wanted.length === 1 && wanted[0] === 'all') return all;
  const unknown = wanted.filter((label) => !labels.includes(label));
  if (unknown.length > 0) {
    const [first] = unknown as [string];
    const close = closestMatches(first, labels, 2);
    const hint = close.length === 0 ? '' : ` (did you mean ${close.join(' or ')}?)`;
    throw new UsageError(`--boards: ${first} is not a board of ${loaded.file}${hint}; it has ${labels.join(', ')}`);
  }
  const seen = new Set<string>();
  for (const label of wanted) {
    if (seen.has(label)) throw new UsageError(`--boards: ${label} is named twice`);
    seen.add(label);
  }
  return all.filter((board) => seen.has(board.label));
}
