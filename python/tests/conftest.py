"""Shared fixtures: tiny models that train and calibrate in seconds on a CPU."""

import json

import pytest
import torch

# The CI machine shares its cores: one thread avoids oversubscription stalls.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def corpus():
    from bwta import data
    return data.text_bytes("train", max_files=40), data.text_bytes("test", max_files=120)


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory, corpus):
    """A 2-layer LLaMA trained for a few steps on docstring bytes."""
    from bwta.models.llama import Llama, LlamaConfig, train
    torch.manual_seed(0)
    model = Llama(LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                              num_attention_heads=2, max_position_embeddings=64))
    train(model, corpus[0], steps=60, batch=8, seq=32)
    directory = tmp_path_factory.mktemp("llama")
    model.save(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory):
    """A random 2-layer BERT in Hugging Face layout, with a small vocabulary."""
    from safetensors.torch import save_file
    g = torch.Generator().manual_seed(0)
    D, H, L, V = 32, 64, 2, 120
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz.,") + \
        ["the", "a", "of", "to", "is", "and", "in", "for", "##s", "##e", "##ed", "##ing"]
    vocab += [f"[unused{i}]" for i in range(V - len(vocab))]
    sd = {"embeddings.word_embeddings.weight": torch.randn(V, D, generator=g),
          "embeddings.position_embeddings.weight": torch.randn(64, D, generator=g) * 0.1,
          "embeddings.token_type_embeddings.weight": torch.randn(2, D, generator=g) * 0.1,
          "embeddings.LayerNorm.weight": torch.ones(D), "embeddings.LayerNorm.bias": torch.zeros(D)}
    for i in range(L):
        p = f"encoder.layer.{i}."
        for name, (n, k) in {"attention.self.query": (D, D), "attention.self.key": (D, D),
                             "attention.self.value": (D, D), "attention.output.dense": (D, D),
                             "intermediate.dense": (H, D), "output.dense": (D, H)}.items():
            sd[p + name + ".weight"] = torch.randn(n, k, generator=g) / k ** 0.5
            sd[p + name + ".bias"] = torch.randn(n, generator=g) * 0.02
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            sd[p + name + ".weight"], sd[p + name + ".bias"] = torch.ones(D), torch.zeros(D)
    directory = tmp_path_factory.mktemp("bert")
    save_file(sd, str(directory / "model.safetensors"))
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")
    (directory / "config.json").write_text(json.dumps({
        "hidden_size": D, "intermediate_size": H, "num_hidden_layers": L, "num_attention_heads": 4,
        "vocab_size": V, "max_position_embeddings": 64, "layer_norm_eps": 1e-12}))
    return directory
