import { Styled, escapeControls, type Text } from './output.js';

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

/** A table cell: text, or text in one style (mix colours whole cells). */
export type Cell = string | Styled;

/**
 * renderTable with styled cells, as mix's print_table lays them out: widths from the text
 * alone, headers underlined. Cells are escaped as in renderTable, the style kept.
 */
export function renderStyledTable(headers: string[], rows: Cell[][], underline: (text: Text) => Styled): Text[] {
  const clean = (c: Cell): Cell => (typeof c === 'string' ? escapeControls(c, false) : new Styled(c.style, escapeControls(String(c), false)));
  const cells = rows.map((r) => r.map(clean));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  const line = (row: Text[], texts: string[]) => row.map((c, i) => (i < row.length - 1 ? [c, ' '.repeat(widths[i]! - texts[i]!.length + 2)] : c));
  return [line(headers.map((h) => underline(h)), headers), ...cells.map((r) => line(r, r.map(String)))];
}
