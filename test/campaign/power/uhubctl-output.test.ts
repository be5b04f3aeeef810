import { expect } from 'chai';
import { deviceHasSerial, diagnoseStderr, parseUhubctlOutput, UhubctlParseError } from '../../../src/campaign/power/uhubctl-output.js';
import { sample } from './support.js';

function parseError(text: string): UhubctlParseError {
  try {
    parseUhubctlOutput(text);
  } catch (error) {
    expect(error).to.be.instanceOf(UhubctlParseError);
    return error as UhubctlParseError;
  }
  throw new Error('expected a parse error');
}

describe('uhubctl output parser, on real uhubctl output', function () {
  it('reads a listing with two MicroPython Picos and finds each by its USB serial', async () => {
    const [hub, ...rest] = parseUhubctlOutput(await sample('pico-listing.stdout.txt'));
    expect(rest).to.deep.equal([]);
    expect(hub).to.include({ location: '1-1', description: '04cc:1521, USB 2.00, 6 ports, ppps', when: 'current', request: undefined });
    expect(hub!.ports.map((port) => port.port)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(hub!.ports[2]).to.deep.equal({
      port: 3, status: 0x0103, words: ['power', 'enable', 'connect'], powered: true, connected: true,
      device: '2e8a:0005 MicroPython Board in FS mode e66034f71f7e9136',
    });
    const holders = (serial: string) => hub!.ports.filter((port) => deviceHasSerial(port.device, serial)).map((port) => port.port);
    expect(holders('e66034f71f7e9136')).to.deep.equal([3]);
    expect(holders('E66034F71F583724')).to.deep.equal([4]);
    expect(holders('0001')).to.deep.equal([5]);
    expect(holders('e66034f71f7e913')).to.deep.equal([]);
  });

  it('reads an off request: the current block, then the new status after "Sent power off request"', async () => {
    const hubs = parseUhubctlOutput(await sample('pico-off.stdout.txt'));
    expect(hubs.map((hub) => [hub.location, hub.when, hub.request, hub.ports.map((port) => [port.port, port.powered, port.connected])])).to.deep.equal([
      ['1-1', 'current', undefined, [[3, true, true]]],
      ['1-1', 'new', 'off', [[3, false, false]]],
    ]);
  });

  it('reads a cycle as an off round then an on round, including a device not yet described', async () => {
    const hubs = parseUhubctlOutput(await sample('cycle-not-yet-enumerated.stdout.txt'));
    expect(hubs.map((hub) => [hub.when, hub.request])).to.deep.equal([['current', undefined], ['new', 'off'], ['current', undefined], ['new', 'on']]);
    expect(hubs[3]!.ports[0]).to.include({ status: 0x0101, powered: true, connected: true, device: '0a5c:21ec' });
    expect(parseUhubctlOutput(await sample('cycle-all-ports.stdout.txt')).map((hub) => hub.ports.filter((port) => port.powered).length)).to.deep.equal([5, 0, 0, 5]);
  });

  it('reads a USB3 hub’s twin blocks and USB3 port states', async () => {
    const hubs = parseUhubctlOutput(await sample('usb3-twin-off.stdout.txt'));
    expect(hubs.map((hub) => `${hub.when} ${hub.location}`)).to.deep.equal(['current 2-1.3', 'new 2-1.3', 'current 1-1.4', 'new 1-1.4']);
    expect(hubs[0]!.ports[0]).to.include({ status: 0x02a0, powered: true, connected: false });
    expect(hubs[0]!.ports[0]!.words).to.deep.equal(['power', '5gbps', 'Rx.Detect']);
    expect(hubs[1]!.ports[0]).to.include({ status: 0x00a0, powered: false });
  });

  it('reads a connected device uhubctl could not describe ([]) and a suspended one', async () => {
    const ganged = parseUhubctlOutput(await sample('ganged-empty-description.stdout.txt'));
    expect(ganged[1]!.ports[0]).to.include({ connected: true, device: '' });
    const via = parseUhubctlOutput(await sample('via-hub-off.stdout.txt'));
    expect(via[0]!.ports[0]!.words).to.deep.equal(['power', 'suspend', 'enable', 'connect']);
    expect(deviceHasSerial(via[0]!.ports[0]!.device, '0604')).to.equal(false);
  });

  it('recognises uhubctl’s stderr messages', async () => {
    expect(diagnoseStderr(await sample('permission.stderr.txt')).map((problem) => problem.kind)).to.deep.equal(['permission', 'no-hub']);
    expect(diagnoseStderr(await sample('no-hub.stderr.txt'))).to.deep.equal([{ kind: 'no-hub', said: 'No compatible devices detected!' }]);
    expect(diagnoseStderr(await sample('no-hub-at-location.stderr.txt'))).to.deep.equal([{ kind: 'no-hub', said: 'No compatible devices detected at location 1-1!' }]);
    expect(diagnoseStderr(await sample('sysfs-denied.stderr.txt')).map((problem) => problem.kind)).to.deep.equal(['sysfs-denied']);
    expect(parseUhubctlOutput(await sample('sysfs-denied.stdout.txt'))[1]!.ports[0]!.powered).to.equal(false);
  });
});

describe('uhubctl output parser, on output uhubctl does not print', function () {
  it('names the first line that is not uhubctl’s', () => {
    const error = parseError('Current status for hub 1-1 [2109:2817 VIA Labs]\n  Port 1: 0100 power\nSegmentation fault\n');
    expect(error.message).to.equal('line 3: not uhubctl output: "Segmentation fault"');
  });

  it('rejects a port state word uhubctl never prints', () => {
    expect(parseError('Current status for hub 1-1 [x]\n  Port 2: 0103 power enabled connect [2e8a:0005]\n').message).to.match(/^line 2: unknown port state "enabled"/);
  });

  it('rejects a connected port without a device description, and a description without connect', () => {
    expect(parseError('Current status for hub 1-1 [x]\n  Port 2: 0103 power enable connect\n').message).to.match(/^line 2: connected port without a device description/);
    expect(parseError('Current status for hub 1-1 [x]\n  Port 2: 0100 power [2e8a:0005]\n').message).to.match(/^line 2: device description on a port that is not connected/);
  });

  it('rejects a request without its new status, and a new status without a request', () => {
    expect(parseError('Current status for hub 1-1 [x]\n  Port 2: 0100 power\nSent power off request\n').message).to.match(/request without a new status after it/);
    expect(parseError('New status for hub 1-1 [x]\n  Port 2: 0000 off\n').message).to.match(/^line 1: new status without a request before it/);
    expect(parseError('  Port 2: 0000 off\n').message).to.match(/^line 1: port line outside a hub status block/);
  });

  it('accepts empty output (a listing with no hub prints nothing to stdout)', () => {
    expect(parseUhubctlOutput('')).to.deep.equal([]);
  });
});
