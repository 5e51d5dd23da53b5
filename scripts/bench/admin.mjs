// Admin API calls for setting up the phases (minting tokens, reading nodes), over one pinned pool.
import { Pool } from 'undici';

export function adminClient(cp) {
  const pool = new Pool(cp.url, { connections: 4, connect: { ca: cp.caPem } });
  async function request(method, path, body) {
    const response = await pool.request({
      path,
      method,
      headers: { authorization: `Bearer ${cp.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    const parsed = text === '' ? undefined : JSON.parse(text);
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${parsed?.error?.code ?? ''} ${parsed?.error?.message ?? text}`);
    return parsed;
  }
  return { request, pool, close: () => pool.close() };
}
