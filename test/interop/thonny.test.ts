import { expect } from 'chai';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimBoard } from '../../src/sim/board.js';
import { exposeBoardOnPty, type BoardPty } from '../../src/sim/pty.js';
import { requireTool } from '../support/tools.js';

// Thonny's own MicroPython back-end (Debian's `thonny` package, unmodified) drives a simulated board
// on a PTY the way the IDE does: interrupt, raw REPL, raw-paste submission, helper scripts. This
// small driver starts the back-end as Thonny's front-end would and reports what came back as JSON.
const DRIVER = String.raw`
import json, os, queue, subprocess, sys, threading, time
from thonny.common import ToplevelCommand, parse_message, serialize_message
import thonny.plugins.micropython.bare_metal_backend as backend_module

port, user_dir, sources = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
os.makedirs(user_dir, exist_ok=True)
args = {"clean": False, "port": port, "dtr": True, "rts": False, "submit_mode": None,
        "interrupt_on_connect": True, "write_block_size": None, "write_block_delay": None,
        "proxy_class": "RaspberryPiPicoBackendProxy", "sync_time": True, "local_rtc": True,
        "validate_time": False, "utc_clock": False}
proc = subprocess.Popen([sys.executable, backend_module.__file__, repr(args)], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                        env=dict(os.environ, THONNY_USER_DIR=user_dir))
messages = queue.Queue()

def pump():
    for line in proc.stdout:
        messages.put(parse_message(line) if line.startswith("\x02") else None)

threading.Thread(target=pump, daemon=True).start()

def until_response(deadline=20):
    out = {"stdout": "", "stderr": "", "welcome": None}
    end = time.time() + deadline
    while time.time() < end:
        try:
            msg = messages.get(timeout=end - time.time())
        except queue.Empty:
            break
        if msg is None:
            continue
        if msg.event_type == "ProgramOutput":
            out[msg.stream_name] += msg.data
        elif msg.event_type == "ToplevelResponse":
            out["welcome"] = getattr(msg, "welcome_text", None)
            return out
    raise SystemExit("no ToplevelResponse from the Thonny back-end")

results = [until_response()]
for source in sources:
    proc.stdin.write(serialize_message(ToplevelCommand("execute_source", source=source)) + "\n")
    proc.stdin.flush()
    results.append(until_response())
proc.kill()
print(json.dumps(results))
`;

/** Debian's python3 (where the `thonny` package lives), when it can import Thonny. */
function thonnyPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import thonny.plugins.micropython.bare_metal_backend'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

interface BackendResult {
  stdout: string;
  stderr: string;
  welcome: string | null;
}

function runThonny(python: string, port: string, userDir: string, sources: string[]): Promise<BackendResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', DRIVER, port, userDir, JSON.stringify(sources)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as BackendResult[]);
      else reject(new Error(`Thonny driver exited ${code}: ${err.trim() || out.trim()}`));
    });
  });
}

describe("Thonny's MicroPython back-end (third-party raw-REPL client) against a simulated board on a PTY", function () {
  let python: string;
  let dir: string;
  let board: SimBoard;
  let pty: BoardPty;

  before(async function () {
    requireTool(this, 'socat', 'apt-get install socat');
    const found = thonnyPython();
    if (found === undefined) {
      if (process.env.CI === 'true') throw new Error("Thonny is not installed (apt-get install thonny); CI must install it, so this fails instead of skipping");
      this.skip();
    }
    python = found;
    dir = mkdtempSync(join(tmpdir(), 'picow-thonny-'));
    board = new SimBoard({ name: 'thonny', enumerationDelayMs: 50 });
    await board.powerOn();
    await board.waitForUsb();
    pty = await exposeBoardOnPty(board, { path: join(dir, 'ttyPICO') });
  });

  after(async function () {
    await pty?.close();
    await board?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('connects, recognises the Pico W from its banner and runs code with output and tracebacks', async function () {
    const [welcome, answer, failure, files] = await runThonny(python, pty.path, join(dir, 'user'), [
      'print(6*7)\n',
      'def f():\n    raise ValueError("boom")\nf()\n',
      "with open('from_thonny.txt', 'w') as f:\n    f.write('hi')\nimport os\nprint(os.listdir())\n",
    ]);
    expect(welcome?.welcome).to.contain('MicroPython v1.24.1 on 2024-11-29; Raspberry Pi Pico W with RP2040');
    expect(answer?.stdout).to.equal('42\r\n');
    expect(failure?.stderr).to.contain('ValueError: boom');
    expect(files?.stdout).to.contain("'from_thonny.txt'");
    expect(new TextDecoder().decode(board.flash.readFile('from_thonny.txt'))).to.equal('hi');
  });
});
