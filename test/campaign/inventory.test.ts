import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { ConfigError, UsageError } from '../../src/errors.js';
import { INVENTORY_SCHEMA_PATH, inventoryJsonSchemaText } from '../../src/campaign/inventory/json-schema.js';
import { loadInventory, parseInventory, selectBoards } from '../../src/campaign/inventory/load.js';

const REPO = new URL('../../', import.meta.url);

function problem(text: string): string {
  try {
    parseInventory(text, 'rack.yaml');
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.split('\n'), message).to.have.length(1);
    return message;
  }
  throw new Error('expected the inventory to be refused');
}

const GOOD = `boards:
  bench-1:
    serial: e6614c311b7e6a35
    port: /dev/serial/by-id/usb-MicroPython_Board_in_FS_mode_e6614c311b7e6a35-if00
    power: { driver: uhubctl, location: "1-1", port: 2 }
    group: hub-a
  bench-2:
    serial: e6614c311b7e6a36
    power: { driver: uhubctl, location: "1-1", port: 3 }
    group: hub-a
  remote-1:
    port: rfc2217://lab-pi.local:4001
    uniqueId: e6614c311b7e6a37
    power: { driver: command, on: [ssh, lab-pi, uhubctl, -l, "1-1", -p, "2", -a, on], off: [ssh, lab-pi, uhubctl, -l, "1-1", -p, "2", -a, off] }
  sim-1: { port: "sim:v1.20.0" }
quarantineAfter: 5
`;

describe('inventory: the boards of a rack', () => {
  it('loads the shipped simulated rack: four boards, two of them in one power group', async () => {
    const loaded = await loadInventory(new URL('../../campaigns/rack-sim.yaml', import.meta.url).pathname);
    const boards = selectBoards(loaded, 'all');
    expect(boards.map((board) => [board.label, board.simulated, board.group ?? null])).to.deep.equal([
      ['sim-a', true, 'shared-supply'],
      ['sim-b', true, 'shared-supply'],
      ['sim-c', true, null],
      ['sim-d', true, null],
    ]);
  });

  it('accepts serial, by-id, id:, rfc2217:// and sim boards with their power drivers and groups', () => {
    const { inventory } = parseInventory(GOOD, 'rack.yaml');
    expect(Object.keys(inventory.boards)).to.deep.equal(['bench-1', 'bench-2', 'remote-1', 'sim-1']);
    expect(inventory.quarantineAfter).to.equal(5);
    expect(inventory.boards['bench-2']?.power).to.deep.include({ driver: 'uhubctl', port: 3, offMs: 2000 });
    const boards = selectBoards(parseInventory(GOOD, 'rack.yaml'), 'bench-2,sim-1');
    expect(boards.map((board) => [board.label, board.transport, board.simulated])).to.deep.equal([
      ['bench-2', 'id:e6614c311b7e6a36', false],
      ['sim-1', 'sim:v1.20.0', true],
    ]);
  });

  it('defaults quarantineAfter to 3', () => {
    expect(parseInventory('boards:\n  a: { port: sim }\n', 'rack.yaml').inventory.quarantineAfter).to.equal(3);
  });

  it('names file:line:col, the path and a did-you-mean for an unknown key', () => {
    expect(problem('boards:\n  a:\n    port: sim\n    gruop: hub-a\n')).to.equal('rack.yaml:4:5: boards.a.gruop: unknown key (did you mean group?)');
  });

  it('points at a transport that is not one, with the reason', () => {
    expect(problem('boards:\n  a:\n    port: ttyACM0\n')).to.equal('rack.yaml:3:11: boards.a.port: not a port; did you mean /dev/ttyACM0?');
    expect(problem('boards:\n  a: { port: "rfc2217://lab-pi" }\n')).to.match(/^rack\.yaml:2:14: boards\.a\.port: rfc2217:\/\/ needs a port number/);
    expect(problem('boards:\n  a: { port: auto }\n')).to.match(/^rack\.yaml:2:14: boards\.a\.port: auto names no particular board/);
  });

  it('checks the power driver exactly as the campaign config does', () => {
    expect(problem('boards:\n  a:\n    serial: e6614c311b7e6a35\n    power: { driver: uhubctl, location: "1-1" }\n')).to.match(/^rack\.yaml:4:\d+: boards\.a\.power\.port: location and port go together/);
    expect(problem('boards:\n  a:\n    serial: e6614c311b7e6a35\n    power: { driver: uhubctll }\n')).to.match(/^rack\.yaml:4:\d+: boards\.a\.power\.driver: must be one of uhubctl, command, manual, sim \(did you mean uhubctl\?\)$/);
    expect(problem('boards:\n  a:\n    serial: e6614c311b7e6a35\n    power: { driver: sim }\n')).to.match(/^rack\.yaml:4:\d+: boards\.a\.power\.driver: the sim driver switches a simulated board only/);
  });

  it('refuses two boards with one serial number, at the second', () => {
    expect(problem('boards:\n  a: { serial: e6614c311b7e6a35 }\n  b: { serial: E6614C311B7E6A35 }\n')).to.equal("rack.yaml:3:16: boards.b.serial: serial E6614C311B7E6A35 is also board a's");
  });

  it('refuses a board with neither serial nor port, and an empty inventory', () => {
    expect(problem('boards:\n  a: { group: x }\n')).to.match(/^rack\.yaml:2:\d+: boards\.a(\.port)?: needs serial \(found by USB serial number\) or port$/);
    expect(problem('boards: {}\n')).to.match(/^rack\.yaml:1:9: boards: lists no board$/);
    expect(problem('')).to.match(/^rack\.yaml:1:1: the document: is empty/);
  });

  it('--boards names boards of the inventory, with a did-you-mean for a typo', () => {
    const loaded = parseInventory(GOOD, 'rack.yaml');
    expect(() => selectBoards(loaded, 'bench-1,bnech-2')).to.throw(UsageError, /^--boards: bnech-2 is not a board of rack\.yaml \(did you mean bench-2( or bench-1)?\?\); it has bench-1, bench-2, remote-1, sim-1$/);
    expect(() => selectBoards(loaded, 'bench-1,bench-1')).to.throw(UsageError, /named twice/);
  });

  it('publishes a JSON Schema equal to the one the inventory schema generates', async () => {
    const committed = await readFile(new URL(INVENTORY_SCHEMA_PATH, REPO), 'utf8');
    expect(committed === inventoryJsonSchemaText(), `${INVENTORY_SCHEMA_PATH} is out of date; run node scripts/inventory-schema.mjs`).to.equal(true);
  });
});
