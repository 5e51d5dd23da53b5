// Everything a command prints on stdout goes through here, with one trailing newline.
import { escapeControlCharacters } from '@otherix/sdk/internal';
import { renderJson } from './render/json.js';

/**
 * Text for a person's terminal. The renderers escape each field a node, a joiner or a server
 * wrote (a line break in a field included); this escapes any control character left anywhere,
 * so none reaches the terminal raw. Line breaks between lines stay.
 */
export function print(text: string): void {
  process.stdout.write(escapeControlCharacters(text.endsWith('\n') ? text : `${text}\n`, { keepNewlines: true }));
}

/** `--output json`: the API's response body, unchanged (JSON escapes C0 controls itself). */
export function printJson(body: unknown): void {
  process.stdout.write(`${renderJson(body)}\n`);
}
