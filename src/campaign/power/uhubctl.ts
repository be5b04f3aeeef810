import { HarnessError, PowerError, ToolMissingError, UsageError } from '../../errors.js';
import { findExecutable } from '../../sim/host/find-executable.js';
import { DEFAULT_OFF_MS, OffTimeGuard, offTimeFor, realClock, type CycleOptions, type PowerClock, type PowerDriver, type PowerState } from './driver.js';
import { PortCache, type HubPort } from './port-cache.js';
import { quoteOutput, runProcess, SpawnFailure, type ProcessResult } from './run-process.js';
import { deviceHasSerial, diagnoseStderr, parseUhubctlOutput, sameLocation, UhubctlParseError, type UhubctlHub, type UhubctlPort } from './uhubctl-output.js';

export interface UhubctlDriverOptions {
  /** Hub location and port as uhubctl prints them; both or neither. */
  readonly location?: string | undefined;
  readonly port?: number | undefined;
  /** The board's USB serial number: finds the port when location/port are not given; checks it when they are. */
  readonly serialNumber?: string | undefined;
  readonly offMs?: number | undefined;
  /** Per uhubctl invocation (a cycle gets its off time on top). */
  readonly timeoutMs?: number | undefined;
  /** The uhubctl executable: a path or a name looked up on PATH. Default: uhubctl on PATH, then the sbin directories. */
  readonly binary?: string | undefined;
  /** Directory for the port cache file (uhubctl-ports.json); without it the cache lives in memory only. */
  readonly cacheDir?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly clock?: PowerClock | undefined;
}

interface Acted {
  readonly hubs: readonly UhubctlHub[];
  readonly stderr: string;
}

interface Target extends HubPort {
  /** How the port is known, for evidence. */
  readonly source: 'configured' | 'found by serial' | 'seen earlier in this run' | 'cached from an earlier run';
}

/** uhubctl lives in sbin, which a normal user's PATH often lacks. */
const SBIN_CANDIDATES = ['/usr/local/sbin/uhubctl', '/usr/sbin/uhubctl', '/sbin/uhubctl'];
const DEFAULT_TIMEOUT_MS = 20_000;
const INSTALL_HINT = 'apt-get install uhubctl, or set power.binary';

/**
 * Switches the board's port on a hub with per-port power switching by running uhubctl
 * (`-l <location> -p <port> -a off|on|cycle [-d <seconds>]`), never through a shell. Without a
 * configured location and port it finds the port from uhubctl's listing by the board's USB serial
 * number while the board is enumerated, and remembers it (memory and cache file) for when it is not.
 * Every uhubctl output is parsed strictly and the port's new state checked: a hub that keeps
 * reporting power after a power-off request fails here, not later.
 */
export class UhubctlDriver implements PowerDriver {
  readonly kind = 'uhubctl' as const;
  private readonly fixed: HubPort | undefined;
  private readonly serialNumber: string | undefined;
  private readonly offMs: number;
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cache: PortCache;
  private readonly guard: OffTimeGuard;
  private binaryPath: string | undefined;
  private versionText: string | undefined;

  constructor(private readonly options: UhubctlDriverOptions) {
    if ((options.location === undefined) !== (options.port === undefined)) {
      throw new UsageError('the uhubctl power driver needs location and port together (or neither, to find the port by the board’s USB serial number)');
    }
    if (options.location === undefined && options.serialNumber === undefined) {
      throw new UsageError('the uhubctl power driver needs the hub location and port, or the board’s USB serial number to find them');
    }
    this.fixed = options.location !== undefined && options.port !== undefined ? { location: options.location, port: options.port } : undefined;
    this.serialNumber = options.serialNumber;
    this.offMs = offTimeFor(options.offMs, DEFAULT_OFF_MS);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.env = options.env ?? process.env;
    this.cache = new PortCache(options.cacheDir);
    this.guard = new OffTimeGuard(this.offMs, options.clock ?? realClock);
  }

  describe(): string {
    if (this.fixed !== undefined) return `uhubctl hub ${this.fixed.location} port ${this.fixed.port}`;
    const seen = this.serialNumber === undefined ? undefined : this.cache.seen(this.serialNumber);
    const where = seen === undefined ? 'found by USB serial' : `hub ${seen.location} port ${seen.port}`;
    return `uhubctl port of the board ${this.serialNumber ?? ''} (${where})`;
  }

  /** `uhubctl -v`, e.g. `2.5.0-1`. */
  async version(signal?: AbortSignal): Promise<string> {
    if (this.versionText !== undefined) return this.versionText;
    const args = ['-v'];
    const result = await this.run(args, this.timeoutMs, signal);
    if (result.exitCode !== 0 || result.timedOut) throw this.failure(args, result);
    const text = result.stdout.trim();
    if (text === '' || text.includes('\n')) throw this.unparsable(args, result, 'expected one line with its version');
    this.versionText = text;
    return text;
  }

  async on(signal?: AbortSignal): Promise<void> {
    await this.guard.beforeOn(signal);
    const target = await this.target(signal);
    this.expectState(await this.act(target, ['-a', 'on'], this.timeoutMs, signal), target, 'on');
  }

  async off(signal?: AbortSignal): Promise<void> {
    const target = await this.target(signal);
    this.expectState(await this.act(target, ['-a', 'off'], this.timeoutMs, signal), target, 'off');
    this.guard.markOff();
  }

  /** One uhubctl `-a cycle -d <offMs/1000>`: uhubctl itself holds the port off between its two requests. */
  async cycle(options: CycleOptions = {}): Promise<void> {
    const offMs = offTimeFor(options.offMs, this.offMs);
    await this.guard.beforeOn(options.signal);
    const target = await this.target(options.signal);
    const acted = await this.act(target, ['-a', 'cycle', '-d', String(offMs / 1000)], this.timeoutMs + offMs, options.signal);
    this.expectState(acted, target, 'off');
    this.expectState(acted, target, 'on');
  }

  async get(signal?: AbortSignal): Promise<PowerState> {
    const target = await this.target(signal);
    const { port } = await this.status(target, signal);
    return port.powered ? 'on' : 'off';
  }

  async check(signal?: AbortSignal): Promise<string> {
    const version = await this.version(signal);
    const target = await this.target(signal);
    const { hub, port } = await this.status(target, signal);
    if (this.serialNumber !== undefined && port.connected && describesStrings(port.device) && !deviceHasSerial(port.device, this.serialNumber)) {
      throw new PowerError(`hub ${target.location} port ${target.port} has another device ([${port.device ?? ''}]), not the board with USB serial ${this.serialNumber}`, {
        driver: 'uhubctl', location: target.location, port: target.port,
      });
    }
    const unread = port.connected && !describesStrings(port.device) ? ' (uhubctl could not read its serial number)' : '';
    const device = port.connected ? `device [${port.device ?? ''}]${unread}` : 'no device enumerated';
    return `uhubctl ${version} (${this.binary()}): hub ${hub.location} [${hub.description}] port ${port.port} ${port.powered ? 'powered' : 'off'}, ${device}; port ${target.source}`;
  }

  /** The hub port to switch: configured, seen in this run, found by serial in a listing, or cached. */
  private async target(signal: AbortSignal | undefined): Promise<Target> {
    if (this.fixed !== undefined) return { ...this.fixed, source: 'configured' };
    const serial = this.serialNumber ?? '';
    const seen = this.cache.seen(serial);
    if (seen !== undefined) return { location: seen.location, port: seen.port, source: 'seen earlier in this run' };

    const hubs = await this.list([], signal);
    const found = new Map<string, { hub: UhubctlHub; port: UhubctlPort }>();
    for (const hub of hubs) {
      for (const port of hub.ports) {
        if (deviceHasSerial(port.device, serial)) found.set(`${hub.location.toLowerCase()}#${port.port}`, { hub, port });
      }
    }
    const matches = [...found.values()];
    if (matches.length > 1) {
      const where = matches.map(({ hub, port }) => `hub ${hub.location} port ${port.port}`).join(', ');
      throw new PowerError(`the USB serial ${serial} appears on several hub ports (${where}); set power.location and power.port`, { driver: 'uhubctl', serialNumber: serial });
    }
    const match = matches[0];
    if (match !== undefined) {
      await this.cache.remember(serial, { location: match.hub.location, port: match.port.port }, match.hub.description);
      return { location: match.hub.location, port: match.port.port, source: 'found by serial' };
    }

    const remembered = await this.cache.remembered(serial);
    if (remembered !== undefined) {
      const hub = hubs.find((candidate) => sameLocation(candidate.location, remembered.location));
      const port = hub?.ports.find((candidate) => candidate.port === remembered.port);
      if (port !== undefined && !port.connected) {
        // Not enumerated (off, booting or hung) and nothing else on its port: trust the cache.
        return { location: remembered.location, port: remembered.port, source: 'cached from an earlier run' };
      }
      if (port !== undefined) {
        throw new PowerError(
          `the board with USB serial ${serial} is not on any switchable hub port, and hub ${remembered.location} port ${remembered.port} (where it was seen at ${remembered.seenAt}) now has another device ([${port.device ?? ''}])`,
          { driver: 'uhubctl', serialNumber: serial },
        );
      }
    }
    const listed = hubs.map((hub) => `${hub.location} [${hub.description}] ports ${hub.ports.map((port) => port.port).join(',')}`).join('; ');
    const unread = hubs.some((hub) => hub.ports.some((port) => port.connected && !describesStrings(port.device)))
      ? ' uhubctl could not read some devices’ serial numbers (too little USB permission?).'
      : '';
    throw new PowerError(
      `the board with USB serial ${serial} is on none of the hub ports uhubctl can switch (it lists: ${listed === '' ? 'nothing' : listed});${unread} plug it into a hub with per-port power switching, or set power.location and power.port`,
      { driver: 'uhubctl', serialNumber: serial },
    );
  }

  /** The target's hub and port as a listing shows them now. */
  private async status(target: HubPort, signal: AbortSignal | undefined): Promise<{ hub: UhubctlHub; port: UhubctlPort }> {
    const args = ['-l', target.location, '-p', String(target.port)];
    const hubs = await this.list(args, signal);
    const hub = hubs.find((candidate) => sameLocation(candidate.location, target.location));
    const port = hub?.ports.find((candidate) => candidate.port === target.port);
    if (hub === undefined || port === undefined) {
      throw new PowerError(`uhubctl lists no port ${target.port} on hub ${target.location}`, { driver: 'uhubctl', location: target.location, port: target.port });
    }
    return { hub, port };
  }

  private async list(args: readonly string[], signal: AbortSignal | undefined): Promise<UhubctlHub[]> {
    const result = await this.run(args, this.timeoutMs, signal);
    return this.parsed(args, result);
  }

  private async act(target: HubPort, action: readonly string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<Acted> {
    const args = ['-l', target.location, '-p', String(target.port), ...action];
    const result = await this.run(args, timeoutMs, signal);
    return { hubs: this.parsed(args, result), stderr: result.stderr };
  }

  private parsed(args: readonly string[], result: ProcessResult): UhubctlHub[] {
    if (result.exitCode !== 0 || result.timedOut) throw this.failure(args, result);
    const refused = diagnoseStderr(result.stderr).find((problem) => problem.kind === 'port-control');
    if (refused !== undefined) throw this.failure(args, result);
    try {
      return parseUhubctlOutput(result.stdout);
    } catch (error) {
      if (error instanceof UhubctlParseError) throw this.unparsable(args, result, error.message);
      throw error;
    }
  }

  /** After a request: the port must show the requested power state in uhubctl's "New status". */
  private expectState({ hubs, stderr }: Acted, target: HubPort, request: 'on' | 'off'): void {
    const after = hubs.filter((hub) => hub.when === 'new' && hub.request === request && sameLocation(hub.location, target.location));
    const port = after[after.length - 1]?.ports.find((candidate) => candidate.port === target.port);
    const context = { driver: 'uhubctl', location: target.location, port: target.port, request, stderr };
    const said = stderr.trim() === '' ? '' : `; uhubctl said on stderr ${quoteOutput(stderr)}`;
    if (port === undefined) {
      throw new PowerError(`uhubctl reported no new status for hub ${target.location} port ${target.port} after the power-${request} request${said}`, context);
    }
    if (port.powered !== (request === 'on')) {
      const shown = `${port.status.toString(16).padStart(4, '0')} ${port.words.join(' ')}`;
      throw new PowerError(
        request === 'off'
          ? `hub ${target.location} port ${target.port} still reports power after uhubctl's power-off request (${shown}): the hub ignores per-port power switching${said}`
          : `hub ${target.location} port ${target.port} reports no power after uhubctl's power-on request (${shown})${said}`,
        context,
      );
    }
  }

  private async run(args: readonly string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<ProcessResult> {
    const binary = this.binary();
    try {
      return await runProcess(binary, args, { timeoutMs, env: this.env, signal });
    } catch (error) {
      if (error instanceof SpawnFailure) {
        if (error.errno === 'ENOENT') throw new ToolMissingError('uhubctl', 'by the uhubctl power driver', INSTALL_HINT);
        throw new PowerError(`cannot run ${binary}: ${error.errno}`, { driver: 'uhubctl', binary });
      }
      throw error;
    }
  }

  private binary(): string {
    if (this.binaryPath !== undefined) return this.binaryPath;
    const wanted = this.options.binary;
    const found = wanted !== undefined ? findExecutable(wanted, this.env.PATH) : findExecutable('uhubctl', this.env.PATH) ?? SBIN_CANDIDATES.find((candidate) => findExecutable(candidate) !== undefined);
    if (found === undefined) throw new ToolMissingError(wanted ?? 'uhubctl', 'by the uhubctl power driver', INSTALL_HINT);
    this.binaryPath = found;
    return found;
  }

  /** A failed invocation as one clear line; uhubctl's own words quoted. */
  private failure(args: readonly string[], result: ProcessResult): HarnessError {
    const command = `uhubctl ${args.join(' ')}`;
    const said = quoteOutput(result.stderr.trim() === '' ? result.stdout : result.stderr);
    const context = { driver: 'uhubctl', args, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    if (result.timedOut) {
      return new PowerError(`${command} did not finish within its time limit and was killed; it printed ${quoteOutput(result.stdout + result.stderr)}`, context);
    }
    const location = args[args.indexOf('-l') + 1];
    const at = args.includes('-l') && location !== undefined ? ` at location ${location}` : '';
    switch (diagnoseStderr(result.stderr)[0]?.kind) {
      case 'permission':
        return new PowerError(`uhubctl has no permission to access the USB hubs: run the harness as root or install uhubctl's udev rules (https://git.io/JIB2Z); uhubctl said ${said}`, context);
      case 'port-control':
        return new PowerError(`uhubctl could not switch the port (${command}): the hub refused or access was denied; uhubctl said ${said}`, context);
      case 'no-hub':
        return new PowerError(`uhubctl found no USB hub with per-port power switching${at}: is the hub connected, and is it one uhubctl supports (https://github.com/mvp/uhubctl#compatible-usb-hubs)? uhubctl said ${said}`, context);
      case 'several-hubs':
      case 'usage':
        return new PowerError(`uhubctl rejected the harness's arguments (${command}); uhubctl said ${said}`, context);
      case 'usb-init':
        return new PowerError(`uhubctl could not start USB access (libusb): ${said}`, context);
      case 'sysfs-denied':
      case undefined: {
        const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with status ${result.exitCode}`;
        return new PowerError(`${command} ${how}; uhubctl said ${said}`, context);
      }
    }
  }

  private unparsable(args: readonly string[], result: ProcessResult, problem: string): PowerError {
    return new PowerError(`cannot parse the output of uhubctl ${args.join(' ')} (${problem}); uhubctl printed ${quoteOutput(result.stdout)}${result.stderr.trim() === '' ? '' : ` and on stderr ${quoteOutput(result.stderr)}`}`, {
      driver: 'uhubctl', args, stdout: result.stdout, stderr: result.stderr,
    });
  }
}

/** False when uhubctl printed only `vid:pid` (or `[]`): it could not read the device's strings. */
function describesStrings(description: string | undefined): boolean {
  return description !== undefined && description.includes(' ');
}
