/* nn/lora.h — LoRA adapters in PEFT's layout.
 *
 * A directory with adapter_config.json (r, lora_alpha, target_modules,
 * use_rslora, rank_pattern, alpha_pattern, ...) and adapter_model.safetensors
 * whose tensors are named as PEFT saves them:
 *	base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight   [r, in]
 *	base_model.model.model.layers.N.self_attn.q_proj.lora_B.weight   [out, r]
 * A module's update is scale * B @ A with scale = alpha / r, or alpha / sqrt(r)
 * with use_rslora; r and alpha per module come from rank_pattern and
 * alpha_pattern when a pattern matches the module's name (PEFT's rule).
 *
 * Applied unmerged (the forward pass adds scale * B(A x) to W x: set
 * m->lora) or merged into the base weights (nn_lora_merge). */
#ifndef LS_NN_LORA_H
#define LS_NN_LORA_H
#include "nn/model.h"

typedef struct {
	float *A;	/* [r, in], NULL when the module has no adapter */
	float *B;	/* [out, r] */
	int r;
	float scale;
} nn_lora_mod;

typedef struct nn_lora {
	int r;			/* the config's default rank */
	float alpha;
	int rslora;
	int rmax;		/* the largest rank of any module */
	int n_mods;		/* modules with an adapter */
	nn_lora_mod *mods;	/* [L * NN_NLIN]: layer l, linear k at l * NN_NLIN + k */
	float *params;		/* every A and B, one allocation */
	size_t n_params;
	char *base_model;	/* base_model_name_or_path, or NULL */
	const nn_ops *ops;
} nn_lora;

/* Load DIR for base model m; every tensor must name a linear layer of m with
 * the right shape, and A/B must come in pairs of the same rank. */
nn_lora *nn_lora_load(const nn_model *m, const char *dir, char *err, size_t errsz);
/* A fresh adapter on the linears whose bit (1 << nn_linear) is set in targets,
 * B = 0 and A drawn from seed: with std 0 as PEFT initialises it (Kaiming-
 * uniform, U(-1/sqrt(in), 1/sqrt(in))), else A ~ N(0, std^2) (tests that need
 * a visible update set B themselves). */
nn_lora *nn_lora_new(const nn_model *m, int r, float alpha, int rslora, unsigned targets,
		     uint64_t seed, float std);
/* Write adapter_config.json + adapter_model.safetensors (F32). */
int nn_lora_save(const nn_model *m, const nn_lora *a, const char *dir, const char *base_model,
		 char *err, size_t errsz);
/* W += scale * B @ A for every module: afterwards m no longer needs a. */
void nn_lora_merge(nn_model *m, const nn_lora *a);
void nn_lora_free(nn_lora *a);

#endif
