/** A plain-text table as mix prints them: each column padded to its widest cell plus two spaces. */
export function renderTable(headers: string[], rows: string[][], underline?: (text: string) => string): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], style = (s: string) => s) =>
    cells.map((c, i) => style(c) + ' '.repeat(widths[i]! - c.length + 2)).join('').trimEnd();
  return [line(headers, underline), ...rows.map((r) => line(r))];
}
