// The last line of a page when a cursor remains: the exact command that fetches the next one,
// repeating the flags that shaped this page.

export function nextPageLine(
  command: string,
  flags: readonly (readonly [string, string | number | true | undefined])[],
  cursor: string,
  limit: number | undefined,
): string {
  const parts = [`otherix ${command}`];
  for (const [flag, value] of flags) {
    if (value === undefined) continue;
    parts.push(value === true ? `--${flag}` : `--${flag} ${shellWord(String(value))}`);
  }
  // An opaque cursor may start with '-', which a parser would take for a flag: glue it on.
  parts.push(cursor.startsWith('-') ? `--cursor=${shellWord(cursor)}` : `--cursor ${shellWord(cursor)}`);
  if (limit !== undefined) parts.push(`--limit ${limit}`);
  return `Next page: ${parts.join(' ')}`;
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_.:=@%+,/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
