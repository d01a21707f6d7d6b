"""The linear intent classifier: folding, training, ranking, persistence."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import LinearIntentClassifier, fold

EXAMPLES = {
    "payment_difficulty": ["non riesco a pagare", "ho perso il lavoro e non ce la faccio", "I can't pay right now",
                           "I lost my job and have no money", "non ho soldi questo mese", "we are short of cash"],
    "already_paid": ["ho già pagato", "ho fatto il bonifico ieri", "I already paid", "I paid last week by transfer",
                     "pagato alla posta", "the payment went through yesterday"],
    "greet": ["ciao", "buongiorno", "hello", "hi there", "salve", "good morning"],
}


@pytest.mark.parametrize("raw, folded", [
    ("Perché", "perche"), ("CIAOOOO", "ciaoo"), ("pago il 15", "pago il 00"), ("Già pagàto", "gia pagato"),
])
def test_fold(raw, folded):
    assert fold(raw) == folded


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def trained(storage, resource, **config) -> LinearIntentClassifier:
    messages = [Message(data={TEXT: text, INTENT: intent}) for intent, texts in EXAMPLES.items() for text in texts]
    classifier = LinearIntentClassifier.create({**LinearIntentClassifier.get_default_config(), **config}, storage,
                                               resource, context())
    classifier.train(TrainingData(messages))
    return classifier


def classify(classifier: LinearIntentClassifier, text: str) -> Message:
    message = Message(data={TEXT: text})
    classifier.process([message])
    return message


def test_unseen_spellings_get_the_right_intent(storage):
    classifier = trained(storage, Resource("clf"))
    assert classify(classifier, "NON RIESCO a pagareee").get(INTENT)["name"] == "payment_difficulty"
    assert classify(classifier, "ho gia pagato").get(INTENT)["name"] == "already_paid"
    assert classify(classifier, "buongiornooo").get(INTENT)["name"] == "greet"


def test_ranking_is_sorted_probabilities(storage):
    message = classify(trained(storage, Resource("clf"), ranking_length=2), "I paid yesterday")
    ranking = message.get(INTENT_RANKING_KEY)
    assert len(ranking) == 2
    assert ranking[0]["confidence"] >= ranking[1]["confidence"]
    assert message.get(INTENT) == ranking[0]
    assert 0.0 < ranking[0]["confidence"] <= 1.0


def test_persisted_model_loads_and_predicts_the_same(storage):
    resource = Resource("clf")
    original = trained(storage, resource)
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, context())
    for text in ("ho fatto il bonifico", "no money this month", "hello"):
        assert classify(loaded, text).get(INTENT) == classify(original, text).get(INTENT)


def test_missing_model_loads_as_untrained_and_leaves_messages_alone(storage):
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, Resource("none"),
                                         context())
    assert classify(loaded, "ciao").get(INTENT) is None


def test_one_intent_is_not_enough_to_train(storage):
    classifier = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage,
                                               Resource("one"), context())
    classifier.train(TrainingData([Message(data={TEXT: "ciao", INTENT: "greet"})]))
    assert classifier.model is None


def test_temperature_is_fitted_and_persisted(storage):
    resource = Resource("clf")
    original = trained(storage, resource)
    assert original.temperature != pytest.approx(5.0)  # fitted on out-of-fold scores, not the default
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, context())
    assert loaded.temperature == pytest.approx(original.temperature)
    ranking = classify(loaded, "ho fatto il bonifico ieri").get(INTENT_RANKING_KEY)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)  # a distribution over the intents


def test_two_intents_and_tiny_intents_still_give_confidences(storage):
    messages = [Message(data={TEXT: t, INTENT: "greet"}) for t in EXAMPLES["greet"]]
    messages.append(Message(data={TEXT: "I already paid", INTENT: "already_paid"}))  # one example: no folds
    classifier = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage,
                                               Resource("two"), context())
    classifier.train(TrainingData(messages))
    assert classifier.temperature == pytest.approx(5.0)
    top = classify(classifier, "hello there").get(INTENT)
    assert top["name"] == "greet" and 0.5 < top["confidence"] < 1.0
