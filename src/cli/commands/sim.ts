import { once } from 'node:events';
import { UsageError } from '../../errors.js';
import { exposeBoardOnPty } from '../../sim/pty.js';
import { serveBoardOverRfc2217 } from '../../sim/serve-rfc2217.js';
import { serveBoardOverTcp } from '../../sim/serve-tcp.js';
import { startSimSession } from '../../sim/session.js';
import { chooseSimProfile } from '../../transport/connect.js';
import { defineCommand } from '../command.js';
import { writeLine } from '../io.js';
import { parseWholeNumber, simulatorChoice, simulatorProfileFromPort, type GlobalArgs } from '../options.js';

interface SimArgs extends GlobalArgs {
  readonly pty?: string | undefined;
  readonly tcp?: string | undefined;
  readonly rfc2217?: string | undefined;
  readonly json: boolean;
}

export const simCommand = defineCommand<SimArgs>({
  command: 'sim',
  describe: 'Run a simulated Pico W until Ctrl-C, on a pseudo-terminal, a loopback TCP port and/or a loopback RFC 2217 port',
  builder: (yargs) =>
    yargs
      .option('pty', {
        type: 'string',
        describe: 'expose the board on a pseudo-terminal (needs socat); PATH is where the link appears (default: a stable path under the temp dir)',
      })
      .option('tcp', { type: 'string', requiresArg: true, describe: 'serve the board as raw TCP on 127.0.0.1:PORT (0 picks a free port)' })
      .option('rfc2217', { type: 'string', requiresArg: true, describe: 'serve the board over RFC 2217 (telnet COM-PORT-OPTION, as ser2net) on 127.0.0.1:PORT (0 picks a free port)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the addresses as one JSON line' })
      .example('$0 sim --pty', 'then: mpremote connect <printed path>')
      .example('$0 sim --tcp 7000', 'then: picow-harness exec --port tcp://127.0.0.1:7000 "print(1)"')
      .example('$0 sim --rfc2217 2217', 'then: picow-harness exec --port rfc2217://127.0.0.1:2217 "print(1)"'),
  async run(args, { io, signal }) {
    if (args.pty === undefined && args.tcp === undefined && args.rfc2217 === undefined) {
      throw new UsageError('sim needs --pty [PATH] and/or --tcp PORT (or --rfc2217 PORT)');
    }
    const tcpPort = parseWholeNumber('tcp', args.tcp, { min: 0, max: 65535 });
    const rfc2217Port = parseWholeNumber('rfc2217', args.rfc2217, { min: 0, max: 65535 });
    const choice = await simulatorChoice(args);
    const profile = chooseSimProfile(simulatorProfileFromPort(args, 'sim'), choice.profile);
    const session = await startSimSession({ world: choice.world, seed: choice.seed, profile });
    const closers: (() => Promise<void>)[] = [];
    /** Close the exposures, then the board; every step runs, the first failure is returned. */
    const stop = async (): Promise<Error | undefined> => {
      const failures: Error[] = [];
      for (const close of [...closers.reverse(), () => session.dispose()]) {
        await close().catch((error: unknown) => failures.push(error instanceof Error ? error : new Error(String(error))));
      }
      return failures[0];
    };
    try {
      const { board } = session;
      const addresses: { pty?: string; tcp?: string; rfc2217?: string } = {};
      if (args.pty !== undefined) {
        const pty = await exposeBoardOnPty(board, args.pty === '' ? {} : { path: args.pty });
        closers.push(() => pty.close());
        addresses.pty = pty.path;
      }
      if (tcpPort !== undefined) {
        const served = await serveBoardOverTcp(board, { host: '127.0.0.1', port: tcpPort });
        closers.push(() => served.close());
        addresses.tcp = `${served.host}:${served.port}`;
      }
      if (rfc2217Port !== undefined) {
        const served = await serveBoardOverRfc2217(board, { host: '127.0.0.1', port: rfc2217Port });
        closers.push(() => served.close());
        addresses.rfc2217 = served.url;
      }
      if (args.json) {
        writeLine(io.stdout, JSON.stringify({ profile: board.profile.name, serialNumber: board.serialNumber, ...addresses }));
      } else {
        writeLine(io.stdout, `simulated Pico W, firmware ${board.profile.name}, serial ${board.serialNumber} (Ctrl-C to stop)`);
        if (addresses.pty !== undefined) writeLine(io.stdout, `pty ${addresses.pty}`);
        if (addresses.tcp !== undefined) writeLine(io.stdout, `tcp ${addresses.tcp}`);
        if (addresses.rfc2217 !== undefined) writeLine(io.stdout, `rfc2217 ${addresses.rfc2217}`);
      }
      if (!signal.aborted) await once(signal, 'abort');
    } catch (error) {
      await stop();
      throw error;
    }
    const failure = await stop();
    if (failure !== undefined) throw failure;
    return 0;
  },
});
