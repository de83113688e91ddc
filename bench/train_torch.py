"""bench/train_torch.py — the PyTorch baseline of bench/train.sh.

A hand-written Llama decoder of the same shape as the ls-train run (RMSNorm,
rotary embeddings in the half-rotation layout, grouped-query causal attention
written out, SwiGLU MLP, untied head), the same optimizer (AdamW, clipping
to norm 1) and the same batch of B x T tokens, trained for a few steps.
Debian's torch 1.13 has no scaled_dot_product_attention nor nn.RMSNorm.

usage: train_torch.py full|lora D L H KV F V B T STEPS THREADS
prints one JSON line: tokens_per_s over the steps after the first two,
and the peak RSS in kB.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


class LoRALinear(nn.Module):
    """y = x W^T + (alpha / r) (x A^T) B^T, W frozen (PEFT's LoRA)."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        self.A = nn.Parameter(torch.empty(r, base.in_features))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = nn.Parameter(torch.zeros(base.out_features, r))
        self.s = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.A.t()) @ self.B.t() * self.s


def rope(x, cos, sin):
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Block(nn.Module):
    def __init__(self, d, h, kv, f):
        super().__init__()
        self.h, self.kv, self.hd = h, kv, d // h
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.q = nn.Linear(d, h * self.hd, bias=False)
        self.k = nn.Linear(d, kv * self.hd, bias=False)
        self.v = nn.Linear(d, kv * self.hd, bias=False)
        self.o = nn.Linear(h * self.hd, d, bias=False)
        self.gate = nn.Linear(d, f, bias=False)
        self.up = nn.Linear(d, f, bias=False)
        self.down = nn.Linear(f, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        y = self.n1(x)
        q = self.q(y).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k(y).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v(y).view(b, t, self.kv, self.hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        g = self.h // self.kv
        k = k.repeat_interleave(g, dim=1)
        v = v.repeat_interleave(g, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        att = att.softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o(y)
        y = self.n2(x)
        return x + self.down(F.silu(self.gate(y)) * self.up(y))


class Model(nn.Module):
    def __init__(self, d, n, h, kv, f, vocab):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList([Block(d, h, kv, f) for _ in range(n)])
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        hd = d // h
        self.inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))

    def forward(self, ids):
        t = ids.shape[1]
        a = torch.arange(t).float()[:, None] * self.inv[None, :]
        cos, sin = a.cos(), a.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = self.emb(ids)
        for blk in self.blocks:
            x = blk(x, cos, sin, mask)
        return self.head(self.norm(x))


def main():
    mode = sys.argv[1]
    d, n, h, kv, f, vocab, b, t, steps, threads = map(int, sys.argv[2:12])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = Model(d, n, h, kv, f, vocab)
    if mode == "lora":
        for p in m.parameters():
            p.requires_grad_(False)
        for blk in m.blocks:
            for name in ("q", "k", "v", "o"):
                setattr(blk, name, LoRALinear(getattr(blk, name), 16, 32))
    params = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    ids = torch.randint(0, vocab, (b, t + 1))
    x, y = ids[:, :-1], ids[:, 1:]
    times = []
    for _ in range(steps):
        s = time.perf_counter()
        loss = F.cross_entropy(m(x).reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        times.append(time.perf_counter() - s)
    timed = times[2:]
    print(json.dumps({
        "impl": "pytorch " + torch.__version__, "mode": mode,
        "params": sum(p.numel() for p in m.parameters()),
        "trained": sum(p.numel() for p in params),
        "tokens_per_s": round(b * t * len(timed) / sum(timed)),
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
