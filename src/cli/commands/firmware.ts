import { relative } from 'node:path';
import { UsageError } from '../../errors.js';
import { writeSimBuilds } from '../../firmware/sim-builds.js';
import { summarizeUf2, type Uf2Summary } from '../../firmware/summary.js';
import { readUf2File } from '../../firmware/uf2.js';
import { defineCommand } from '../command.js';
import { table } from '../format.js';
import { writeLine } from '../io.js';
import type { GlobalArgs } from '../options.js';

const ACTIONS = ['info', 'sim-builds'] as const;

interface FirmwareArgs extends GlobalArgs {
  readonly action: string;
  readonly target: string;
  readonly json: boolean;
}

const FLAG_LABELS: Record<keyof Uf2Summary['flags'], string> = {
  notMainFlash: 'not main flash (0x1)',
  fileContainer: 'file container (0x1000)',
  familyId: 'family ID (0x2000)',
  md5: 'MD5 (0x4000)',
  extensionTags: 'extension tags (0x8000)',
};

function shown(path: string): string {
  const near = relative(process.cwd(), path);
  return near !== '' && !near.startsWith('..') && near.length < path.length ? near : path;
}

function rangeText(range: { address: string; end: string; length: number }): string {
  return `${range.address}..${range.end} (${range.length} bytes)`;
}

/** The `firmware info` text: what the file is, then what its binary info says. */
export function formatUf2Summary(summary: Uf2Summary): string {
  const rows: string[][] = [];
  const families = summary.families.map((family) => {
    const notMain = family.notMainFlashBlocks === 0 ? '' : `, ${family.notMainFlashBlocks} not main flash`;
    const id = family.id === 'none' ? '' : ` ${family.id}`;
    return `${family.name}${family.name === family.id ? '' : id}: ${family.blocks} block${family.blocks === 1 ? '' : 's'}${notMain}, ${family.size} bytes`;
  });
  rows.push(['blocks', `${summary.blocks} (all valid)`]);
  families.forEach((text, index) => rows.push([index === 0 ? 'families' : '', text]));
  rows.push(['program image', summary.programFamily ?? (summary.size > 0 ? 'no family' : 'none')]);
  if (summary.ranges.length === 0) rows.push(['ranges', 'none']);
  summary.ranges.forEach((range, index) => rows.push([index === 0 ? 'ranges' : '', rangeText(range)]));
  rows.push(['size', `${summary.size} bytes`]);
  const flags = Object.entries(summary.flags)
    .filter(([, count]) => count > 0)
    .map(([flag, count]) => `${FLAG_LABELS[flag as keyof Uf2Summary['flags']]} ×${count}`);
  if (flags.length > 0) rows.push(['flags', flags.join(', ')]);
  if (summary.extensionTags.length > 0) rows.push(['extension tags', summary.extensionTags.map((tag) => `${tag.tag} ×${tag.blocks}`).join(', ')]);
  if (summary.containedFiles.length > 0) rows.push(['contained files', summary.containedFiles.join(', ')]);
  const info = summary.binaryInfo;
  if (info === null) {
    rows.push(['binary info', 'none found']);
  } else {
    const value = (text: string | null): string => text ?? '-';
    rows.push(
      ['binary info', `header at ${info.headerAddress}, ${info.entries} entries`],
      ['program name', value(info.programName)],
      ['version', value(info.programVersion)],
      ['build date', value(info.programBuildDate)],
      ['board', value(info.boardName)],
      ['features', info.features.length === 0 ? '-' : info.features.join(', ')],
      ['build attributes', info.buildAttributes.length === 0 ? '-' : info.buildAttributes.join(', ')],
      ['sdk version', value(info.sdkVersion)],
    );
    if (info.programUrl !== null) rows.push(['url', info.programUrl]);
    if (info.programDescription !== null) rows.push(['description', info.programDescription]);
    if (info.binaryEnd !== null) rows.push(['binary end', info.binaryEnd]);
    for (const group of info.groups) rows.push([group.label ?? `group ${group.tag}/${group.id}`, group.values.length === 0 ? '-' : group.values.join(', ')]);
  }
  rows.push(['micropython', summary.micropythonTag ?? 'not a MicroPython version string']);
  const lines = [`${summary.file}: UF2`, table(rows.map(([label, text]) => [label === '' ? '' : `  ${label}`, text ?? '']))];
  for (const note of summary.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export const firmwareCommand = defineCommand<FirmwareArgs>({
  command: 'firmware <action> <target>',
  describe: 'UF2 firmware files: "info FILE.uf2" validates every block and reads the binary info; "sim-builds DIR" writes one UF2 per simulator profile',
  builder: (yargs) =>
    yargs
      .positional('action', { type: 'string', demandOption: true, describe: 'info | sim-builds' })
      .positional('target', { type: 'string', demandOption: true, describe: 'info: the UF2 file; sim-builds: the folder to write into' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .example('$0 firmware info RPI_PICO_W-20241129-v1.24.1.uf2', 'blocks, families, ranges, program version, board and MicroPython tag')
      .example('$0 firmware sim-builds builds/', 'micropython-<gitTag>.uf2 for every simulator profile, to try flash and bisect without a board')
      .epilogue('Exit codes: 0 valid, 2 a corrupt or truncated file (one line naming the block, its byte offset and the problem) or a missing file.'),
  async run(args, { io }) {
    if (args.action === 'info') {
      const summary = summarizeUf2(await readUf2File(args.target));
      writeLine(io.stdout, args.json ? JSON.stringify(summary, null, 2) : formatUf2Summary(summary));
      return 0;
    }
    if (args.action === 'sim-builds') {
      const written = await writeSimBuilds(args.target);
      if (args.json) {
        writeLine(io.stdout, JSON.stringify(written, null, 2));
      } else {
        writeLine(io.stdout, `wrote ${written.length} simulator builds to ${shown(args.target)}:`);
        writeLine(io.stdout, table(written.map((build) => [`  ${shown(build.file)}`, `program version ${build.gitTag}`, `(profile ${build.profile})`])));
      }
      return 0;
    }
    throw new UsageError(`firmware: unknown action ${JSON.stringify(args.action)}; expected one of: ${ACTIONS.join(', ')}`);
  },
});
