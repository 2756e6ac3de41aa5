"""The capability catalog: backends and provider presets as data (capabilities/*.yaml)."""

from .loader import ENV_VAR, CatalogError, catalog_dirs, load_catalog
from .model import (
    CAPABILITIES,
    CAPABILITY_VALUES,
    DEFINITION_REF_PREFIX,
    HTTP_PROTOCOLS,
    PARAMETER_FORMATS,
    PARAMETER_KEYWORDS,
    PROTOCOLS,
    TOOL_FLAG_VALUES,
    TOOL_FLAGS,
    BackendDef,
    Catalog,
    ProviderDef,
    first_model_rule,
)

__all__ = [
    "CAPABILITIES",
    "CAPABILITY_VALUES",
    "DEFINITION_REF_PREFIX",
    "HTTP_PROTOCOLS",
    "ENV_VAR",
    "PARAMETER_FORMATS",
    "PARAMETER_KEYWORDS",
    "PROTOCOLS",
    "TOOL_FLAGS",
    "TOOL_FLAG_VALUES",
    "BackendDef",
    "Catalog",
    "CatalogError",
    "ProviderDef",
    "catalog_dirs",
    "first_model_rule",
    "load_catalog",
]
