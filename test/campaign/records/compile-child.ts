import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g;

/**
 * Transpiles `entry` and every module it imports relatively (the project's own sources) into
 * `outDir`, keeping the repository layout, so a child process can run it on plain node. A test
 * that spawns dozens of children saves tsx's start-up cost in each.
 */
export async function compileForPlainNode(entry: string, outDir: string): Promise<string> {
  const queue = [resolve(entry)];
  const seen = new Set<string>();
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const output = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true },
    }).outputText;
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, output);
    for (const match of source.matchAll(RELATIVE_IMPORT)) {
      const imported = resolve(dirname(file), `${match[1]}.ts`);
      if (existsSync(imported)) queue.push(imported);
    }
  }
  await writeFile(join(outDir, 'package.json'), '{"type":"module"}\n');
  return join(outDir, relative(ROOT, resolve(entry))).replace(/\.ts$/, '.js');
}
