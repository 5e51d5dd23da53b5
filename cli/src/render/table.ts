import { escapeControlCharacters } from '@otherix/sdk/internal';

/**
 * Columns aligned on the widest cell, separated by three spaces, header first. Each cell is
 * shown with its control characters escaped (a line break in a cell would forge a row).
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const safeRows = rows.map((row) => row.map((cell) => escapeControlCharacters(cell)));
  const widths = headers.map((header, column) => Math.max(header.length, ...safeRows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('   ')
      .trimEnd();
  return [line(headers), ...safeRows.map(line)].join('\n');
}
