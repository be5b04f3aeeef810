import { expect } from 'chai';
import { formatJunitXml } from '../../src/report/junit.js';
import { xmlAttribute, xmlText } from '../../src/report/xml.js';
import { tally, type ExpectationOutcome } from '../../src/results/tally.js';
import { attempt, childElements, expatError, parseXml, plan, REAL_RUN, SIM_RUN, textContent, type XmlElement } from './support.js';

const NASTY = 'ctl\x00\x01\x1b[31m <tag> & "quoted" \'single\' ]]> \ud800 tab\tend\r\nnext\x7f';

const records = [
  // pass: every attempt ok, no expectation
  attempt({ seq: 0, cell: 'hard/valid', iteration: 1, durationMs: 1500 }),
  attempt({ seq: 1, cell: 'hard/valid', iteration: 2, durationMs: 2500 }),
  // flaky without expectation
  attempt({ seq: 2, cell: 'hidden/pm-default', iteration: 1 }),
  attempt({ seq: 3, cell: 'hidden/pm-default', iteration: 2, class: 'wifi.connect-fail', tls: null }),
  // fails, as expected (expectation held)
  attempt({ seq: 4, cell: 'cold/valid', iteration: 1, class: 'tls.verify.future' }),
  // flaky with an unmet expectation
  attempt({ seq: 5, cell: 'soft/valid', iteration: 1 }),
  attempt({ seq: 6, cell: 'soft/valid', iteration: 2, class: 'tls.alloc', detail: NASTY }),
  // a cell id that needs escaping
  attempt({ seq: 7, cell: 'a<b>&"c"', iteration: 1 }),
];
const cells = [
  plan('hard/valid', 2),
  plan('hidden/pm-default', 2),
  plan('cold/valid', 1),
  plan('soft/valid', 2),
  plan('a<b>&"c"', 1),
  plan('not/run', 3),
];
const outcomes: ExpectationOutcome[] = [
  { cell: 'cold/valid', rule: 'fails', held: true, observed: 0, text: 'cold/valid: fails held: 0 of 1 attempts ended tls.ok' },
  { cell: 'soft/valid', rule: 'tls.ok >= 0.95', held: false, observed: 0.5, text: 'soft/valid: tls.ok ≥ 0.95 not met: 0.5 (1/2)' },
];

function document(run = SIM_RUN): { xml: string; suite: XmlElement; root: XmlElement; cases: Map<string, XmlElement> } {
  const xml = formatJunitXml(run, tally(records, cells, outcomes));
  const root = parseXml(xml);
  const suite = childElements(root, 'testsuite')[0] as XmlElement;
  const cases = new Map(childElements(suite, 'testcase').map((testcase) => [testcase.attributes['name'] as string, testcase]));
  return { xml, suite, root, cases };
}

const properties = (element: XmlElement): Record<string, string> =>
  Object.fromEntries(
    childElements(childElements(element, 'properties')[0] as XmlElement, 'property').map((property) => [
      property.attributes['name'] as string,
      property.attributes['value'] as string,
    ]),
  );

const verdict = (testcase: XmlElement | undefined): string[] =>
  childElements(testcase as XmlElement).map((child) => child.name).filter((name) => ['failure', 'error', 'skipped'].includes(name));

describe('junit.xml', () => {
  it('is well-formed XML with one testsuite per run and one testcase per cell', () => {
    const { root, suite, cases } = document();
    expect(root.name).to.equal('testsuites');
    expect(childElements(root, 'testsuite')).to.have.length(1);
    expect([...cases.keys()]).to.deep.equal(['hard/valid', 'hidden/pm-default', 'cold/valid', 'soft/valid', 'a<b>&"c"', 'not/run']);
    expect(suite.attributes).to.include({ tests: '6', failures: '1', errors: '0', skipped: '1' });
    expect(root.attributes).to.include({ tests: '6', failures: '1', errors: '0', skipped: '1' });
  });

  it('is accepted by an independent XML parser (expat)', function () {
    const { xml } = document();
    const problem = expatError(xml);
    if (problem === undefined) this.skip();
    expect(problem).to.equal(null);
  });

  it('fails a testcase only on an unmet expectation, with the rule and the observation as message', () => {
    const { cases } = document();
    expect(verdict(cases.get('hard/valid'))).to.deep.equal([]);
    expect(verdict(cases.get('cold/valid'))).to.deep.equal([]);
    expect(verdict(cases.get('hidden/pm-default'))).to.deep.equal([]);
    expect(verdict(cases.get('soft/valid'))).to.deep.equal(['failure']);
    const failure = childElements(cases.get('soft/valid') as XmlElement, 'failure')[0] as XmlElement;
    expect(failure.attributes['message']).to.equal('tls.ok >= 0.95: observed 0.5');
    expect(failure.attributes['type']).to.equal('expectation');
    expect(textContent(failure)).to.equal('soft/valid: tls.ok ≥ 0.95 not met: 0.5 (1/2)');
  });

  it('marks a flaky cell without expectation as passing but flaky, in properties and in system-out', () => {
    const { cases } = document();
    const flaky = cases.get('hidden/pm-default') as XmlElement;
    expect(properties(flaky)).to.include({ flaky: 'true', status: 'flaky', attempts: '2', ok: '1', 'ok-rate': '0.5', 'class.wifi.connect-fail': '1' });
    const out = textContent(childElements(flaky, 'system-out')[0] as XmlElement);
    expect(out.split('\n')[0]).to.equal('FLAKY: 1 of 2 attempts tls.ok (50.0%)');
    expect(out).to.contain('wifi.connect-fail 1 (first: seq 3, iteration 2, transcripts/00003.txt: failed: wifi.connect-fail)');
    expect(properties(cases.get('hard/valid') as XmlElement)).not.to.have.property('flaky');
  });

  it('skips a cell that did not run', () => {
    const { cases } = document();
    const skipped = childElements(cases.get('not/run') as XmlElement, 'skipped')[0] as XmlElement;
    expect(skipped.attributes['message']).to.equal('not run: 0 of 3 attempts');
  });

  it('fails rather than skips a cell that did not run when its expectation is reported unmet (as the exit code does)', () => {
    const xml = formatJunitXml(
      SIM_RUN,
      tally([], [plan('later', 2)], [{ cell: 'later', rule: 'fails', held: false, observed: 0, text: 'later: fails not met: no attempts' }]),
    );
    const testcase = childElements(childElements(parseXml(xml), 'testsuite')[0] as XmlElement, 'testcase')[0];
    expect(verdict(testcase)).to.deep.equal(['failure']);
  });

  it('times each testcase by the sum of its attempts, in seconds', () => {
    const { cases, suite } = document();
    expect(cases.get('hard/valid')?.attributes['time']).to.equal('4.000');
    expect(suite.attributes['timestamp']).to.equal('2025-01-02T03:04:05');
  });

  it('names the suite SIMULATED for a sim run and records how it was simulated', () => {
    const { suite, cases } = document();
    expect(suite.attributes['name']).to.equal('picow-harness SIMULATED run 20250102-030405-sim');
    expect(cases.get('hard/valid')?.attributes['classname']).to.equal('picow-harness.SIMULATED');
    expect(properties(suite)).to.include({
      'board.kind': 'sim',
      'board.label': 'SIMULATED',
      'sim.world-hash': SIM_RUN.board.sim?.worldHash,
      'sim.seed': '42',
      'sim.time-scale': '20',
    });
    const real = document(REAL_RUN);
    expect(real.xml).not.to.contain('SIMULATED');
    expect(real.suite.attributes['name']).to.equal('picow-harness run 20250102-real');
  });

  it('escapes markup and replaces characters XML cannot carry with visible escapes', () => {
    const { cases, xml } = document();
    expect(cases.has('a<b>&"c"')).to.be.true;
    const out = textContent(childElements(cases.get('soft/valid') as XmlElement, 'system-out')[0] as XmlElement);
    expect(out).to.contain('ctl\\x00\\x01\\x1b[31m <tag> & "quoted" \'single\' ]]> \\ud800 tab\tend\r\nnext\\x7f');
    expect(xml).not.to.match(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/);
  });

  it('keeps tabs and line breaks in attribute values as character references', () => {
    const element = parseXml(`<a v="${xmlAttribute('one\ttwo\r\nthree "q" <x> &')}"/>`);
    expect(element.attributes['v']).to.equal('one\ttwo\r\nthree "q" <x> &');
    expect(xmlText('a]]>b')).to.equal('a]]&gt;b');
  });
});

describe("the tests' XML well-formedness check", () => {
  for (const [problem, xml] of [
    ['a mismatched end tag', '<a><b></a></b>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['a control character', '<a>\x1b</a>'],
    ['a reference to a control character', '<a>&#27;</a>'],
    ['< in an attribute', '<a v="<"/>'],
    ['a duplicate attribute', '<a v="1" v="2"/>'],
    ['two document elements', '<a/><b/>'],
    [']]> in text', '<a>]]></a>'],
  ] as const) {
    it(`rejects ${problem}`, () => {
      expect(() => parseXml(xml)).to.throw();
    });
  }
});
