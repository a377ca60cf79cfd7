"""PyTorch anchor of `pnpm bench --sections training`: one training step of a BERT-base-shaped
encoder (12 x 768, 12 heads, FFN 3072, vocab 21128, random weights) built from torch.nn, with the
pooler and a 2-class cross-entropy head (the cross-encoder objective of our onnx/tfjs rows): forward,
backward and AdamW, on the CPU with as many threads as asked. Prints one JSON line: tokens/s of the
median step after the first, the BLAS library actually mapped into the process, the torch version.

  /usr/bin/python3 bench/torch-training.py [--batch 8] [--seq 128] [--accum 1] [--steps 3] [--threads N]
"""
import argparse
import json
import os
import resource
import time

import torch
from torch import nn


class Encoder(nn.Module):
    """BERT-base shape: embeddings + LayerNorm, 12 post-LN layers with GELU, tanh pooler, 2-class head."""

    def __init__(self, vocab=21128, hidden=768, layers=12, heads=12, ffn=3072, max_pos=512, dropout=0.1):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_pos, hidden)
        self.type_emb = nn.Embedding(2, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        self.drop = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(
            hidden, heads, ffn, dropout, activation="gelu", batch_first=True, norm_first=False, layer_norm_eps=1e-12
        )
        self.layers = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.pool = nn.Linear(hidden, hidden)
        self.cls = nn.Linear(hidden, 2)

    def forward(self, ids, types, pad_mask):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.drop(self.norm(self.word(ids) + self.pos(pos) + self.type_emb(types)))
        x = self.layers(x, src_key_padding_mask=pad_mask)
        return self.cls(self.drop(torch.tanh(self.pool(x[:, 0]))))


def blas_in_process():
    """The BLAS shared library mapped into this process after a matmul (what torch really calls)."""
    torch.randn(64, 64) @ torch.randn(64, 64)
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(path)
            if any(k in base for k in ("openblas", "libblas", "mkl", "blis", "atlas")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--accum", type=int, default=1, help="micro-batches per optimizer step")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--layers", type=int, default=12)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Encoder(layers=a.layers).train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01, eps=1e-6)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1000, 21000, (a.batch, a.seq), generator=g)
    types = torch.zeros_like(ids)
    pad = torch.zeros(a.batch, a.seq, dtype=torch.bool)
    labels = torch.randint(0, 2, (a.batch,), generator=g)
    secs, losses = [], []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for _ in range(a.accum):
            loss = nn.functional.cross_entropy(model(ids, types, pad), labels) / a.accum
            loss.backward()
            total += float(loss)
        opt.step()
        secs.append(time.perf_counter() - t0)
        losses.append(total)
    # The median of the steps after the first (warm-up and allocation), as the onnx rows do.
    timed = sorted(secs[1:] if len(secs) > 1 else secs)
    median = timed[len(timed) // 2] if len(timed) % 2 else (timed[len(timed) // 2 - 1] + timed[len(timed) // 2]) / 2
    config = torch.__config__.show()
    blas_info = next((p.strip() for p in config.replace("\n", ",").split(",") if p.strip().startswith("BLAS_INFO")), "")
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "batch": a.batch,
                "seq": a.seq,
                "accum": a.accum,
                "layers": a.layers,
                "stepSeconds": secs,
                "losses": losses,
                "tokensPerSecond": a.batch * a.seq * a.accum / median,
                "blasLibraries": blas_in_process(),
                "blasBuildInfo": blas_info,
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
