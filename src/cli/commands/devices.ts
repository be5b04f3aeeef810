import { readFirmwareVersion, type FirmwareVersion } from '../../device/version.js';
import { isHarnessError, UsageError } from '../../errors.js';
import { connectDevice, serialPortsFor, type SerialBackend } from '../../transport/connect.js';
import { MODE_LABELS, listBoards, type BoardInfo } from '../../transport/discovery.js';
import { parsePortSpec } from '../../transport/port-spec.js';
import { RawRepl } from '../../transport/raw-repl.js';
import { defineCommand } from '../command.js';
import { leaveRawRepl } from '../connection.js';
import { table } from '../format.js';
import { writeLine } from '../io.js';
import { simulatorChoice, type GlobalArgs } from '../options.js';
import { formatSuggestion, suggestBoards, uhubctlListing } from '../../campaign/inventory/suggest.js';

interface DevicesArgs extends GlobalArgs {
  readonly probe: boolean;
  readonly json: boolean;
  readonly suggest: boolean;
}

interface ProbeOutcome {
  readonly firmware?: FirmwareVersion;
  readonly probeError?: { readonly code: string; readonly message: string };
}

const PROBE_TIMEOUTS = { enterMs: 3000, execIdleMs: 5000, execTotalMs: 5000, protocolMs: 2000 };

/** Open one board and ask its firmware version; a busy or silent port is reported, not fatal. */
async function probe(board: BoardInfo, backend: SerialBackend, signal: AbortSignal): Promise<ProbeOutcome> {
  try {
    const connection = await connectDevice({ kind: 'path', path: board.path }, { backend });
    try {
      const repl = new RawRepl(connection.transport, { timeouts: PROBE_TIMEOUTS });
      const firmware = await readFirmwareVersion(repl, { signal });
      await leaveRawRepl(repl);
      return { firmware };
    } finally {
      await connection.close();
    }
  } catch (error) {
    if (signal.aborted) throw error;
    const code = isHarnessError(error) ? error.code : 'ERROR';
    return { probeError: { code, message: (error as Error).message } };
  }
}

function describeProbe(outcome: ProbeOutcome | undefined): string {
  if (outcome === undefined) return '';
  if (outcome.firmware !== undefined) return outcome.firmware.version;
  if (outcome.probeError?.code === 'PORT_BUSY') return `busy: ${outcome.probeError.message}`;
  return `probe failed: ${outcome.probeError?.message ?? 'unknown error'}`;
}

export const devicesCommand = defineCommand<DevicesArgs>({
  command: 'devices',
  describe: 'List Raspberry Pi boards on USB (VID 2e8a): path, serial number, mode',
  builder: (yargs) =>
    yargs
      .option('probe', {
        type: 'boolean',
        default: false,
        describe: 'open each MicroPython board and ask its firmware version (interrupts the program it runs)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON array' })
      .option('suggest', { type: 'boolean', default: false, describe: 'print inventory entries (for run --boards) for the boards found: serial, /dev/serial/by-id path, uhubctl hub and port' })
      .example('$0 devices --probe', 'boards on USB with their firmware versions')
      .example('$0 devices --port sim --json', 'the simulated bus, as JSON')
      .example('$0 devices --suggest > rack.yaml', 'an inventory for run --boards'),
  async run(args, { io, env, signal }) {
    // sim[:PROFILE] lists a simulated bus; any other --port still lists the operating system's ports.
    const ports = await serialPortsFor(parsePortSpec(args.port, env), await simulatorChoice(args));
    try {
      const boards = await listBoards(ports.backend.lister);
      if (args.suggest) {
        if (args.json || args.probe) throw new UsageError(`--suggest prints YAML; it does not go with --${args.json ? 'json' : 'probe'}`);
        const simulated = parsePortSpec(args.port, env).kind === 'sim';
        const suggested = await suggestBoards(boards, { simulated, uhubctlListing: uhubctlListing(env) });
        if (suggested.length === 0) {
          writeLine(io.stderr, 'no MicroPython board found on USB: nothing to suggest');
          return 3;
        }
        writeLine(io.stdout, formatSuggestion(suggested, { uhubctl: simulated || suggested.some((board) => board.hub !== null) }).trimEnd());
        return 0;
      }
      const probes = new Map<BoardInfo, ProbeOutcome>();
      if (args.probe) {
        for (const board of boards) if (board.mode === 'micropython') probes.set(board, await probe(board, ports.backend, signal));
      }
      if (args.json) {
        writeLine(io.stdout, JSON.stringify(boards.map((board) => ({ ...board, ...probes.get(board) })), null, 2));
      } else if (boards.length === 0) {
        writeLine(io.stdout, 'no Raspberry Pi boards found on USB');
      } else {
        const header = ['PATH', 'SERIAL', 'MODE', ...(args.probe ? ['FIRMWARE'] : [])];
        const rows = boards.map((board) => [
          board.path,
          board.serialNumber ?? '-',
          MODE_LABELS[board.mode],
          ...(args.probe ? [board.mode === 'micropython' ? describeProbe(probes.get(board)) : '-'] : []),
        ]);
        writeLine(io.stdout, table([header, ...rows]));
      }
      return 0;
    } finally {
      await ports.close();
    }
  },
});
