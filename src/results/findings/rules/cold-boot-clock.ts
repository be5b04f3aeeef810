/**
 * Rule: TLS verification fails with BADCERT_FUTURE while the board clock reads the rp2 boot epoch
 * (2021-01-01 plus uptime), for certificates that start after it — the cold-boot clock bug
 * (root-causes.md bug 2; facts §3, §8, §10). The served chain is re-judged with the firmware's
 * mbedTLS model at the measured clock to name the certificate and the flag, and the boot-epoch
 * cells are compared with cells whose clock was set (or, without those, with certificate sets the
 * model accepts at the same clock).
 */
import type { ServedCertificateSet } from '../../../campaign/types.js';
import { fisherExactTwoSided } from '../../stats/index.js';
import { Counter, Range } from '../aggregate.js';
import { confoundCaveats, confounds, describeCells, DIMENSIONS, groupOf, type Dimension } from '../cell-groups.js';
import { judgeServedChain, type ChainJudgement } from '../chain-judge.js';
import { configuredClock, isoSeconds, RP2_BOOT_EPOCH_MS } from '../clock.js';
import { evidenceOf, type CellView, type ComparisonGroup, type FindingDraft, type Rule, type RuleInput } from '../draft.js';
import { firmwareLabel, verificationProfileFor } from '../firmware.js';
import { countWithRate, formatP, listing, plural } from '../numbers.js';
import type { VerifyErrorForm } from '../record-facts.js';

const FLAG = 'BADCERT_FUTURE';

type CellClock = 'boot-epoch' | 'set' | 'mixed' | 'unknown';

/** The clock the cell's handshakes saw, as measured; the configuration decides only when nothing was measured. */
function clockOf(cell: CellView): CellClock {
  const { handshakesAtBootEpoch: atEpoch, handshakesWithClockSet: set } = cell.aggregate;
  if (atEpoch > 0 && set > 0) return 'mixed';
  if (atEpoch > 0) return 'boot-epoch';
  if (set > 0) return 'set';
  const configured = configuredClock(cell.facets);
  return configured === 'cold-boot' ? 'boot-epoch' : configured === 'set' ? 'set' : 'unknown';
}

const dateOk = (cell: CellView): number => cell.aggregate.handshakes - cell.aggregate.futureFailures;
const handshakes = (cell: CellView): number => cell.aggregate.handshakes;

function firmwareOf(cells: readonly CellView[], fallback: string | null): string | null {
  const counter = new Counter<string>();
  for (const cell of cells) for (const [firmware, count] of cell.aggregate.firmware.counts) counter.add(firmware, count);
  return counter.mode() ?? fallback;
}

function judge(set: ServedCertificateSet, cells: readonly CellView[], atMs: number, input: RuleInput): ChainJudgement {
  return judgeServedChain(set, atMs, verificationProfileFor(firmwareOf(cells, input.firmware)), FLAG);
}

function describeFlagged(judgement: ChainJudgement): string {
  const who = judgement.flagged.map((certificate) => `the ${certificate.role} ${certificate.subject} (notBefore ${certificate.notBefore.replace('.000Z', 'Z')})`);
  const by =
    judgement.source === 'model'
      ? `Judged by the mbedTLS model of firmware ${judgement.profile} (mbedTLS ${judgement.mbedtlsVersion}) at ${judgement.now}`
      : `By the certificate dates in the manifest at ${judgement.now} (${judgement.problem ?? 'no model'})`;
  if (who.length === 0) return `${by}, the chain served for set "${judgement.set}" gets no ${FLAG}: the model does not reproduce these failures.`;
  return `${by}, the chain served for set "${judgement.set}" gives ${FLAG} to ${listing(who)}.`;
}

interface AffectedSet {
  readonly set: ServedCertificateSet;
  readonly judgement: ChainJudgement;
}

export const coldBootClock: Rule = (input) => {
  const failing = input.cells.filter((cell) => cell.aggregate.futureAtBootEpoch > 0 && cell.facets.certs !== null);
  if (failing.length === 0) return [];
  const caveats: string[] = [];

  // Which certificate, which flag: each failing set re-judged at the latest clock its failures saw.
  const affected: AffectedSet[] = [];
  const unknownSets: string[] = [];
  for (const name of new Set(failing.map((cell) => cell.facets.certs as string))) {
    const cells = failing.filter((cell) => cell.facets.certs === name);
    const set = input.sets.find((candidate) => candidate.name === name);
    if (set === undefined) {
      unknownSets.push(name);
      continue;
    }
    const latest = new Range();
    for (const cell of cells) latest.merge(cell.aggregate.futureRtcAtBootEpochMs);
    const judgement = judge(set, cells, latest.max ?? RP2_BOOT_EPOCH_MS, input);
    const hostNow = Math.max(...cells.map((cell) => cell.aggregate.latestStartedMs ?? 0));
    const clockFixes = judgement.flagged.length === 0 || judgement.flagged.some((certificate) => Date.parse(certificate.notBefore) <= hostNow);
    if (!clockFixes) {
      caveats.push(`Set "${name}" is left out: its certificates start after the run's own time (${isoSeconds(hostNow)}), so they fail on any clock; that is not the boot clock.`);
      continue;
    }
    affected.push({ set, judgement });
  }
  if (unknownSets.length > 0) {
    caveats.push(`The run recorded no served chain for ${listing(unknownSets.map((name) => `"${name}"`))}: the certificate behind those failures cannot be named.`);
  }
  const affectedNames = new Set([...affected.map((entry) => entry.set.name), ...unknownSets]);
  if (affectedNames.size === 0) return [];

  const inAffected = input.cells.filter((cell) => affectedNames.has(cell.facets.certs ?? '') && cell.aggregate.handshakes > 0);
  const epochCells = inAffected.filter((cell) => clockOf(cell) === 'boot-epoch');
  const setCells = inAffected.filter((cell) => clockOf(cell) === 'set');
  const mixed = inAffected.filter((cell) => clockOf(cell) === 'mixed');
  if (epochCells.length === 0) return [];
  if (mixed.length > 0) {
    caveats.push(`${plural(mixed.length, 'cell')} (${listing(mixed.map((cell) => cell.facets.id))}) saw both a boot-epoch and a set clock and are left out of the comparison.`);
  }

  const fails = epochCells.reduce((sum, cell) => sum + cell.aggregate.futureFailures, 0);
  const tried = epochCells.reduce((sum, cell) => sum + cell.aggregate.handshakes, 0);
  const rtcRange = new Range();
  for (const cell of epochCells) rtcRange.merge(cell.aggregate.futureRtcAtBootEpochMs);
  const epochLabel = `board clock at the boot epoch (${describeCells(epochCells, [DIMENSIONS.mode, DIMENSIONS.reset, DIMENSIONS.rtc])})`;
  const explanation: string[] = [
    `In ${plural(epochCells.length, 'cell')} with the ${epochLabel}, ${countWithRate(fails, tried)} TLS handshakes failed certificate verification with ${FLAG}; the board's RTC at those failures read ${isoSeconds(rtcRange.min ?? RP2_BOOT_EPOCH_MS)} to ${isoSeconds(rtcRange.max ?? RP2_BOOT_EPOCH_MS)}. The rp2 firmware sets the RTC to ${isoSeconds(RP2_BOOT_EPOCH_MS)} at every power-on and machine.reset(), and mbedTLS checks every certificate's dates against it.`,
    ...affected.map((entry) => describeFlagged(entry.judgement)),
    ...errorFormSentences(epochCells),
  ];
  const rootFlagged = affected.some((entry) => entry.judgement.flagged.some((certificate) => certificate.role === 'root'));
  const advice = [
    'Set the clock after the link is up and before the first TLS connection: `import ntptime; ntptime.settime()` once `wlan.status() == 3` (UTC; ntptime needs DNS and UDP port 123 to an NTP server). Retry it: one NTP query has a 1 s timeout.',
    'Test the way the device runs: power-cycle it and let main.py run with no host attached. IDEs such as Thonny set the board clock when they connect (local time by default), and soft resets (Ctrl-D, mpremote\'s implicit soft reset) keep the RTC, so the bug hides during development.',
    ...(rootFlagged
      ? ['The trusted root itself starts after 2021-01-01: every cold-boot handshake fails whatever the leaf says, so only a set clock (or a trust anchor valid at the boot epoch) helps.']
      : []),
  ];

  const inferred = epochCells.reduce((sum, cell) => sum + cell.aggregate.futureInferred, 0);
  if (inferred > 0) {
    caveats.push(`${inferred} of the ${fails} failures ${inferred === 1 ? 'was' : 'were'} a bare OSError(-9984) without flags; ${inferred === 1 ? 'its' : 'their'} ${FLAG} is inferred from the RTC and the certificate dates (the records' "inferred" field), not reported by the board.`);
  }
  for (const entry of affected) {
    if (entry.judgement.flagged.length === 0) caveats.push(`The model gives set "${entry.set.name}" no ${FLAG} at ${entry.judgement.now}: check the firmware profile and the served chain.`);
    else if (entry.judgement.source === 'dates') caveats.push(`Set "${entry.set.name}" was judged by its dates only: ${entry.judgement.problem ?? 'no model'}.`);
  }
  caveats.push(...formMismatchCaveats(epochCells, input));

  const evidence = [
    ...epochCells.map((cell) => cellEvidence(cell, 'boot-epoch clock', affected)),
    ...setCells.map((cell) => cellEvidence(cell, 'clock set', affected)),
  ];
  const groupA = groupOf(epochLabel, epochCells, dateOk, handshakes);
  const draft = { id: 'cold-boot-clock', title: `TLS fails after cold boots: the board's clock is not set (${FLAG} at the boot epoch)`, kind: 'test' as const, advice };

  if (setCells.length > 0) {
    const setLabel = `board clock set (${describeCells(setCells, [DIMENSIONS.mode, DIMENSIONS.rtc, DIMENSIONS.reset])})`;
    const groupB = groupOf(setLabel, setCells, dateOk, handshakes);
    if (failRate(groupA) <= failRate(groupB)) return [];
    const stillFailing = groupB.attempts - groupB.ok;
    if (stillFailing > 0) caveats.push(`With the clock set, ${stillFailing} handshakes still failed with ${FLAG}: some certificate also starts after the clock that was set.`);
    caveats.push(...confoundCaveats(confounds(epochCells, setCells, CLOCK_CONFOUNDS), 'boot-epoch cells', 'clock-set cells', 'the clock'));
    return [{ ...draft, explanation, caveats, evidence, comparison: comparison(groupA, groupB, `With the ${setLabel}`) }];
  }

  // No clock-set cells: compare with certificate sets the model accepts at the same boot-epoch clock.
  const controls = controlCells(input, affectedNames);
  if (controls.length > 0) {
    const controlSets = [...new Set(controls.map((cell) => cell.facets.certs as string))];
    const controlLabel = `certificate sets valid at the boot epoch (${listing(controlSets)}), same clock`;
    const groupB = groupOf(controlLabel, controls, dateOk, handshakes);
    if (failRate(groupA) <= failRate(groupB)) return [];
    caveats.push('The run has no cells with the clock set (RTC mode host:*, ntp), so the control is certificate sets that start before the boot epoch, not a set clock; add an `rtc: [cold, ntp]` axis to test the fix itself.');
    caveats.push(...confoundCaveats(confounds(epochCells, controls, SET_CONFOUNDS), 'failing sets', 'control sets', 'the certificate dates'));
    return [
      {
        ...draft,
        explanation,
        caveats,
        evidence: [...evidence, ...controls.map((cell) => cellEvidence(cell, 'control set', affected))],
        comparison: comparison(groupA, groupB, `At the same boot-epoch clock, ${controlLabel.replace(', same clock', '')}`),
      },
    ];
  }
  caveats.push('The run has neither cells with the clock set nor a certificate set valid at the boot epoch, so nothing here tests the explanation; add `rtc: [cold, ntp]` or the `valid` set as a control.');
  return [{ ...draft, explanation, caveats, evidence }];
};

/** The clock is what the comparison is about; these may not differ completely between the groups. */
const CLOCK_CONFOUNDS: readonly Dimension[] = [DIMENSIONS.firmware, DIMENSIONS.mode, DIMENSIONS.certs, DIMENSIONS.wifi, DIMENSIONS.tlsApi];
const SET_CONFOUNDS: readonly Dimension[] = [DIMENSIONS.firmware, DIMENSIONS.mode, DIMENSIONS.reset, DIMENSIONS.rtc, DIMENSIONS.wifi, DIMENSIONS.tlsApi];

function failRate(group: ComparisonGroup): number {
  return group.attempts === 0 ? 0 : (group.attempts - group.ok) / group.attempts;
}

function comparison(groupA: ComparisonGroup, groupB: ComparisonGroup, lead: string): NonNullable<FindingDraft['comparison']> {
  const pValue = fisherExactTwoSided(groupA.ok, groupA.attempts - groupA.ok, groupB.ok, groupB.attempts - groupB.ok);
  return {
    groupA,
    groupB,
    pValue,
    sentence: (pAdjusted, comparisons) =>
      `${lead}, ${countWithRate(groupB.attempts - groupB.ok, groupB.attempts)} handshakes failed this way; Fisher's exact test p = ${formatP(pValue)}, Holm-adjusted p = ${formatP(pAdjusted)} over the run's ${plural(comparisons, 'comparison')}.`,
  };
}

/** Cells at the boot-epoch clock whose certificate set the model accepts at that clock (chosen by the model, not by outcome). */
function controlCells(input: RuleInput, affected: ReadonlySet<string>): CellView[] {
  const candidates = input.cells.filter(
    (cell) => cell.facets.certs !== null && !affected.has(cell.facets.certs) && cell.aggregate.handshakes > 0 && clockOf(cell) === 'boot-epoch',
  );
  const controls: CellView[] = [];
  for (const name of new Set(candidates.map((cell) => cell.facets.certs as string))) {
    const set = input.sets.find((candidate) => candidate.name === name);
    if (set === undefined) continue;
    const cells = candidates.filter((cell) => cell.facets.certs === name);
    // Valid at the earliest and at the latest boot-epoch clock its handshakes saw: valid at every moment between.
    const seen = new Range();
    for (const cell of cells) seen.merge(cell.aggregate.handshakeRtcAtBootEpochMs);
    const moments = [...new Set([seen.min ?? RP2_BOOT_EPOCH_MS, seen.max ?? RP2_BOOT_EPOCH_MS])];
    const valid = moments.every((atMs) => {
      const judgement = judge(set, cells, atMs, input);
      return judgement.source === 'model' && judgement.flags.length === 0;
    });
    if (valid) controls.push(...cells);
  }
  return controls;
}

const FORM_TEXT: Readonly<Record<VerifyErrorForm, string>> = {
  'ValueError(reason)': "ValueError('The certificate validity starts in the future') (firmware ≥ v1.22)",
  'OSError(-9984)': "OSError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED') without the reason (firmware ≤ v1.21)",
};

function errorFormSentences(cells: readonly CellView[]): string[] {
  const forms = new Counter<VerifyErrorForm>();
  for (const cell of cells) for (const [form, count] of cell.aggregate.errorForms.counts) forms.add(form, count);
  if (forms.size === 0) return [];
  const entries = [...forms.counts];
  const [only] = entries;
  if (entries.length === 1 && only !== undefined) return [`The board raised ${only[1] === 1 ? 'it' : `all ${only[1]}`} as ${FORM_TEXT[only[0]]}.`];
  return [`The board raised ${listing(entries.map(([form, count]) => `${count} as ${FORM_TEXT[form]}`))}.`];
}

/** A bare -9984 on firmware whose profile raises ValueError (or the reverse) means the cells did not run the firmware the run names. */
function formMismatchCaveats(cells: readonly CellView[], input: RuleInput): string[] {
  const caveats: string[] = [];
  for (const cell of cells) {
    const firmware = firmwareOf([cell], input.firmware);
    const profile = verificationProfileFor(firmware);
    if (profile === null || firmware === null) continue;
    const unexpected = profile.errorForm === 'ValueError' ? cell.aggregate.errorForms.get('OSError(-9984)') : cell.aggregate.errorForms.get('ValueError(reason)');
    if (unexpected === 0) continue;
    const form = profile.errorForm === 'ValueError' ? 'OSError(-9984), the form of firmware ≤ v1.21' : 'ValueError, the form of firmware ≥ v1.22';
    caveats.push(`Cell ${cell.facets.id} raised ${form}, but its records say firmware ${firmwareLabel(firmware)}: the cell may have run another firmware, which this finding cannot separate from the clock.`);
  }
  return caveats;
}

function cellEvidence(cell: CellView, group: string, affected: readonly AffectedSet[]): ReturnType<typeof evidenceOf> {
  const aggregate = cell.aggregate;
  const judgement = affected.find((entry) => entry.set.name === cell.facets.certs)?.judgement;
  const first = judgement?.flagged[0];
  const range = aggregate.futureRtcAtBootEpochMs;
  return evidenceOf(
    aggregate,
    aggregate.futureFailures,
    {
      group,
      handshakes: aggregate.handshakes,
      futureFailures: aggregate.futureFailures,
      rtcAtFailureFirst: range.min === null ? null : isoSeconds(range.min),
      rtcAtFailureLast: range.max === null ? null : isoSeconds(range.max),
      flag: aggregate.futureFailures > 0 ? FLAG : null,
      certificate: first === undefined ? null : `${first.role} ${first.subject}`,
      notBefore: first === undefined ? null : first.notBefore,
      errorForm: aggregate.errorForms.mode() ?? null,
      flagsSeen: [...aggregate.verifyFlags.counts].map(([flag, count]) => `${flag} ×${count}`).join(', ') || null,
      firmware: aggregate.firmware.keys().map(firmwareLabel).join(', ') || null,
    },
    'future',
  );
}
