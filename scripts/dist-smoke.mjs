// Powers a simulated board from the built dist/ modules and runs print(1) through the raw REPL.
// Run with plain node (no tsx): it proves the worker entry, the .wasm and the Python prelude load
// from the compiled package. Prints the board's stdout ("1") and nothing else.
import { SimBoard } from '../dist/sim/board.js';
import { SimBinding, SimUsbBus } from '../dist/sim/usb-bus.js';
import { SerialTransport } from '../dist/transport/serial.js';
import { RawRepl } from '../dist/transport/raw-repl.js';

const bus = new SimUsbBus();
const board = new SimBoard({ name: 'dist-smoke', enumerationDelayMs: 0 });
bus.add(board);
let fatal;
board.on('cpu-fatal', (event) => {
  fatal = event.message;
});
let repl;
try {
  await board.powerOn();
  await board.waitForUsb(20_000);
  const transport = await SerialTransport.open({
    path: bus.pathOf(board),
    binding: new SimBinding(bus),
    kind: 'sim',
    serialNumber: board.serialNumber,
  });
  repl = new RawRepl(transport);
  const result = await repl.exec('print(1)');
  if (result.exception) throw new Error(`print(1) raised ${result.exception.text}`);
  process.stdout.write(result.stdout.trim() + '\n');
} catch (error) {
  process.stderr.write(`dist smoke: ${error instanceof Error ? error.message : String(error)}\n`);
  if (fatal !== undefined) process.stderr.write(`dist smoke: the simulated CPU died: ${fatal}\n`);
  process.exitCode = 1;
} finally {
  await repl?.close();
  await board.dispose();
}
