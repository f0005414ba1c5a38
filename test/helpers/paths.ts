// Where tests find the repository, the built CLI and the shared conformance data, from dist/test/... or test/...
import { join, resolve } from 'node:path';
import { repoRoot } from '../../harness/paths.js';

export const ROOT = repoRoot();
export const CLI = join(ROOT, 'bin', 'faultline.js');
/** ../shared/conformance/porcupine beside the clone, unless FAULTLINE_CONFORMANCE_DIR says otherwise. */
export const CONFORMANCE_DIR =
  process.env.FAULTLINE_CONFORMANCE_DIR ?? resolve(ROOT, '..', 'shared', 'conformance', 'porcupine');
/** ../shared/conformance/elle beside the clone: Elle's and elle-cli's histories with Elle's verdicts. */
export const ELLE_CONFORMANCE_DIR =
  process.env.FAULTLINE_ELLE_CONFORMANCE_DIR ?? resolve(ROOT, '..', 'shared', 'conformance', 'elle');
