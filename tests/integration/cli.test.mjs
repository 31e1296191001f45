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

// Which endpoints are charged at what, and which are not counted at all.
test('prices check lists each endpoint\'s price and exits 1 when one has none', async () => {
  const priced = writeConfig(`
pricing:
  openai:
    house-model: {input: 0.5, output: 1.5, cached_input: 0.05}
endpoints:
  - {name: chat, endpoint_type: llm/v1/chat, model: {provider: openai, name: gpt-4o-2024-08-06, config: {openai_api_key: k}}}
  - {name: house, endpoint_type: llm/v1/chat, model: {provider: openai, name: house-model, config: {openai_api_key: k}}}
`);
  const ok = await runSluice(['prices', 'check', '-c', priced]);
  assert.equal(ok.code, 0, ok.stderr);
  const lines = ok.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^chat\topenai\tgpt-4o-2024-08-06\tUSD per 1M tokens: input 2\.5, output 10/);
  assert.equal(lines[1], 'house\topenai\thouse-model\tUSD per 1M tokens: input 0.5, output 1.5, cached_input 0.05');
  const unpriced = writeConfig(`
endpoints:
  - {name: local, endpoint_type: llm/v1/chat, model: {provider: ollama, name: llama3.2, config: {api_base: "http://127.0.0.1:1"}}}
`);
  const missing = await runSluice(['prices', 'check', '-c', unpriced]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^local\tollama\tllama3\.2\tno price: its cost is not counted; add it under pricing\.ollama\n$/);
  assert.match(missing.stderr, /1 of 1 endpoints have no price/);
});
