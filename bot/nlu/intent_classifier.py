"""Intent classifier: TF-IDF word and character n-grams into a linear SVM.

Three views of the text are stacked: words and word pairs, character n-grams inside each
word (misspellings, endings, words glued or split) and character n-grams across word
boundaries ("mi avete", "non sono"). The third view carries the short phrases that set
apart intents written with the same words: a complaint addressed to the company from
grumbling about a train, a wrong-person dispute from a request for a person; it added
about half a point of macro-F1 in both languages in cross-validation.

Why not DIET: for this closed domain, with no pretrained embeddings allowed, the intents
are told apart by words and word pieces. On our data, L2-normalised sublinear TF-IDF with a
linear model generalises better in cross-validation than DIET on raw counts, trains in
seconds instead of minutes and classifies a message in about a millisecond without
TensorFlow, which matters on every chat turn.

Why an SVM and not a logistic regression: on the same features the hinge loss scores about
a point higher in macro-F1 and two to three points higher on complain, the broadest
intent. An SVM gives scores, not probabilities; they become confidences through a softmax
with one temperature fitted at training time on out-of-fold scores (temperature scaling),
so the ranking is the SVM's own and the confidence roughly matches how often the top
intent is right, which is what the fallback threshold needs.

The text is folded before vectorising (`fold`): accents are dropped ("perche" and
"perché" are the same word on a phone keyboard), letters repeated three or more times are
squashed ("ciaooo"), and digits become 0 (the intent of "pago il 15" and "pago il 27" is
the same; the values are read by the entity extractor and the dialogue code).
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC
from sklearn.pipeline import Pipeline, make_pipeline, make_union

logger = logging.getLogger(__name__)

_REPEATS = re.compile(r"(\w)\1{2,}")
_DIGIT = re.compile(r"\d")
_MODEL_FILE = "intent_model.skops"
_TEMPERATURE_FILE = "temperature.json"
# Used when there is too little data to fit one (fewer than two examples in some intent);
# close to what the project's data gives.
_DEFAULT_TEMPERATURE = 5.0
# Only these modules may appear in a persisted model: loading never runs foreign code.
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


def fold(text: str) -> str:
    """Normalise a text for the model: lower case, no accents, letter runs cut to two, every digit 0."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _DIGIT.sub("0", _REPEATS.sub(r"\1\1", text))


def build_model(config: dict[str, Any]) -> Pipeline:
    """An untrained pipeline: the three TF-IDF views (words, in-word and cross-word characters) into a linear SVM."""
    words = TfidfVectorizer(ngram_range=(1, config["word_max_ngram"]), sublinear_tf=True)
    pieces = TfidfVectorizer(analyzer="char_wb", ngram_range=(config["char_min_ngram"], config["char_max_ngram"]),
                             sublinear_tf=True)
    phrases = TfidfVectorizer(analyzer="char", sublinear_tf=True,
                              ngram_range=(config["cross_char_min_ngram"], config["cross_char_max_ngram"]))
    classifier = LinearSVC(C=config["C"], max_iter=config["max_iter"], random_state=config["random_state"])
    return make_pipeline(make_union(words, pieces, phrases), classifier)


def fit_temperature(config: dict[str, Any], texts: list[str], intents: list[str]) -> float:
    """The softmax temperature that makes out-of-fold SVM scores the most likely confidences."""
    folds = min(3, min(intents.count(i) for i in set(intents)))
    if folds < 2:
        return _DEFAULT_TEMPERATURE
    scores = cross_val_predict(build_model(config), texts, intents, method="decision_function",
                               cv=StratifiedKFold(folds, shuffle=True, random_state=config["random_state"]))
    scores = _per_class(scores)
    truth = np.searchsorted(np.array(sorted(set(intents))), intents)

    def neg_log_likelihood(k: float) -> float:
        return float(-log_softmax(k * scores, axis=1)[np.arange(len(truth)), truth].mean())

    return float(minimize_scalar(neg_log_likelihood, bounds=(0.05, 100.0), method="bounded").x)


def _per_class(scores: np.ndarray) -> np.ndarray:
    """One score column per intent: with two intents sklearn gives one column, for the second."""
    return np.column_stack([-scores, scores]) / 2 if scores.ndim == 1 else scores


def confidences(model: Pipeline, temperature: float, texts: list[str]) -> np.ndarray:
    """Softmax confidences, one row per text and one column per intent in ``model.classes_`` order."""
    return softmax(temperature * _per_class(model.decision_function(texts)), axis=1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"word_max_ngram": 2, "char_min_ngram": 2, "char_max_ngram": 5, "cross_char_min_ngram": 3,
                "cross_char_max_ngram": 6, "C": 1.0, "max_iter": 5000,
                "random_state": 42, "ranking_length": 10}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Pipeline | None = None, temperature: float = _DEFAULT_TEMPERATURE) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.model = model
        self.temperature = temperature

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("LinearIntentClassifier needs at least two intents with examples; not trained.")
            return self._resource
        texts, intents = [fold(e.get(TEXT)) for e in examples], [e.get(INTENT) for e in examples]
        self.model = build_model(self.config)
        self.model.fit(texts, intents)
        self.temperature = fit_temperature(self.config, texts, intents)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        texts = [fold(m.get(TEXT) or "") for m in messages]
        probabilities = confidences(self.model, self.temperature, texts) if texts else np.empty((0, 0))
        names = self.model.classes_
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)
            ranking = [{"name": str(names[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._storage.write_to(self._resource) as directory:
            sio.dump(self.model, directory / _MODEL_FILE)
            (directory / _TEMPERATURE_FILE).write_text(json.dumps({"temperature": self.temperature}))

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as directory:
                path = directory / _MODEL_FILE
                untrusted = sio.get_untrusted_types(file=path)
                foreign = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
                if foreign:
                    raise ValueError(f"refusing to load types {foreign}")
                model = sio.load(path, trusted=untrusted)
                temperature = float(json.loads((directory / _TEMPERATURE_FILE).read_text())["temperature"])
        except (ValueError, OSError) as error:  # no trained resource (e.g. a core-only model) or a foreign file
            logger.warning("LinearIntentClassifier not loaded: %s", error)
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, model, temperature)
