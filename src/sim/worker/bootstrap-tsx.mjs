// Worker entry when the harness runs from TypeScript sources (tests, `npm start` via tsx):
// tsx's loader does not reach worker threads by itself, so load the worker module through it.
import { tsImport } from 'tsx/esm/api';

await tsImport('./main.ts', import.meta.url);
