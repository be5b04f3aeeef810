import { expect } from 'chai';
import { CampaignProgress, type ProgressStream } from '../../src/report/progress.js';
import { attempt, plan } from './support.js';

class Collector implements ProgressStream {
  chunks: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns = 100) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
  /** What a terminal shows on the current line after carriage returns and erase-to-end. */
  get screenLine(): string {
    const afterNewline = this.text.split('\n').at(-1) ?? '';
    const afterReturn = afterNewline.split('\r').at(-1) ?? '';
    return afterReturn.replaceAll('\x1b[K', '');
  }
}

class FakeClock {
  now = 0;
  readonly read = (): number => this.now;
}

const cells = [plan('cold/valid', 3), plan('hard/valid', 3), plan('wifi', 2, 'wifi.ok')];

describe('campaign progress', () => {
  describe('on a terminal', () => {
    it('redraws one line in place with done/total, percent, ETA, failures by class and the current cell', () => {
      const stream = new Collector(true);
      const clock = new FakeClock();
      const progress = new CampaignProgress({ stream, cells, simulated: false, clock: clock.read });
      progress.attemptStarted('cold/valid', 1);
      expect(stream.screenLine).to.contain('0/8').and.contain('0%').and.contain('ETA --').and.contain('cell cold/valid #1');
      progress.attemptFinished(attempt({ seq: 0, cell: 'cold/valid', iteration: 1, class: 'tls.verify.future', durationMs: 10_000 }));
      progress.attemptStarted('hard/valid', 1);
      progress.attemptFinished(attempt({ seq: 1, cell: 'hard/valid', iteration: 1, durationMs: 20_000 }));
      progress.attemptStarted('wifi', 1);
      const line = stream.screenLine;
      expect(line).to.contain('2/8').and.contain('25%');
      // Mean 15 s per attempt, 6 to go.
      expect(line).to.contain('ETA 1m30s');
      expect(line).to.contain('failures: tls.verify.future 1');
      expect(line).to.contain('cell wifi #1');
      expect(line).to.contain('[#####---------------]');
      expect(stream.text).not.to.contain('\n');
      expect(stream.chunks.every((chunk) => chunk.startsWith('\r'))).to.be.true;
    });

    it('counts as failures only classes other than the cell\'s ok class, most frequent first, the rest as "+N more"', () => {
      const stream = new Collector(true, 200);
      const progress = new CampaignProgress({ stream, cells, simulated: false, topClasses: 2 });
      let seq = 0;
      const finish = (cell: string, cls: string) => progress.attemptFinished(attempt({ seq, cell, iteration: ++seq, class: cls }));
      finish('wifi', 'wifi.ok');
      finish('cold/valid', 'wifi.ok');
      finish('cold/valid', 'tls.alloc');
      finish('cold/valid', 'wifi.ok');
      finish('hard/valid', 'tls.conn-eof');
      expect(stream.screenLine).to.contain('failures: wifi.ok 2, tls.alloc 1, +1 more');
    });

    it('labels a simulated run SIMULATED', () => {
      const stream = new Collector(true);
      new CampaignProgress({ stream, cells, simulated: true }).attemptStarted('wifi', 1);
      expect(stream.screenLine.startsWith('SIMULATED')).to.be.true;
      const real = new Collector(true);
      new CampaignProgress({ stream: real, cells, simulated: false }).attemptStarted('wifi', 1);
      expect(real.text).not.to.contain('SIMULATED');
    });

    it('never draws wider than the terminal, so the line cannot wrap', () => {
      const stream = new Collector(true, 40);
      const progress = new CampaignProgress({ stream, cells: [plan('a-very-long-cell-id/with/many/axes/in/it', 5)], simulated: true });
      progress.attemptStarted('a-very-long-cell-id/with/many/axes/in/it', 1);
      expect(Array.from(stream.screenLine).length).to.be.at.most(39);
      expect(stream.screenLine.endsWith('…')).to.be.true;
    });

    it('erases its line on finish and stays silent afterwards', () => {
      const stream = new Collector(true);
      const progress = new CampaignProgress({ stream, cells, simulated: false });
      progress.attemptStarted('wifi', 1);
      progress.finish();
      expect(stream.screenLine).to.equal('');
      expect(stream.text.endsWith('\r\x1b[K')).to.be.true;
      const length = stream.text.length;
      progress.attemptStarted('wifi', 2);
      progress.finish();
      expect(stream.text.length).to.equal(length);
    });

    it('prints a message above the line and draws the line again below it', () => {
      const stream = new Collector(true);
      const progress = new CampaignProgress({ stream, cells, simulated: false });
      progress.attemptStarted('wifi', 1);
      progress.message('board re-enumerated as /dev/ttyACM1');
      const lines = stream.text.split('\n');
      expect(lines[0]?.split('\r').at(-1)?.replaceAll('\x1b[K', '')).to.equal('board re-enumerated as /dev/ttyACM1');
      expect(stream.screenLine).to.contain('cell wifi #1');
    });

    it('counts the attempts of a resumed run in done, failures and ETA', () => {
      const stream = new Collector(true);
      const progress = new CampaignProgress({ stream, cells, simulated: false });
      progress.resume([
        attempt({ seq: 0, cell: 'cold/valid', iteration: 1, class: 'tls.verify.expired', durationMs: 6000 }),
        attempt({ seq: 1, cell: 'hard/valid', iteration: 1, durationMs: 6000 }),
      ]);
      expect(stream.text).to.equal('');
      progress.attemptStarted('wifi', 1);
      expect(stream.screenLine).to.contain('2/8').and.contain('ETA 36s').and.contain('tls.verify.expired 1');
    });
  });

  describe('in a log (not a terminal)', () => {
    it('writes whole lines at most once per interval, and the line that completes the run', () => {
      const stream = new Collector(false);
      const clock = new FakeClock();
      const progress = new CampaignProgress({ stream, cells: [plan('a', 4)], simulated: true, clock: clock.read, intervalMs: 10_000 });
      progress.attemptStarted('a', 1);
      expect(stream.text).to.equal('');
      progress.attemptFinished(attempt({ seq: 0, cell: 'a', iteration: 1, class: 'tls.alloc' }));
      clock.now = 4_000;
      progress.attemptFinished(attempt({ seq: 1, cell: 'a', iteration: 2 }));
      clock.now = 12_000;
      progress.attemptFinished(attempt({ seq: 2, cell: 'a', iteration: 3 }));
      clock.now = 13_000;
      progress.attemptFinished(attempt({ seq: 3, cell: 'a', iteration: 4 }));
      progress.finish();
      const lines = stream.text.split('\n').filter((line) => line !== '');
      expect(lines).to.have.length(3);
      expect(lines[0]).to.match(/^progress: SIMULATED · 1\/4 · 25% · ETA \d+s · failures: tls.alloc 1$/);
      expect(lines[1]).to.contain('3/4');
      expect(lines[2]).to.contain('4/4').and.contain('100%').and.contain('done');
      expect(stream.text).not.to.contain('\r').and.not.to.contain('\x1b');
    });

    it('writes a last line on finish when attempts finished since the last one', () => {
      const stream = new Collector(false);
      const clock = new FakeClock();
      const progress = new CampaignProgress({ stream, cells: [plan('a', 10)], simulated: false, clock: clock.read });
      progress.attemptFinished(attempt({ seq: 0, cell: 'a', iteration: 1 }));
      progress.attemptFinished(attempt({ seq: 1, cell: 'a', iteration: 2 }));
      progress.finish();
      const lines = stream.text.trimEnd().split('\n');
      expect(lines).to.have.length(2);
      expect(lines[1]).to.contain('2/10').and.contain('failures: none');
    });
  });

  it('never throws when the stream does, and stops writing to it', () => {
    let writes = 0;
    const stream: ProgressStream = {
      isTTY: true,
      write: () => {
        writes += 1;
        throw new Error('EPIPE');
      },
    };
    const progress = new CampaignProgress({ stream, cells, simulated: false });
    expect(() => {
      progress.attemptStarted('wifi', 1);
      progress.attemptFinished(attempt({ seq: 0, cell: 'wifi', iteration: 1 }));
      progress.message('x');
      progress.finish();
    }).not.to.throw();
    expect(writes).to.equal(1);
  });
});
