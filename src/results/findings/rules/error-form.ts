/**
 * Rule: certificate-verification failures raised in two forms within one run — the bare
 * OSError(-9984) of firmware ≤ v1.21 and the ValueError with the reason of firmware ≥ v1.22
 * (facts §5, §10; commit f3f215e9bd) — or in the form the run's firmware does not raise.
 */
import type { CellAggregate } from '../aggregate.js';
import { evidenceOf, type Rule } from '../draft.js';
import { firmwareLabel, verificationProfileFor } from '../firmware.js';
import { listing, plural } from '../numbers.js';
import type { VerifyErrorForm } from '../record-facts.js';

const FORMS: readonly { readonly form: VerifyErrorForm; readonly text: string; readonly firmware: string }[] = [
  { form: 'OSError(-9984)', text: "OSError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')", firmware: '≤ v1.21' },
  { form: 'ValueError(reason)', text: 'ValueError with the reason text', firmware: '≥ v1.22' },
];

const otherForm = (form: VerifyErrorForm): VerifyErrorForm => (form === 'OSError(-9984)' ? 'ValueError(reason)' : 'OSError(-9984)');

function expectedForm(aggregate: CellAggregate, runFirmware: string | null): VerifyErrorForm | null {
  const profile = verificationProfileFor(aggregate.firmware.mode() ?? runFirmware);
  if (profile === null) return null;
  return profile.errorForm === 'OSError' ? 'OSError(-9984)' : 'ValueError(reason)';
}

function firmwareOf(aggregates: readonly CellAggregate[]): string[] {
  const labels = [...new Set(aggregates.flatMap((aggregate) => aggregate.firmware.keys().map(firmwareLabel)))].sort();
  return labels.length === 0 ? ['unknown'] : labels;
}

export const errorForm: Rule = (input) => {
  const aggregates = [...input.cells.map((cell) => cell.aggregate), ...input.unplacedCells];
  const seen = FORMS.map((entry) => {
    const cells = aggregates.filter((aggregate) => aggregate.errorForms.get(entry.form) > 0);
    return { ...entry, cells, count: cells.reduce((total, aggregate) => total + aggregate.errorForms.get(entry.form), 0) };
  }).filter((entry) => entry.count > 0);
  if (seen.length === 0) return [];
  const mixed = seen.length > 1;
  // A form the cell's own firmware does not raise (each cell's firmware: its records', else the run's).
  const unexpected = seen
    .map((entry) => ({ ...entry, cells: entry.cells.filter((aggregate) => expectedForm(aggregate, input.firmware) === otherForm(entry.form)) }))
    .filter((entry) => entry.cells.length > 0);
  if (!mixed && unexpected.length === 0) return [];

  const single = seen[0];
  const explanation = [
    mixed || single === undefined
      ? `Certificate verification failures came in two forms: ${listing(seen.map((entry) => `${entry.count} as ${entry.text}, the form of firmware ${entry.firmware}, in ${plural(entry.cells.length, 'cell')} (records name firmware ${listing(firmwareOf(entry.cells))})`))}.`
      : `Certificate verification failures came as ${single.text} (${single.count}), but the firmware the records name (${listing(firmwareOf(single.cells))}) raises the other form.`,
    'Firmware ≤ v1.21 always raises OSError(-9984); from v1.22.0 the same failure raises ValueError with the reason (e.g. "The certificate validity starts in the future") and falls back to the OSError only when mbedTLS gives no text.',
  ];
  const caveats = unexpected.map((entry) => {
    const count = entry.cells.reduce((total, aggregate) => total + aggregate.errorForms.get(entry.form), 0);
    return `${plural(count, 'failure')} as ${entry.text} ${count === 1 ? 'comes' : 'come'} from cells whose records name firmware ${listing(firmwareOf(entry.cells))}, which raises the other form: those cells may have run another firmware${entry.form === 'OSError(-9984)' ? ' (or mbedTLS gave flags without a text); their flags are inferred, not reported' : ''}.`;
  });
  const cells = [...new Set(seen.flatMap((entry) => entry.cells))];
  return [
    {
      id: 'error-form',
      title: mixed ? 'Verification failures come in two error forms (firmware before and after v1.22)' : 'Verification failures in an error form the firmware does not raise',
      kind: 'note',
      explanation,
      advice: [
        'Catch both forms around the handshake: `except (OSError, ValueError) as e`; code written for ≤ v1.21 that catches only OSError misses the ValueError on newer firmware.',
        'Log str(e): on ≥ v1.22 it names the reason (one line per verify flag); a bare -9984 says only that verification failed.',
      ],
      caveats,
      evidence: cells.map((aggregate) => {
        const form = aggregate.errorForms.mode();
        return evidenceOf(
          aggregate,
          aggregate.verifyFailures,
          {
            oserror9984: aggregate.errorForms.get('OSError(-9984)'),
            valueError: aggregate.errorForms.get('ValueError(reason)'),
            firmware: aggregate.firmware.keys().map(firmwareLabel).join(', ') || null,
          },
          form,
        );
      }),
    },
  ];
};
