import { UsageError } from '../../errors.js';
import { CampaignBoard } from '../../campaign/board/campaign-board.js';
import { BACKUP_DIR, RUNNER_CONFIG_FILE, readBackupManifest, removeRunnerCredentials, restoreUserFiles } from '../../campaign/standalone/index.js';
import { defineCommand } from '../command.js';
import { leaveRawRepl, withConnection } from '../connection.js';
import { writeLine } from '../io.js';
import { resolveTarget, type GlobalArgs } from '../options.js';

interface StandaloneArgs extends GlobalArgs {
  readonly restore: boolean;
  readonly 'remove-credentials': boolean;
}

export const standaloneCommand = defineCommand<StandaloneArgs>({
  command: 'standalone',
  describe: 'Take the standalone boot runner off a board: put its own main.py back (--restore), or only delete the runner config holding the Wi-Fi password (--remove-credentials)',
  builder: (yargs) =>
    yargs
      .option('restore', { type: 'boolean', default: false, describe: `remove the boot runner and put the board's own files back byte for byte from ${BACKUP_DIR}/ on its flash (after a run that was cut short)` })
      .option('remove-credentials', { type: 'boolean', default: false, describe: `delete ${RUNNER_CONFIG_FILE} (the runner's config, which holds the Wi-Fi password) and nothing else` })
      .example('$0 standalone --restore --port /dev/ttyACM0', 'undo a standalone run that did not finish'),
  async run(args, { io, env }) {
    if (args.restore === args['remove-credentials']) throw new UsageError('standalone: give exactly one of --restore or --remove-credentials');
    const target = await resolveTarget(args, env);
    return withConnection(target, async (connection) => {
      const board = new CampaignBoard({ connection, kind: connection.transport.info.kind === 'sim' ? 'sim' : 'real' });
      if (args['remove-credentials']) {
        const removed = await removeRunnerCredentials(board);
        writeLine(io.stdout, removed ? `removed ${RUNNER_CONFIG_FILE} from ${board.port}` : `no ${RUNNER_CONFIG_FILE} on ${board.port}: no Wi-Fi credentials of picow-harness there`);
      } else {
        const manifest = await readBackupManifest(board);
        const report = await restoreUserFiles(board);
        if (report.nothingToDo) writeLine(io.stdout, `nothing to restore on ${board.port}: no boot runner and no ${BACKUP_DIR}/ there`);
        else {
          writeLine(io.stdout, `restored on ${board.port}${manifest === null ? '' : ` (backup of run ${manifest.runId})`}:`);
          for (const name of report.restored) writeLine(io.stdout, `  ${name}: put back byte for byte (SHA-256 checked)`);
          for (const name of report.removed) writeLine(io.stdout, `  ${name}: removed (the board had none before)`);
        }
      }
      await leaveRawRepl(board.repl);
      return 0;
    });
  },
});
