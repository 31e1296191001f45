// The command line: version, check-config (valid and invalid files), serve flags and --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSluice, writeConfig } from '../support/sluice.mjs';

test('version prints the version', async () => {
  const r = await runSluice(['version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^sluice \d+\.\d+\.\d+/);
});

test('--help for each command', async () => {
  for (const args of [['--help'], ['serve', '--help'], ['check-config', '--help']]) {
    const r = await runSluice(args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage|OPTIONS|Options/);
  }
});

test('check-config lists the endpoints of a valid file', async () => {
  const path = writeConfig(`
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: $KEY_FOR_TEST}}
    limit: {renewal_period: minute, calls: 10}
`);
  const r = await runSluice(['check-config', path], { KEY_FOR_TEST: 'sk-should-never-print-0000' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /chat\s+llm\/v1\/chat\s+openai\/gpt-4o-mini\s+limit 10\/minute/);
  assert.ok(!r.stdout.includes('sk-should-never-print'));
});

test('check-config fails with file:line:col and the reason', async () => {
  const path = writeConfig(`
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: $MISSING_VAR_FOR_TEST}}
`);
  const r = await runSluice(['check-config', path]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /config\.yaml:5:\d+: .*MISSING_VAR_FOR_TEST.* is not set/);
});

test('serve refuses an invalid config with exit 1', async () => {
  const path = writeConfig('endpoints:\n  - name: x\n    endpoint_type: llm/v1/chat\n    modle: {}\n');
  const r = await runSluice(['serve', '--config', path, '--port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /:4:5: .*unknown key 'modle'/);
});
