/* nn/model.h — a Llama/Qwen3 decoder: weights, KV cache, forward pass.
 *
 * All parameters live in one allocation (m->params, fp32) with named views
 * into it, in the order Hugging Face names them; one load fills it, one free
 * releases it. The forward pass runs T tokens at once (a prompt's prefill) or
 * one at a time (decoding), appending their keys and values to an nn_state.
 *
 *	nn_model *m = nn_model_load("models/tiny", &nn_cpu_ops, err, sizeof err);
 *	nn_state *s = nn_state_new(m, 0);
 *	nn_forward(m, s, ids, n, logits, 0);	// logits[V] of the last token
 *	...
 *	nn_state_free(m, s); nn_model_free(m);
 */
#ifndef LS_NN_MODEL_H
#define LS_NN_MODEL_H
#include <stddef.h>
#include <stdint.h>
#include "nn/config.h"
#include "nn/ops.h"

/* The linear layers of a block, in PEFT's module names. */
typedef enum { NN_Q, NN_K, NN_V, NN_O, NN_GATE, NN_UP, NN_DOWN, NN_NLIN } nn_linear;
extern const char *const nn_linear_names[NN_NLIN];	/* "q_proj", ... */
extern const char *const nn_linear_parent[NN_NLIN];	/* "self_attn" or "mlp" */

typedef struct {
	float *attn_norm;	/* [D]        input_layernorm */
	float *w[NN_NLIN];	/* q [H*hd, D], k/v [KV*hd, D], o [D, H*hd],
				 * gate/up [F, D], down [D, F] */
	float *q_norm, *k_norm;	/* [hd] Qwen3 only, else NULL */
	float *mlp_norm;	/* [D]        post_attention_layernorm */
} nn_layer;

struct nn_lora;

typedef struct nn_model {
	nn_config c;
	const nn_ops *ops;
	float *params;		/* every weight below, one allocation */
	size_t n_params;
	float *embed;		/* [V, D]  model.embed_tokens */
	nn_layer *layers;	/* [L] */
	float *final_norm;	/* [D]     model.norm */
	float *lm_head;		/* [V, D]  == embed when tied */
	float *inv_freq;	/* [hd/2]  rotary frequencies */
	const struct nn_lora *lora;	/* applied unmerged in the forward pass; not owned */
} nn_model;

/* One named tensor of the model, for loading, saving and initialising. */
typedef struct {
	char name[96];
	int ndim;
	int64_t shape[2];
	float *data;
} nn_tensor;

/* A model with zeroed weights for config c. */
nn_model *nn_model_new(const nn_config *c, const nn_ops *ops, char *err, size_t errsz);
/* Load a Hugging Face model directory (config.json + model.safetensors or
 * shards with model.safetensors.index.json; F32, F16 or BF16). */
nn_model *nn_model_load(const char *dir, const nn_ops *ops, char *err, size_t errsz);
/* Write config.json and the weights in dtype (ST_F32, ST_F16, ST_BF16); with
 * shard_bytes > 0, split into model-0000K-of-0000N.safetensors + index. */
int nn_model_save(const nn_model *m, const char *dir, int dtype, size_t shard_bytes,
		  char *err, size_t errsz);
/* Random weights: linear and embedding ~ N(0, std^2), norm weights 1 + N(0, 0.1^2)
 * (not exactly 1, so tests see them work). */
void nn_model_init_random(nn_model *m, uint64_t seed, float std);
void nn_model_free(nn_model *m);
/* The model's tensors in Hugging Face order; *n set; malloc'd array. */
nn_tensor *nn_model_tensors(const nn_model *m, int *n);
/* Shape of linear `which`: out x in. */
void nn_linear_shape(const nn_config *c, nn_linear which, int *out, int *in);

/* Activations and KV cache for one sequence. */
typedef struct nn_state {
	int pos;		/* tokens in the cache */
	int cap;		/* positions allocated */
	float **k, **v;		/* [L] -> [cap, KV*hd] */
	int scratch_T;		/* tokens the scratch buffers hold */
	float *x, *xn;		/* [T, D] residual stream, normed */
	float *q, *att;		/* [T, H*hd] */
	float *kk, *vv;		/* [T, KV*hd] this call's keys and values */
	float *h1, *h2;		/* [T, F] gate, up */
	float *lora_tmp;	/* [T, rmax] */
	int lora_cap;
	int *ids;		/* [T] */
} nn_state;

/* cap > 0 allocates the cache for that many positions now; it grows on
 * demand either way. NULL when out of memory. */
nn_state *nn_state_new(const nn_model *m, int cap);
void nn_state_reset(nn_state *s);	/* forget the sequence, keep the memory */
void nn_state_free(const nn_model *m, nn_state *s);

/* Run tokens[0..T) at positions s->pos.. and append to the cache. logits gets
 * [T, V] when all_logits, else [V] for the last token (it may be NULL to only
 * fill the cache). Returns 0, or -1 with err set (bad token id, out of memory,
 * past max_position_embeddings). */
int nn_forward(const nn_model *m, nn_state *s, const int32_t *tokens, int T, float *logits,
	       int all_logits, char *err, size_t errsz);

#endif
