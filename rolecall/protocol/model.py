"""The service models (botocore's IAM and STS definitions) and per-operation codecs.

:class:`ServiceModels` loads each botocore model once; :meth:`ServiceModels.operation`
returns an :class:`OperationSpec` whose decoder, validator and encoder were compiled
from the model on first use and are cached for the life of the process.  Nothing in
this package is written per operation: adding an operation to the model is enough.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

import botocore.exceptions
import botocore.loaders
import botocore.model

from .errors import InvalidAction
from .query_decode import Decoder, Params, build_tree, compile_decoder
from .query_encode import Encoder, compile_encoder, xml_escape
from .validate import Validator, compile_validator, raise_for_errors

__all__ = ["OperationSpec", "ServiceModels"]

_QUERY: Final = "query"


class _Codecs:
    """Caches of compiled decoders, validators and encoders for one service's shapes."""

    __slots__ = ("decoders", "encoders", "validators")

    def __init__(self) -> None:
        self.decoders: dict[tuple[str, bool], Decoder] = {}
        self.validators: dict[str, Validator | None] = {}
        self.encoders: dict[tuple[str, bool], Encoder] = {}


class OperationSpec:
    """One operation of a query-protocol service, with its codecs compiled once."""

    __slots__ = (
        "_closing",
        "_decoder",
        "_encoder",
        "_head",
        "_middle",
        "_validator",
        "model",
        "name",
        "service",
        "xmlns",
    )

    def __init__(self, service: str, model: botocore.model.OperationModel, codecs: _Codecs):
        self.service: str = service
        self.name: str = model.name
        self.model: botocore.model.OperationModel = model
        self.xmlns: str = model.metadata.get("xmlNamespace", "")
        input_shape = model.input_shape
        output_shape = model.output_shape
        self._decoder: Decoder | None = None
        self._validator: Validator | None = None
        if input_shape is not None:
            self._decoder = compile_decoder(input_shape, codecs.decoders)
            self._validator = compile_validator(input_shape, codecs.validators)
        # The document is head + result content + middle + request id + closing.
        root = f'<{self.name}Response xmlns="{xml_escape(self.xmlns)}">'
        metadata = "<ResponseMetadata><RequestId>"
        self._closing = f"</RequestId></ResponseMetadata></{self.name}Response>"
        self._encoder: Encoder | None = None
        if output_shape is None:
            self._head = ""
            self._middle = root + metadata
        else:
            self._encoder = compile_encoder(output_shape, codecs.encoders)
            wrapper = output_shape.serialization.get("resultWrapper")
            if wrapper:
                # botocore looks the result up by this name, so it is written even when empty.
                self._head = f"{root}<{wrapper}>"
                self._middle = f"</{wrapper}>{metadata}"
            else:
                # Without a resultWrapper botocore reads the members straight off the root.
                self._head = root
                self._middle = metadata

    def decode(self, params: Params) -> dict[str, Any]:
        """Decode and validate flattened query parameters into the boto3-shaped request dict.

        ``params`` is either a mapping of names to value lists (``parse_qs`` style) or a
        list of ``(name, value)`` pairs (``parse_qsl`` style).  ``Action``, ``Version``
        and ``X-Amz-*`` parameters are skipped; unknown ones are ignored.  Raises
        ``MalformedInput`` for undecodable values and ``ValidationError`` for values
        that violate the model (missing required members included).
        """
        if self._decoder is None:
            return {}
        data: dict[str, Any] = self._decoder(build_tree(params))
        self.validate(data)
        return data

    def validate(self, data: Mapping[str, Any]) -> None:
        """Check already-decoded input against the model; raise ``ValidationError`` if needed."""
        if self._validator is None:
            return
        errors: list[str] = []
        self._validator(data, "", errors)
        raise_for_errors(errors)

    def encode_result(self, result: Mapping[str, Any] | None, request_id: str) -> bytes:
        """The XML response document for ``result`` (members named as in the output shape)."""
        out = [self._head]
        if result and self._encoder is not None:
            self._encoder(result, out)
        out.append(self._middle)
        out.append(xml_escape(request_id))
        out.append(self._closing)
        return "".join(out).encode()

    def __repr__(self) -> str:
        return f"OperationSpec({self.service!r}, {self.name!r})"


class ServiceModels:
    """Loads botocore's service models once and hands out cached :class:`OperationSpec` s."""

    def __init__(self) -> None:
        self._loader = botocore.loaders.create_loader()
        self._lock = threading.Lock()
        self._models: dict[str, botocore.model.ServiceModel] = {}
        self._operation_names: dict[str, frozenset[str]] = {}
        self._codecs: dict[str, _Codecs] = {}
        self._specs: dict[tuple[str, str], OperationSpec] = {}

    def service(self, name: str) -> botocore.model.ServiceModel:
        """The botocore model of service ``name`` (``'iam'``, ``'sts'``); ValueError if unknown."""
        model = self._models.get(name)
        if model is not None:
            return model
        with self._lock:
            model = self._models.get(name)
            if model is None:
                try:
                    raw = self._loader.load_service_model(name, "service-2")
                except botocore.exceptions.DataNotFoundError as exc:
                    raise ValueError(f"unknown service {name!r}") from exc
                model = botocore.model.ServiceModel(raw, service_name=name)
                self._operation_names[name] = frozenset(model.operation_names)
                self._codecs[name] = _Codecs()
                self._models[name] = model
        return model

    def register(self, model: botocore.model.ServiceModel) -> None:
        """Add (or replace) a service model not shipped with botocore, under its service name."""
        name = model.service_name
        with self._lock:
            self._models[name] = model
            self._operation_names[name] = frozenset(model.operation_names)
            self._codecs[name] = _Codecs()
            for key in [key for key in self._specs if key[0] == name]:
                del self._specs[key]

    def operation(self, service: str, action: str) -> OperationSpec:
        """The spec of ``action``; ``InvalidAction`` if the service has no such operation."""
        spec = self._specs.get((service, action))
        if spec is not None:
            return spec
        model = self.service(service)
        if model.protocol != _QUERY:
            raise ValueError(f"service {service!r} does not use the query protocol")
        if action not in self._operation_names[service]:
            raise InvalidAction(
                f"Could not find operation {action} for version {model.api_version}"
            )
        spec = OperationSpec(service, model.operation_model(action), self._codecs[service])
        self._specs[(service, action)] = spec
        return spec

    def operations(self, service: str) -> list[str]:
        """Names of all operations of ``service``, in model order."""
        return list(self.service(service).operation_names)

    def warm(self, *services: str) -> None:
        """Compile every operation of ``services`` now (e.g. at server start-up)."""
        for service in services:
            for action in self.operations(service):
                self.operation(service, action)
