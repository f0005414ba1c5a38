// JUnit XML for CI (the de-facto schema Jenkins, GitLab and the GitHub test-report actions read: testsuites >
// testsuite > testcase, with <failure> for an assertion that did not hold and <error> for a test that could not
// decide). One testcase per run or per checked file: invalid is a failure whose message names the offending
// operation; unknown, and a run that itself failed, are errors with the reason.
import { writeFileAtomic } from '../store/files.js';
import type { Validity } from '../checker/results.js';

export interface JunitCase {
  /** Test name (results/<name>/...), or the file checked. */
  classname: string;
  name: string;
  timeS: number;
  /** 'error': the run itself failed (exit 3). */
  verdict: Validity | 'error';
  /** Failure or error message: the offending operation, or why it is unknown. */
  message?: string;
  /** Longer text inside the element (the run folder, the command that reruns it). */
  details?: string;
}

const NON_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NOT_XML = new RegExp(`${NON_XML_CHAR.source}|${LONE_SURROGATE.source}`, 'g');

/** Text safe in XML 1.0: markup escaped, characters XML cannot hold (most C0 controls, lone surrogates) replaced. */
export function xmlText(s: string): string {
  return s
    .replace(NOT_XML, '\ufffd')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const secs = (t: number): string => (Number.isFinite(t) ? Math.max(0, t).toFixed(3) : '0');

export function junitXml(suite: string, cases: readonly JunitCase[], timestamp = new Date()): string {
  const failures = cases.filter((c) => c.verdict === false).length;
  const errors = cases.filter((c) => c.verdict === 'unknown' || c.verdict === 'error').length;
  const total = cases.reduce((a, c) => a + (Number.isFinite(c.timeS) ? c.timeS : 0), 0);
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(total)}"`;
  const body = cases
    .map((c) => {
      const open =
        `    <testcase classname="${xmlText(c.classname)}"` + ` name="${xmlText(c.name)}" time="${secs(c.timeS)}"`;
      const inner = c.details ? xmlText(c.details) : '';
      if (c.verdict === true)
        return `${open}>${c.details ? `\n      <system-out>${inner}</system-out>\n    ` : ''}</testcase>`;
      const tag = c.verdict === false ? 'failure' : 'error';
      const type = c.verdict === false ? 'invalid' : c.verdict === 'unknown' ? 'unknown' : 'run-error';
      const msg = c.message ?? (c.verdict === false ? 'invalid' : 'unknown');
      return `${open}>\n      <${tag} message="${xmlText(msg)}" type="${type}">${inner}</${tag}>\n    </testcase>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="faultline" ${counts}>
  <testsuite name="${xmlText(suite)}" ${counts} timestamp="${timestamp.toISOString().replace(/\.\d+Z$/, '')}">
${body}
  </testsuite>
</testsuites>
`;
}

export function writeJunit(path: string, suite: string, cases: readonly JunitCase[]): void {
  writeFileAtomic(path, junitXml(suite, cases));
}
