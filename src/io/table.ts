import { escapeControls, type Text } from './output.js';

/**
 * A plain-text table as mix prints them: each column padded to its widest cell plus two
 * spaces. Cells are laid out escaped (a tab, newline or escape sequence from the registry
 * would break the columns or drive the terminal); only the headers get a style.
 */
export function renderTable(headers: string[], rows: string[][], underline?: (text: Text) => Text): Text[] {
  const cells = rows.map((r) => r.map((c) => escapeControls(c, false)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const pad = (cell: string, i: number) => ' '.repeat(widths[i]! - cell.length + 2);
  const head = headers.map((h, i) => [underline ? underline(h) : h, i < headers.length - 1 ? pad(h, i) : '']);
  return [head, ...cells.map((r) => r.map((c, i) => c + pad(c, i)).join('').trimEnd())];
}
