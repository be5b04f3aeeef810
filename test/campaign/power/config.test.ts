import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { createPowerDriver, powerConfigSchema } from '../../../src/campaign/power/index.js';
import { HarnessError } from '../../../src/errors.js';

function issues(input: unknown): { path: string; message: string }[] {
  const result = powerConfigSchema.safeParse(input);
  expect(result.success, 'expected the config to be rejected').to.equal(false);
  return (result.error?.issues ?? []).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('power config', function () {
  it('accepts each driver and fills in the defaults', () => {
    expect(powerConfigSchema.parse({ driver: 'uhubctl', location: '1-1.4', port: 2 })).to.deep.equal({ driver: 'uhubctl', location: '1-1.4', port: 2, offMs: 2000, timeoutMs: 20_000 });
    expect(powerConfigSchema.parse({ driver: 'uhubctl' })).to.include({ driver: 'uhubctl', offMs: 2000 });
    expect(powerConfigSchema.parse({ driver: 'command', on: ['relay', 'on'], off: 'relay off && sleep 1' })).to.deep.equal({
      driver: 'command', on: ['relay', 'on'], off: 'relay off && sleep 1', offMs: 2000, timeoutMs: 30_000,
    });
    expect(powerConfigSchema.parse({ driver: 'manual' })).to.deep.equal({ driver: 'manual', offMs: 2000, promptTimeoutMs: 600_000 });
    expect(powerConfigSchema.parse({ driver: 'sim', offMs: 5000 })).to.deep.equal({ driver: 'sim', offMs: 5000 });
  });

  it('rejects an off time under 2 s, naming the field', () => {
    expect(issues({ driver: 'uhubctl', location: '1-1', port: 2, offMs: 1500 })).to.deep.equal([
      { path: 'offMs', message: 'must be at least 2000 ms (the board needs ≥ 2 s without power to reset from cold)' },
    ]);
  });

  it('rejects a location without a port, a malformed location, and unknown keys', () => {
    expect(issues({ driver: 'uhubctl', location: '1-1' })).to.deep.equal([
      { path: 'port', message: 'location and port go together: give both, or neither to find the port by the board’s serial number' },
    ]);
    expect(issues({ driver: 'uhubctl', location: 'usb1', port: 1 })[0]).to.deep.equal({ path: 'location', message: 'must be a hub location as uhubctl prints it, e.g. 1-1 or 3-2.4' });
    expect(issues({ driver: 'command', on: 'x', off: 'y', shell: true })[0]?.message).to.match(/shell/);
    expect(issues({ driver: 'relay' })[0]?.path).to.equal('driver');
  });

  it('converts to JSON Schema for the published campaign schema', () => {
    const schema = JSON.stringify(z.toJSONSchema(powerConfigSchema));
    for (const driver of ['uhubctl', 'command', 'manual', 'sim']) expect(schema).to.include(`"const":"${driver}"`);
    expect(schema).to.include('"minimum":2000');
  });
});

describe('power driver factory', function () {
  it('builds the driver the config names, with what the run knows', () => {
    const uhubctl = createPowerDriver(powerConfigSchema.parse({ driver: 'uhubctl' }), { serialNumber: 'e6614c311b7e6f35' });
    expect(uhubctl.kind).to.equal('uhubctl');
    expect(uhubctl.describe()).to.equal('uhubctl port of the board e6614c311b7e6f35 (found by USB serial)');
    const command = createPowerDriver(powerConfigSchema.parse({ driver: 'command', on: ['relay', 'on'], off: 'relay off' }));
    expect(command.describe()).to.equal('command (on: relay on; off: relay off)');
    const manual = createPowerDriver(powerConfigSchema.parse({ driver: 'manual' }), { terminal: { input: new PassThrough(), output: new PassThrough() } });
    expect(manual.kind).to.equal('manual');
  });

  it('says what is missing when the run cannot provide it', () => {
    expect(() => createPowerDriver(powerConfigSchema.parse({ driver: 'sim' }))).to.throw(HarnessError, 'the sim power driver works only with a simulated board (port "sim")');
    expect(() => createPowerDriver(powerConfigSchema.parse({ driver: 'manual' }))).to.throw(HarnessError, 'the manual power driver needs the operator’s terminal');
    expect(() => createPowerDriver(powerConfigSchema.parse({ driver: 'uhubctl' }))).to.throw(HarnessError, /needs the hub location and port, or the board’s USB serial number/);
  });
});
