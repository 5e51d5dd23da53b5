/** Everything a command prints on stdout goes through here, one trailing newline. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
