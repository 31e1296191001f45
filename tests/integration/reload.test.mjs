// Hot reload: SIGHUP and file changes swap the config atomically; a bad file keeps the old one;
// requests in flight across twenty reloads all succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import { post, sseData, stopCleanly } from './helpers.mjs';
import { startSluice, eventually } from '../support/sluice.mjs';

const config = (names, text = 'v1') => `
endpoints:
${names.map((n) => `  - name: ${n}
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: ${n}-model, config: {text: "${text}", chunk_delay_ms: 2}}
`).join('')}`;

// Replaces the file atomically, as editors and config management do.
function rewrite(path, yaml) {
  writeFileSync(path + '.tmp', yaml);
  renameSync(path + '.tmp', path);
}

const names = async (gw) => (await (await fetch(gw.url + '/api/2.0/endpoints/')).json()).endpoints.map((e) => e.name).sort();

test('a changed file is picked up; a broken one is refused and the old config kept', async () => {
  const gw = await startSluice(config(['one']));
  try {
    const path = gw.configPath;
    rewrite(path, config(['one', 'two']));
    await eventually(async () => (await names(gw)).length === 2, 5000, 'reload after file change');
    assert.deepEqual(await names(gw), ['one', 'two']);
    rewrite(path, 'endpoints:\n  - name: broken\n');
    await eventually(() => /reload \(file changed\) failed/.test(gw.stderr()), 5000, 'failed reload logged');
    assert.deepEqual(await names(gw), ['one', 'two']);
    const res = await post(gw, '/v1/chat/completions', { model: 'two', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  } finally {
    await stopCleanly(gw);
  }
});

test('SIGHUP reloads', async () => {
  const gw = await startSluice(config(['one']) + 'server: {watch_config: false}\n');
  try {
    rewrite(gw.configPath, config(['three']) + 'server: {watch_config: false}\n');
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(await names(gw), ['one'], 'no watching when watch_config is false');
    process.kill(gw.pid, 'SIGHUP');
    await eventually(async () => (await names(gw)).join() === 'three', 3000, 'reload after SIGHUP');
  } finally {
    await stopCleanly(gw);
  }
});

test('twenty reloads under a loop of streams and non-streams: no failed request', async () => {
  const gw = await startSluice(config(['stable'], 'v0'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let stop = false;
  const failures = [];
  let done = 0;
  const call = (stream) => new Promise((resolve) => {
    const req = http.request(gw.url + '/v1/chat/completions', { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`);
        else if (stream) {
          const data = sseData(text);
          const content = data.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join('');
          // one snapshot per request: the text is wholly one version, never a mix
          if (data.at(-1) !== '[DONE]' || !/^v\d+$/.test(content)) failures.push(`stream: ${text}`);
        } else if (!/^v\d+$/.test(JSON.parse(text).choices[0].message.content)) failures.push(text);
        done++;
        resolve();
      });
    });
    req.on('error', (e) => { failures.push(String(e)); resolve(); });
    req.end(JSON.stringify({ model: 'stable', stream, messages: [{ role: 'user', content: 'x' }] }));
  });
  const loops = Array.from({ length: 6 }, (_, i) => (async () => { while (!stop) await call(i % 2 === 0); })());
  try {
    for (let v = 1; v <= 20; v++) {
      rewrite(gw.configPath, config(['stable', `extra${v}`], `v${v}`));
      await eventually(async () => (await names(gw)).includes(`extra${v}`), 5000, `reload ${v}`);
    }
  } finally {
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    await stopCleanly(gw);
  }
  assert.deepEqual(failures, []);
  assert.ok(done > 100, `only ${done} requests ran`);
  assert.equal((gw.stderr().match(/reloaded/g) ?? []).length >= 20, true);
});

test('POST /admin/reload with the admin key reloads, or returns the validation error', async () => {
  const admin = 'admin-key-for-tests-0123456789';
  const auth = `auth: {admin_key: "\${{ secrets.TEST_ADMIN_KEY }}"}\nserver: {watch_config: false}\n`;
  const gw = await startSluice(config(['one']) + auth, { env: { TEST_ADMIN_KEY: admin } });
  const reload = (key) => fetch(gw.url + '/admin/reload', { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {} });
  try {
    const none = await reload(null);
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error.type, 'authentication_error');
    const wrong = await reload('admin-key-for-tests-0123456780');
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
    rewrite(gw.configPath, config(['one', 'four']) + auth);
    const ok = await reload(admin);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { status: 'reloaded', endpoints: 2, routes: 0 });
    assert.deepEqual(await names(gw), ['four', 'one']);
    rewrite(gw.configPath, 'endpoints:\n  - name: broken\n' + auth);
    const bad = await reload(admin);
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /config\.yaml:2:5: .*is required/);
    assert.deepEqual(await names(gw), ['four', 'one']);
  } finally {
    await stopCleanly(gw);
  }
  const open = await startSluice(config(['one']));
  try {
    const res = await fetch(open.url + '/admin/reload', { method: 'POST' });
    assert.equal(res.status, 404, 'no admin key configured: no admin API');
    await res.arrayBuffer();
  } finally {
    await stopCleanly(open);
  }
});
