// Loaded into a child process with `node --import` (crashAtEnv below puts it in NODE_OPTIONS):
// installs a write-step observer that exits the process with CRASH_EXIT_CODE at the step named by
// OTHERIX_TEST_CRASH_AT, as kill -9 would; or (stopAtEnv) stops it with SIGSTOP at the step named
// by OTHERIX_TEST_STOP_AT, for the test to kill it there with a real signal (or let it go on with
// SIGCONT). The packages ship no such hook; only the tests load it.
import { observeWriteSteps } from '@otherix/sdk/internal';
import { CRASH_EXIT_CODE } from './crash-points.js';

const crashAt = process.env['OTHERIX_TEST_CRASH_AT'];
const stopAt = process.env['OTHERIX_TEST_STOP_AT'];
if ((crashAt !== undefined && crashAt !== '') || (stopAt !== undefined && stopAt !== '')) {
  observeWriteSteps((step) => {
    if (step === crashAt) process.exit(CRASH_EXIT_CODE);
    if (step === stopAt) process.kill(process.pid, 'SIGSTOP');
  });
}
