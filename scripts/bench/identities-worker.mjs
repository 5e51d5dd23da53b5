// Worker thread of identities.mjs: keys and CSRs for the names it is given.
import { parentPort, workerData } from 'node:worker_threads';
import { createCsr, exportPrivateKeyPem, generateNodeKeyPair } from '@otherix/sdk/pki';

const out = [];
await Promise.all(
  Array.from({ length: 8 }, async (_, lane) => {
    for (let i = lane; i < workerData.names.length; i += 8) {
      const name = workerData.names[i];
      const keys = await generateNodeKeyPair();
      out.push({ name, csrPem: await createCsr(keys, name), keyPem: await exportPrivateKeyPem(keys) });
    }
  }),
);
parentPort.postMessage(out);
