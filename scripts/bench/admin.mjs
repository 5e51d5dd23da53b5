// Admin API calls for setting up the phases (minting tokens, reading nodes), over one pinned pool.
import { Pool } from 'undici';

export function adminClient(cp) {
  const pool = new Pool(cp.url, { connections: 4, connect: { ca: cp.caPem } });
  /** The response as received: status and body text, the last byte read, nothing parsed yet. */
  async function exchange(method, path, body) {
    const response = await pool.request({
      path,
      method,
      headers: { authorization: `Bearer ${cp.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { method, path, statusCode: response.statusCode, text: await response.body.text() };
  }
  /** The parsed body of a 2xx; any other status throws with the CP's error. */
  function parse({ method, path, statusCode, text }) {
    const parsed = text === '' ? undefined : JSON.parse(text);
    if (statusCode >= 300)
      throw new Error(`${method} ${path}: ${statusCode} ${parsed?.error?.code ?? ''} ${parsed?.error?.message ?? text}`);
    return parsed;
  }
  const request = async (method, path, body) => parse(await exchange(method, path, body));
  return { request, exchange, parse, pool, close: () => pool.close() };
}
