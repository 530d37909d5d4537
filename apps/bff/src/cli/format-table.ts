/** Plain aligned columns for the CLI's list commands. */
import { replaceForbiddenTextCharacters } from "@gatehouse/auth-core";

export function formatTable(headers: string[], rows: string[][]): string {
  // Stored text could have been hand-edited; never let it move the cursor, forge lines or reorder text.
  const clean = rows.map((row) => row.map((cell) => replaceForbiddenTextCharacters(cell, "?")));
  const widths = headers.map((header, column) => Math.max(header.length, ...clean.map((row) => (row[column] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[render(headers), ...clean.map(render)].join("\n")}\n`;
}
