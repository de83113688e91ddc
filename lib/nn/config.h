/* nn/config.h — a decoder's hyperparameters, from a Hugging Face config.json.
 *
 * Supported: model_type "llama" and "qwen3" (Llama-style decoders: RMSNorm,
 * rotary embeddings in the half-rotation layout, grouped-query attention,
 * SwiGLU MLP; Qwen3 adds an RMSNorm per head on q and k). Anything the forward
 * pass does not implement (attention biases, sliding windows, rope scaling
 * other than "llama3", activations other than silu) is refused with a
 * message, never silently ignored. */
#ifndef LS_NN_CONFIG_H
#define LS_NN_CONFIG_H
#include <stddef.h>
#include <stdint.h>

typedef enum { NN_LLAMA, NN_QWEN3 } nn_arch;

#define NN_MAX_EOS 8

typedef struct {
	nn_arch arch;
	int dim;		/* hidden_size: D */
	int n_layers;		/* num_hidden_layers: L */
	int n_heads;		/* num_attention_heads: H */
	int n_kv_heads;		/* num_key_value_heads: KV (H % KV == 0) */
	int head_dim;		/* head_dim: hd (default D / H) */
	int hidden_dim;		/* intermediate_size: F */
	int vocab_size;		/* vocab_size: V */
	int max_seq;		/* max_position_embeddings */
	float rope_theta;
	float norm_eps;		/* rms_norm_eps */
	int tied;		/* tie_word_embeddings */
	int qk_norm;		/* Qwen3's q_norm/k_norm */
	/* rope_scaling {"rope_type": "llama3", ...}; factor 0 when absent */
	float rope_factor, rope_low_freq, rope_high_freq;
	int rope_orig_max;
	int bos_id;		/* -1 if none */
	int n_eos, eos_ids[NN_MAX_EOS];
} nn_config;

/* Parse config.json text. 0, or -1 with a message in err. */
int nn_config_parse(nn_config *c, const char *json, size_t len, char *err, size_t errsz);
/* Read DIR/config.json (and eos ids from DIR/generation_config.json if present). */
int nn_config_load(nn_config *c, const char *dir, char *err, size_t errsz);
/* config.json text for c (malloc'd), as Hugging Face writes it. */
char *nn_config_json(const nn_config *c);
/* Sanity of the numbers (positive sizes, H % KV, ...). */
int nn_config_check(const nn_config *c, char *err, size_t errsz);
const char *nn_arch_name(nn_arch a);

#endif
