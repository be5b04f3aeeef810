import { expect } from 'chai';
import { formatPortSpec, parsePortSpec } from '../../src/transport/port-spec.js';

function usageMessage(value: string | undefined, env: NodeJS.ProcessEnv = {}): string {
  try {
    parsePortSpec(value, env);
  } catch (error) {
    expect((error as { code?: string }).code).to.equal('USAGE');
    const message = (error as Error).message;
    expect(message).to.not.include('\n');
    return message;
  }
  throw new Error(`${String(value)} was accepted`);
}

describe('port spec', () => {
  it('is auto when neither --port nor PICOW_PORT is given', () => {
    expect(parsePortSpec(undefined, {})).to.deep.equal({ kind: 'auto' });
  });

  it('falls back to PICOW_PORT, and --port wins over it', () => {
    expect(parsePortSpec(undefined, { PICOW_PORT: 'sim' })).to.deep.equal({ kind: 'sim', profile: undefined });
    expect(parsePortSpec('/dev/ttyACM1', { PICOW_PORT: 'sim' })).to.deep.equal({ kind: 'path', path: '/dev/ttyACM1' });
  });

  it('takes device paths, by-id links, relative paths and Windows COM ports', () => {
    for (const path of ['/dev/ttyACM0', '/dev/serial/by-id/usb-MicroPython_Board_in_FS_mode_e6614c311b7e6a35-if00', './pty0', 'COM7', '/dev/cu.usbmodem1101']) {
      expect(parsePortSpec(path, {})).to.deep.equal({ kind: 'path', path });
    }
  });

  it('takes id:SERIAL and folds the serial number to lowercase for case-insensitive matching', () => {
    expect(parsePortSpec('id:E6614C311B7E6A35', {})).to.deep.equal({ kind: 'serial-number', serialNumber: 'e6614c311b7e6a35' });
  });

  it('takes sim and sim:PROFILE with a known firmware profile', () => {
    expect(parsePortSpec('sim', {})).to.deep.equal({ kind: 'sim', profile: undefined });
    expect(parsePortSpec('sim:v1.20.0', {})).to.deep.equal({ kind: 'sim', profile: 'v1.20.0' });
  });

  it('rejects an unknown sim profile and lists the known ones', () => {
    const message = usageMessage('sim:v9.9.9');
    expect(message).to.include('v9.9.9');
    expect(message).to.include('v1.24.1');
    expect(message).to.include('v1.19.1-88');
  });

  it('takes tcp://host:port, including bracketed IPv6 hosts', () => {
    expect(parsePortSpec('tcp://127.0.0.1:2217', {})).to.deep.equal({ kind: 'tcp', host: '127.0.0.1', port: 2217 });
    expect(parsePortSpec('tcp://[::1]:7000', {})).to.deep.equal({ kind: 'tcp', host: '::1', port: 7000 });
    expect(parsePortSpec('tcp://ser2net.lab:3001/', {})).to.deep.equal({ kind: 'tcp', host: 'ser2net.lab', port: 3001 });
  });

  it('takes rfc2217://host:port and writes it back the same way', () => {
    expect(parsePortSpec('rfc2217://lab:4000', {})).to.deep.equal({ kind: 'rfc2217', host: 'lab', port: 4000 });
    expect(formatPortSpec(parsePortSpec('rfc2217://[::1]:2217', {}))).to.equal('rfc2217://[::1]:2217');
    expect(usageMessage('rfc2217://lab')).to.include('rfc2217:// needs a port number');
    expect(usageMessage('rfc2217://lab:1?ign_set_control')).to.include('host:port only');
  });

  it('names the problem with bad values in one line', () => {
    expect(usageMessage('tcp://127.0.0.1')).to.include('needs a port number');
    expect(usageMessage('tcp://127.0.0.1:99999')).to.include('not a valid tcp://host:port');
    expect(usageMessage('tcp://h:1/path')).to.include('host:port only');
    expect(usageMessage('id:')).to.include('needs the USB serial number');
    expect(usageMessage('sim:')).to.include('needs a firmware profile');
    expect(usageMessage('')).to.include('empty');
    expect(usageMessage('serial://x')).to.include('unknown scheme serial://');
    expect(usageMessage('ttyACM0')).to.include('did you mean /dev/ttyACM0');
    expect(usageMessage('banana')).to.include('not a port');
    expect(usageMessage(undefined, { PICOW_PORT: 'banana' })).to.include('"banana"');
  });

  it('formats a spec back the way it is typed', () => {
    for (const text of ['auto', '/dev/ttyACM0', 'id:e6614c311b7e6a35', 'sim', 'sim:v1.22.2', 'tcp://127.0.0.1:2217', 'tcp://[::1]:7000']) {
      expect(formatPortSpec(parsePortSpec(text, {}))).to.equal(text);
    }
  });
});
