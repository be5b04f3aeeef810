import { readDeviceInfo } from '../../device/info.js';
import { RawRepl } from '../../transport/raw-repl.js';
import { defineCommand } from '../command.js';
import { leaveRawRepl, withConnection } from '../connection.js';
import { formatDeviceInfo } from '../format.js';
import { writeLine } from '../io.js';
import { resolveTarget, type GlobalArgs } from '../options.js';

interface InfoArgs extends GlobalArgs {
  readonly json: boolean;
}

export const infoCommand = defineCommand<InfoArgs>({
  command: 'info',
  describe: 'Firmware version, board, unique id, memory, RTC, reset cause and Wi-Fi status',
  builder: (yargs) =>
    yargs
      .option('json', { type: 'boolean', default: false, describe: 'print the JSON the board reported (fields it could not read are null, with the error under "errors")' })
      .example('$0 info --port sim --json', 'facts from a simulated board, as JSON'),
  async run(args, { io, env, signal }) {
    const target = await resolveTarget(args, env);
    return withConnection(target, async (connection) => {
      const repl = new RawRepl(connection.transport);
      const info = await readDeviceInfo(repl, { signal });
      await leaveRawRepl(repl);
      if (args.json) writeLine(io.stdout, JSON.stringify({ port: connection.transport.info.port, ...info }, null, 2));
      else writeLine(io.stdout, formatDeviceInfo(info, connection.describe()));
      return 0;
    });
  },
});
