"""Guards on what a GraphQL document may ask, and on what an error may tell,
one per module as strawberry ships its own extensions:

- `one_credential`: at most one credential mutation per request;
- `cost`: a document's validation cost, bounded before validation;
- `documents`: documents parsed and validated once per process;
- `masking`: unexpected errors masked, with a request id, and logged.
"""

from schema.extensions.cost import DocumentCost, TooComplex, UnknownFragment, cost_error
from schema.extensions.documents import (
    DOCUMENTS_CACHED,
    CheckedDocuments,
    Runnable,
    checked,
    parsed,
    runnable,
    validation_errors,
)
from schema.extensions.masking import MaskUnexpectedErrors, hide_suggestions, is_unexpected, log_errors
from schema.extensions.one_credential import CREDENTIAL, OneCredentialMutationPerRequest, credential_mutations

__all__ = [
    "CREDENTIAL",
    "DOCUMENTS_CACHED",
    "CheckedDocuments",
    "DocumentCost",
    "MaskUnexpectedErrors",
    "OneCredentialMutationPerRequest",
    "Runnable",
    "TooComplex",
    "UnknownFragment",
    "checked",
    "cost_error",
    "credential_mutations",
    "hide_suggestions",
    "is_unexpected",
    "log_errors",
    "parsed",
    "runnable",
    "validation_errors",
]
