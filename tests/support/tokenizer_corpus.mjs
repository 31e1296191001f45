// A seeded corpus of mixed text for checking sluice's tokenizer against js-tiktoken: code,
// prose in 15 languages, emoji sequences, numbers, contractions in every case, whitespace runs
// of every kind and random code points from the whole Unicode range (unassigned ones and
// combining marks included). The same seed always gives the same documents.

// mulberry32: small, fast, and good enough to mix fragments.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const prose = {
  en: "The gateway counts every token it forwards, and the platform team reads the bill at the end of the month. Don't panic: it's fine, we'll see, they're here, I've done it, you'd know.",
  de: "Die Straßenbahn fährt über die Brücke, während Schüler ihre Hausaufgaben in großen Heften übermäßig gründlich erledigen.",
  fr: "L'équipe a déjà vérifié où était la clé ; c'est là qu'on s'aperçoit que l'hôpital d'à côté n'a pas d'électricité.",
  es: "¿Dónde está la biblioteca? El niño comió piña y jalapeños mientras el señor leía un periódico añejo.",
  ru: "Съешь же ещё этих мягких французских булок да выпей чаю. Москва — столица России, а Байкал — самое глубокое озеро.",
  zh: "我们的网关在每个请求中统计令牌数量，平台团队在月底查看账单。天气很好，我们去公园散步吧。",
  ja: "東京の空はとても青いです。カタカナとひらがなを混ぜて書きます：コンピューター、ゲートウェイ、トークン。",
  ko: "안녕하세요, 오늘 날씨가 정말 좋네요. 게이트웨이는 모든 토큰을 정확하게 계산합니다.",
  ar: "مرحبا بالعالم. تقوم البوابة بحساب كل رمز يمر عبرها، ويقرأ الفريق الفاتورة في نهاية الشهر.",
  hi: "नमस्ते दुनिया। यह गेटवे हर टोकन की गिनती करता है, और टीम महीने के अंत में बिल पढ़ती है।",
  el: "Γειά σου κόσμε. Η πύλη μετράει κάθε διακριτικό που προωθεί, και η ομάδα διαβάζει τον λογαριασμό.",
  tr: "Çalışkan öğrenciler ığdır'dan İstanbul'a gittiler; şoför çok güzel şarkılar söyledi.",
  vi: "Tiếng Việt có nhiều dấu thanh: sắc, huyền, hỏi, ngã, nặng. Người ta đếm từng chữ một.",
  he: "שלום עולם. השער סופר כל אסימון שעובר דרכו, והצוות קורא את החשבון בסוף החודש.",
  th: "สวัสดีชาวโลก เกตเวย์นับทุกโทเค็นที่ส่งผ่าน และทีมงานอ่านบิลตอนสิ้นเดือน",
};

const code = [
  "int main(int argc, char** argv) {\n  std::vector<int> v{1, 2, 3};\n  for (auto& x : v) x *= 2;\n  return v.size() > 2 ? 0 : 1;\n}\n",
  "def tokenize(text: str) -> list[int]:\n    \"\"\"Split and merge.\"\"\"\n    return [ord(c) for c in text if c.isalnum()]\n\n\nif __name__ == '__main__':\n\tprint(tokenize('ABC'))\n",
  "const f = async (a, b) => { await fetch(`/v1/${a}?b=${b}`); return a ?? b; };\r\nexport default f;\r\n",
  "SELECT id, SUM(cost_usd) FROM ledger WHERE day >= '2026-01-01' GROUP BY id HAVING SUM(cost_usd) > 10.5;\n",
  "<div class=\"x\"><a href='https://example.com/a/b/c?d=1&e=2'>link</a></div>\n/* comment */ // line\n",
  "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 512}\n",
  "    if (x == 0x1F600 || y <= -3.14e+10) { z = a[i++] >> 2; }\n\n\n        \t\t  \n",
];

const emoji = ["😀", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🇩🇪", "🇯🇵", "🏳️‍🌈", "❤️", "✨", "🔥", "🤖", "1️⃣", "🧑🏿‍🚀"];
const whitespace = [" ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\u00a0", "\u3000", "\u2003", "\u2028", "\ufeff", "\u0085", "\v\f", "      \n\t  "];
const contractions = ["'s", "'S", "'t", "'T", "'re", "'RE", "'rE", "'ve", "'Ve", "'m", "'M", "'ll", "'LL", "'lL", "'d", "'D", "'x", "'"];
const numbers = ["0", "42", "1234567", "3.14159", "1,000,000", "٣٤٥", "१२३", "Ⅻ", "½", "²³", "00007"];

function randomCodePoint(r) {
  for (;;) {
    const pick = r();
    // Mostly the Basic Multilingual Plane, sometimes anything up to U+10FFFF.
    const cp = pick < 0.8 ? Math.floor(r() * 0x10000) : Math.floor(r() * 0x110000);
    if (cp >= 0xd800 && cp <= 0xdfff) continue;  // surrogates cannot be encoded as UTF-8
    return String.fromCodePoint(cp);
  }
}

function proseWords(r) {
  const langs = Object.keys(prose);
  const text = prose[langs[Math.floor(r() * langs.length)]];
  const start = Math.floor(r() * text.length);
  return text.slice(start, start + 5 + Math.floor(r() * 80));
}

function fragment(r) {
  const k = r();
  const pick = (list) => list[Math.floor(r() * list.length)];
  if (k < 0.35) return proseWords(r);
  if (k < 0.5) return pick(code);
  if (k < 0.58) return pick(emoji);
  if (k < 0.68) return pick(whitespace).repeat(1 + Math.floor(r() * (r() < 0.1 ? 200 : 3)));
  if (k < 0.74) return pick(["dont", "WE", "Ok", "camelCaseWord", "HTTPServer", "iPhone", "A"]) + pick(contractions);
  if (k < 0.8) return pick(numbers);
  if (k < 0.84) return pick(["<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|im_start|>"]);
  if (k < 0.86) return "a".repeat(1 + Math.floor(r() * 300));
  let s = "";
  const n = 1 + Math.floor(r() * 12);
  for (let i = 0; i < n; i++) s += randomCodePoint(r);
  return s;
}

// Documents of 200 B – 8 KiB until `bytes` UTF-8 bytes are reached.
export function corpus(seed, bytes) {
  const r = rng(seed);
  const docs = [];
  let total = 0;
  while (total < bytes) {
    const target = 200 + Math.floor(r() * 8000);
    let doc = "";
    while (doc.length < target) doc += fragment(r);
    docs.push(doc);
    total += Buffer.byteLength(doc, "utf8");
  }
  return docs;
}
