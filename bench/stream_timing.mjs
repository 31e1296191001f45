// Times one streamed chat request, 20 times, and prints the medians in ms: first byte of the
// response body, first content token (the first `"content":" word` of the stream) and the end.
// First content is what a user waits for; the first byte alone can be a role-only chunk.
//   node bench/stream_timing.mjs URL MODEL
import http from 'node:http';

const [url, model] = process.argv.slice(2);
const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Say something short.' }] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function once() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    let first = null, content = null, seen = '';
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', (d) => {
        if (first === null) first = ms();
        if (content === null) {
          seen += d.toString();
          if (seen.includes('"content":" word')) content = ms();
        }
      });
      res.on('end', () => resolve([first, content, ms()]));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const runs = [];
await once();  // warm-up: connection and caches
for (let i = 0; i < 20; i++) runs.push(await once());
const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[10];
console.log([0, 1, 2].map((k) => median(k).toFixed(2)).join(' '));
agent.destroy();
