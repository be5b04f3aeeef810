/**
 * A diagnosis: a rule over a run's records that recognised a pattern, with the cells and the numbers
 * behind it. Printed in the terminal, summary.md and report.html; every number here was computed
 * from the records (a test recomputes them).
 */
export interface Finding {
  /** Stable rule id, e.g. `cold-boot-clock`, `hidden-ssid-pm`, `dhcp-stuck`, `tls-heap`. */
  readonly id: string;
  /** One line, e.g. "TLS fails after cold boots: the board's clock is not set". */
  readonly title: string;
  /** How sure: `strong` (significant after correction), `suggestive` (pattern, not significant), `note`. */
  readonly strength: 'strong' | 'suggestive' | 'note';
  /** The explanation in plain words, sentences that carry the numbers (Markdown-safe plain text). */
  readonly explanation: readonly string[];
  /** What to do about it. */
  readonly advice: readonly string[];
  /** Caveats (confounds, small samples, inferred flags). */
  readonly caveats: readonly string[];
  /** The cells the finding rests on, with their numbers. */
  readonly evidence: readonly FindingEvidence[];
  /** A comparison between two groups of cells, when the finding rests on one. */
  readonly comparison?: FindingComparison;
}

export interface FindingEvidence {
  readonly cell: string;
  readonly attempts: number;
  /** Attempts in the class the finding is about (e.g. tls.verify.future), and the ok class count. */
  readonly matching: number;
  readonly ok: number;
  /** Wilson 95 % interval of ok / attempts. */
  readonly okRate: { readonly rate: number; readonly low: number; readonly high: number } | null;
  /** Extra measured facts, e.g. { rtcAtFailure: '2021-01-01T00:00:07Z', leafNotBefore: '…', flag: 'BADCERT_FUTURE' }. */
  readonly facts?: Readonly<Record<string, string | number | boolean | null>>;
  /** Seq and transcript of an example attempt. */
  readonly example?: { readonly seq: number; readonly transcript: string | null; readonly detail: string };
}

export interface FindingComparison {
  /** e.g. "PM default" vs "PM 0xa11140". */
  readonly groupA: { readonly label: string; readonly cells: readonly string[]; readonly ok: number; readonly attempts: number };
  readonly groupB: { readonly label: string; readonly cells: readonly string[]; readonly ok: number; readonly attempts: number };
  /** Two-sided Fisher's exact test p-value of ok vs not-ok between the groups, and after correction. */
  readonly pValue: number;
  readonly pAdjusted: number;
  /** `holm` (the correction used across every comparison of the run). */
  readonly correction: 'holm' | 'benjamini-hochberg';
}
