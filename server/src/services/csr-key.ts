// The key of a CSR a join or a renewal sends: taken once its signature proves possession, nothing
// else of the CSR is used. A CSR that does not parse, is not signed by its key or is not P-384 is
// the request's fault: `validation_failed` on `csr_pem`, with the SDK's code as its problem.
import { isOtherixError } from '@otherix/sdk';
import { verifyCsrAsync } from '@otherix/sdk/pki';
import { HttpError } from '../errors.js';

/** The CSR's public key (SPKI DER). The signature check runs on the thread pool, beside the leaf signatures. */
export async function verifiedCsrKey(csrPem: string): Promise<Buffer> {
  try {
    return (await verifyCsrAsync(csrPem)).spkiDer;
  } catch (error) {
    if (
      isOtherixError(error, 'invalid_csr') ||
      isOtherixError(error, 'csr_signature_invalid') ||
      isOtherixError(error, 'unsupported_key')
    ) {
      throw new HttpError('validation_failed', `csr_pem: ${error.message}`, {
        field: 'csr_pem',
        problem: error.code,
        ...(error.details ?? {}),
      });
    }
    throw error;
  }
}
