// Text that others wrote (a node's inventory, a joiner's endpoint, a server's message) on its
// way to a person's terminal. A terminal obeys control characters: ESC starts sequences that
// move the cursor, clear the screen, set the window title (OSC) or write the clipboard, and C1
// controls (U+0080-U+009F, e.g. CSI U+009B) do the same on many terminals. So they are shown
// escaped, `\x1b`, never sent raw. Bidirectional overrides and line separators, which reorder
// or break what is shown, are escaped too (`\u202e`).

/** C0 controls, DEL and C1 controls: what the API refuses in text a node or joiner writes. */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern is for: finding them
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

// eslint-disable-next-line no-control-regex -- control characters are what this pattern is for: finding them
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- control characters are what this pattern is for: finding them
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character (C0, DEL, C1) and every bidirectional or line-separating
 * format character written as an escape: `\x1b`, `\x9b`, `\u202e`. Everything else is kept.
 * With `keepNewlines`, '\n' stays a line break (for whole blocks of output whose fields were
 * already escaped); otherwise it is `\x0a`, so one field stays on one line.
 */
export function escapeControlCharacters(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines === true ? UNSAFE_BUT_NEWLINE : UNSAFE, (character) => {
    const code = character.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
