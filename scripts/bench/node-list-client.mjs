// The node-list phase's client, in a process of its own: a fresh heap, so the earlier phases'
// garbage in bench.mjs (2,000 identities and connections, ~100k latencies) cannot put its GC
// pauses into the list latencies. Run as `node node-list-client.mjs <cpUrl> <dataDir>`; prints
// {latencies, allPagesMs, pages, nodes, cpuUs} (cpuUs: this process's CPU while measuring).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { adminClient } from './admin.mjs';
import { measureNodeList } from './node-list.mjs';

const [url, dataDir] = process.argv.slice(2);
const caPem = await readFile(path.join(dataDir, 'ca.crt'), 'utf8');
const adminToken = (await readFile(path.join(dataDir, 'admin.token'), 'utf8')).trim();
const admin = adminClient({ url, caPem, adminToken });
const before = process.cpuUsage();
const list = await measureNodeList(admin);
const used = process.cpuUsage(before);
await admin.close();
process.stdout.write(JSON.stringify({ ...list, cpuUs: used.user + used.system }));
