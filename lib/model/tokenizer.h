/* tokenizer.h — byte-level BPE tokenizer loaded from a Hugging Face tokenizer.json.
 *
 * Supports what Qwen2/Qwen3 and GPT-2 style tokenizers use: BPE merges in both
 * published forms ("a b" strings and [a, b] pairs), added and special tokens, NFC
 * normalisation, the Split pre-tokenizer regex (PCRE2 with Unicode properties),
 * ByteLevel pre-tokenization and decoding. Ids match Hugging Face's tokenizers.
 *
 * A loaded tokenizer is immutable: every call below is safe from many threads on one
 * shared const tokenizer. */
#ifndef LS_TOKENIZER_H
#define LS_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>

typedef struct tokenizer tokenizer;

/* Load a Hugging Face tokenizer.json. NULL with a message in err on failure. */
tokenizer *tok_load(const char *path, char *err, size_t errsz);
void tok_free(tokenizer *t);
/* Encode UTF-8 text. Added/special tokens that appear literally in the text are matched
 * (as HF does). add_special: prepend/append what the post-processor adds (none for Qwen3).
 * Returns the number of ids written to a malloc'd *ids, or -1 (invalid UTF-8 etc.). Thread-safe
 * on a shared const tokenizer. */
long tok_encode(const tokenizer *t, const char *text, size_t len, int add_special, int32_t **ids);
/* Split text as tok_encode does before BPE (added tokens, NFC, the pre-tokenizer) and
 * call piece with each piece's raw bytes; added tokens are left out. For learning a
 * vocabulary (lib/train/bpe). 0, or -1 on invalid UTF-8. */
int tok_pieces(const tokenizer *t, const char *text, size_t len,
	       void (*piece)(void *ctx, const char *s, size_t n), void *ctx);
/* Decode ids to a malloc'd NUL-terminated UTF-8 string (invalid byte sequences become U+FFFD as
 * HF does); skip_special drops special tokens. NULL on an out-of-range id. */
char *tok_decode(const tokenizer *t, const int32_t *ids, size_t n, int skip_special, size_t *len);
int32_t tok_token_id(const tokenizer *t, const char *token);	/* -1 if absent */
/* The bytes a token decodes to, alone (a piece of a UTF-8 sequence for some byte-level
 * tokens; an added token's content). NULL if out of range. */
const char *tok_token_bytes(const tokenizer *t, int32_t id, size_t *len);
const char *tok_token_str(const tokenizer *t, int32_t id);	/* NULL if out of range */
size_t tok_vocab_size(const tokenizer *t);
int tok_is_special(const tokenizer *t, int32_t id);

#endif
