/* train/bpe.h — learning a byte-level BPE vocabulary, written as Hugging Face's
 * tokenizer.json.
 *
 * The tokenizer it writes is shaped like Qwen3's: NFC, the same Split regex
 * and ByteLevel pre-tokenizer and decoder, the 256 byte symbols first (in
 * GPT-2's byte-to-unicode order), then one token per merge, then the added
 * tokens <|endoftext|>, <|im_start|>, <|im_end|>. Learning: texts are split
 * into pieces with exactly that pre-tokenizer (lib/model/tokenizer's
 * tok_pieces), counted, and the most frequent adjacent pair of symbols is
 * merged until the vocabulary has the size asked for (ties: the lowest pair
 * of ids, so the result depends on nothing but the texts).
 *
 *	tr_bpe *b = tr_bpe_new(err, sizeof err);
 *	tr_bpe_add(b, text, len);		// every text
 *	tr_bpe_write(b, 4096, "out/tokenizer.json", err, sizeof err);
 */
#ifndef LS_TRAIN_BPE_H
#define LS_TRAIN_BPE_H
#include <stddef.h>

typedef struct tr_bpe tr_bpe;

tr_bpe *tr_bpe_new(char *err, size_t errsz);
/* Count the pieces of one text; -1 when it is not valid UTF-8. */
int tr_bpe_add(tr_bpe *b, const char *text, size_t len);
/* Learn merges until vocab_size tokens (bytes, merges and the 3 added tokens;
 * fewer when the texts run out of pairs) and write path. 0 or -1. */
int tr_bpe_write(tr_bpe *b, int vocab_size, const char *path, char *err, size_t errsz);
int tr_bpe_merges(const tr_bpe *b);	/* merges learnt by tr_bpe_write */
void tr_bpe_free(tr_bpe *b);

#endif
