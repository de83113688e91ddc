// hf-encode.js TOKENIZER < records.jsonl: each record's "text" encoded by
// Hugging Face's tokenizers (@anush008/tokenizers), one JSON array of ids a line.
const path = require("path");
const top = process.env.TOP || ".";
const { Tokenizer } = require(path.join(top, "build/deps/npm/node_modules/@anush008/tokenizers"));
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.length);
(async () => {
	const tok = Tokenizer.fromFile(process.argv[2]);
	for (const l of lines) {
		const enc = await tok.encode(JSON.parse(l).text, null, { addSpecialTokens: false });
		console.log(JSON.stringify(Array.from(enc.getIds())));
	}
})();
