// Loaded into a child process with `node --import` (crashAtEnv below puts it in NODE_OPTIONS):
// installs a write-step observer that exits the process with CRASH_EXIT_CODE at the step named by
// OTHERIX_TEST_CRASH_AT, as kill -9 would. The packages ship no such hook; only the tests load it.
import { observeWriteSteps } from '@otherix/sdk/internal';
import { CRASH_EXIT_CODE } from './crash-points.js';

const target = process.env['OTHERIX_TEST_CRASH_AT'];
if (target !== undefined && target !== '') {
  observeWriteSteps((step) => {
    if (step === target) process.exit(CRASH_EXIT_CODE);
  });
}
