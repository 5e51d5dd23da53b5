/** `--output json`: the API's response body, unchanged. */
export function renderJson(body: unknown): string {
  return JSON.stringify(body, null, 2);
}
