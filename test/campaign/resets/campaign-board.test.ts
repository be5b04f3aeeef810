import { expect } from 'chai';
import { openCampaignBoard, type CampaignBoard, type PowerTarget } from '../../../src/campaign/board/campaign-board.js';
import type { TranscriptDirection } from '../../../src/campaign/board/tapped-transport.js';
import { SimDriver } from '../../../src/campaign/power/sim.js';
import { performReset } from '../../../src/campaign/resets/index.js';
import { startSimSession } from '../../../src/sim/session.js';
import { SWALLOWS_CTRL_C, ask, leaveRunning, openSimBoard, testWorld } from './support.js';

describe('the campaign board handle', function () {
  this.timeout(60_000);
  let board: CampaignBoard | undefined;

  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  it('opens a simulated board and exposes the simulator, its serial number and its firmware', async () => {
    board = await openCampaignBoard({ spec: 'sim:v1.22.2', world: testWorld(), seed: 7 });
    expect(board.kind).to.equal('sim');
    expect(board.sim).to.not.equal(undefined);
    expect(board.serialNumber).to.equal(board.sim!.serialNumber);
    expect(board.sim!.profile.name).to.equal('v1.22.2');
    expect(board.describe()).to.match(/^simulated Pico W \(v1\.22\.2\) on \/sim\/ttyACM0/);
    expect(board.timeScale).to.equal(20);
    expect(board.power).to.equal(undefined);
    expect(await ask<number>(board, '6 * 7')).to.equal(42);
  });

  it('opens a board found on a serial backend as a real board, finding it by its USB serial number', async () => {
    const session = await startSimSession({ world: testWorld({ timeScale: 1 }) });
    try {
      const targets: PowerTarget[] = [];
      board = await openCampaignBoard({
        spec: `id:${session.board.serialNumber}`,
        backend: session,
        power: (target) => {
          targets.push(target);
          return new SimDriver(session.board);
        },
      });
      expect(board.kind).to.equal('real');
      expect(board.sim).to.equal(undefined);
      expect(board.timeScale).to.equal(1);
      expect(board.serialNumber).to.equal(session.board.serialNumber);
      expect(targets).to.deep.equal([{ kind: 'real', serialNumber: session.board.serialNumber, sim: undefined }]);
      const outcome = await performReset(board, 'hard');
      expect(outcome.verified, outcome.problem).to.equal(true);
      expect(outcome.evidence).to.include({ refoundBy: 'usb-serial' });
    } finally {
      await board?.close();
      board = undefined;
      await session.dispose();
    }
  });

  it('builds the power driver from the opened board when given a factory', async () => {
    board = await openCampaignBoard({ spec: 'sim', world: testWorld(), power: (target) => new SimDriver(target.sim!) });
    expect(board.power?.kind).to.equal('sim');
    expect(board.power?.describe()).to.include(board.serialNumber!);
  });

  it('stops the simulator when the handle closes', async () => {
    board = await openSimBoard();
    const sim = board.sim!;
    await board.close();
    expect(sim.isPowered).to.equal(false);
    await board.close(); // idempotent
  });

  it('reports every byte both ways in the transcript, in order', async () => {
    board = await openSimBoard();
    const seen: { direction: TranscriptDirection; text: string }[] = [];
    const stop = board.onTranscript((direction, bytes) => seen.push({ direction, text: Buffer.from(bytes).toString('latin1') }));
    await board.execOrThrow("print('transcribed')");
    stop();
    await board.execOrThrow("print('not transcribed')");
    const sent = seen.filter((entry) => entry.direction === 'host-to-board').map((entry) => entry.text).join('');
    const received = seen.filter((entry) => entry.direction === 'board-to-host').map((entry) => entry.text).join('');
    expect(sent).to.include("print('transcribed')");
    expect(sent).to.include('\x05A\x01'); // the raw-paste request
    expect(received).to.include('raw REPL; CTRL-B to exit\r\n>');
    expect(received).to.include('transcribed\r\n\x04');
    expect(sent + received).to.not.include('not transcribed');
    // The event in which `needle` is complete within its direction's stream (chunks may split it).
    const at = (direction: TranscriptDirection, needle: string): number => {
      let stream = '';
      const ends: { index: number; end: number }[] = [];
      seen.forEach((entry, index) => {
        if (entry.direction !== direction) return;
        stream += entry.text;
        ends.push({ index, end: stream.length });
      });
      const found = stream.indexOf(needle);
      return found < 0 ? -1 : (ends.find(({ end }) => end >= found + needle.length)?.index ?? -1);
    };
    const order = [at('host-to-board', '\x05A\x01'), at('board-to-host', 'R\x01'), at('host-to-board', "print('transcribed')"), at('board-to-host', 'transcribed')];
    expect(order.every((index) => index >= 0)).to.equal(true);
    expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
  });

  it('keeps the transcript going after a reconnect, on the new raw-REPL session', async () => {
    board = await openSimBoard();
    let received = '';
    board.onTranscript((direction, bytes) => {
      if (direction === 'board-to-host') received += Buffer.from(bytes).toString('latin1');
    });
    const before = board.repl;
    const reconnects: string[] = [];
    board.on('reconnect', ({ to }) => reconnects.push(to));
    expect((await performReset(board, 'hard')).verified).to.equal(true);
    expect(board.repl).to.not.equal(before);
    expect(reconnects).to.have.length(1);
    await board.execOrThrow("print('after the reset')");
    expect(received).to.include('after the reset');
  });

  it('tells a responsive board from one whose program swallows Ctrl-C or whose port is gone', async () => {
    board = await openSimBoard();
    expect(await board.isResponsive()).to.equal(true);
    await leaveRunning(board, SWALLOWS_CTRL_C);
    expect(await board.isResponsive({ timeoutMs: 500 })).to.equal(false);
    await board.sim!.powerOff();
    expect(board.isPortOpen).to.equal(false);
    expect(await board.isResponsive({ timeoutMs: 500 })).to.equal(false);
  });

  it('bounds an exec with timeoutMs and names the phase that ran out', async () => {
    board = await openSimBoard();
    const error = await board.exec('import time\ntime.sleep(60)', { timeoutMs: 300 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.have.property('code', 'TIMEOUT');
    expect(error).to.have.nested.property('context.phase', 'exec-total');
    expect(await ask<number>(board, '1'), 'the board answers again after the interrupt').to.equal(1);
  });

  it("answers queries from the interpreter's globals and leaves no names of its own behind", async () => {
    board = await openSimBoard();
    await board.execOrThrow("planted = 'here'");
    expect(await ask<string | null>(board, "globals().get('planted')")).to.equal('here');
    const left = await board.execOrThrow("print(sorted(k for k in globals() if k.startswith('__picow')))");
    expect(left.trim()).to.equal('[]');
  });

  it('throws ExecError with the board exception from execOrThrow', async () => {
    board = await openSimBoard();
    const error = await board.execOrThrow("raise ValueError('nope')").then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.have.property('code', 'EXEC_ERROR');
    expect(error).to.have.nested.property('exception.type', 'ValueError');
  });
});
