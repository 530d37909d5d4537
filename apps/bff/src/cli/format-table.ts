/** Plain aligned columns for the CLI's list commands. */

// Stored text could have been hand-edited; never let it move the cursor or forge lines.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

export function formatTable(headers: string[], rows: string[][]): string {
  const clean = rows.map((row) => row.map((cell) => cell.replace(CONTROL_CHARACTERS, "?")));
  const widths = headers.map((header, column) => Math.max(header.length, ...clean.map((row) => (row[column] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[render(headers), ...clean.map(render)].join("\n")}\n`;
}
