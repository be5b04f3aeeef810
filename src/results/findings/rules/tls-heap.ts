/**
 * Rule: TLS attempts that could not allocate mbedTLS's memory (tls.alloc: OSError(ENOMEM) or
 * MemoryError), with the heap the probe measured before them against the heap before successful
 * handshakes (root-causes.md bug 2's confounder, micropython#9071: "standalone vs IDE" can be
 * memory as well as the clock).
 */
import { Range } from '../aggregate.js';
import { evidenceOf, type CellView, type Rule } from '../draft.js';
import { bytes, countWithRate, plural } from '../numbers.js';

const sum = (cells: readonly CellView[], of: (cell: CellView) => number): number => cells.reduce((total, cell) => total + of(cell), 0);

function rangeText(range: Range): string {
  if (range.min === null || range.max === null) return 'not measured';
  return range.min === range.max ? bytes(range.min) : `${bytes(range.min)} to ${bytes(range.max)}`;
}

export const tlsHeap: Rule = (input) => {
  const cells = input.cells.filter((cell) => cell.aggregate.alloc > 0);
  if (cells.length === 0) return [];
  const alloc = sum(cells, (cell) => cell.aggregate.alloc);
  const tlsAttempts = sum(cells, (cell) => (cell.facets.certs === null ? 0 : cell.aggregate.attempts));
  const atFailure = new Range();
  const atSuccess = new Range();
  for (const cell of cells) atFailure.merge(cell.aggregate.memFreeAtAlloc);
  for (const cell of input.cells) atSuccess.merge(cell.aggregate.memFreeAtSuccess);
  const explanation = [
    `${countWithRate(alloc, tlsAttempts)} TLS attempts in ${plural(cells.length, 'cell')} failed to allocate mbedTLS's memory (tls.alloc: OSError(ENOMEM) or MemoryError); gc.mem_free() before them was ${rangeText(atFailure)}.`,
    atSuccess.count === 0 ? 'No handshake of this run succeeded, so there is no heap measurement to compare with.' : `Before the run's successful handshakes it was ${rangeText(atSuccess)}.`,
    'mbedTLS on MicroPython takes a 16 KiB input and a 4 KiB output record buffer per connection plus the handshake\'s certificates and keys from the same heap.',
  ];
  const lower = atFailure.max !== null && atSuccess.min !== null && atFailure.max < atSuccess.min;
  const caveats: string[] = [];
  if (atFailure.count === 0) caveats.push('The probe measured no heap before these failures, so the heap cannot be confirmed as the cause.');
  else if (!lower && atSuccess.count > 0) {
    caveats.push('Some failures had as much free heap as successful handshakes: gc.mem_free() is the total free, not the largest free block, so fragmentation is the likelier cause there.');
  }
  return [
    {
      id: 'tls-heap',
      title: lower ? 'TLS fails to allocate memory when the heap is low' : 'TLS fails to allocate memory (heap exhausted or fragmented)',
      kind: 'note',
      explanation,
      advice: [
        'Free the heap before the handshake: `gc.collect()` right before wrapping the socket, drop large buffers and close earlier sockets (an unclosed TLS socket keeps its buffers).',
        'Load the CA as DER bytes rather than PEM or base64 text, and import the TLS module early, before the heap fragments; `micropython.mem_info()` at the failure shows the largest free block.',
      ],
      caveats,
      evidence: cells.map((cell) =>
        evidenceOf(
          cell.aggregate,
          cell.aggregate.alloc,
          { memFreeMinAtFailure: cell.aggregate.memFreeAtAlloc.min, memFreeMaxAtFailure: cell.aggregate.memFreeAtAlloc.max, memFreeMinAtSuccess: cell.aggregate.memFreeAtSuccess.min },
          'alloc',
        ),
      ),
    },
  ];
};
