"""Reading template.yaml: YAML with CloudFormation's short-form tags, and its intrinsic functions.

The local runtime provisions moto from the template's own properties, so the template stays the one
source of truth for resources. Only the intrinsics the template uses are resolved; anything else is
refused loudly rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
}


class TemplateError(Exception):
    """The template uses something the local runtime cannot honour."""


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct_tag(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = _SHORT_TAGS.get(tag_suffix, f"Fn::{tag_suffix}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: str | Path) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return expand_language_extensions(document)


# --- AWS::LanguageExtensions ---------------------------------------------------------------------
_FOR_EACH = "Fn::ForEach::"


def expand_language_extensions(template: dict[str, Any]) -> dict[str, Any]:
    """What the AWS::LanguageExtensions transform does to the template, for the parts it uses:
    every `Fn::ForEach::<Loop>` in Resources, Conditions and Outputs becomes one entry per item of
    its collection (nested loops too), and `Fn::FindInMap` with literal arguments inside a loop's
    output becomes its value. Any other shape is refused."""
    expanded = dict(template)
    mappings = template.get("Mappings") or {}
    for section in ("Conditions", "Resources", "Outputs"):
        if isinstance(template.get(section), dict):
            expanded[section] = _expand_section(template[section], mappings)
    return expanded


def _expand_section(section: Mapping[str, Any], mappings: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in section.items():
        entries = _expand_loop(key, value, mappings) if key.startswith(_FOR_EACH) else {key: value}
        for name, entry in entries.items():
            if name in out:
                raise TemplateError(f"{key} declares {name} twice")
            out[name] = entry
    return out


def _expand_loop(loop: str, spec: Any, mappings: Mapping[str, Any]) -> dict[str, Any]:
    if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[2], dict)):
        raise TemplateError(f"{loop} must be [identifier, collection, {{output key: value}}]")
    identifier, collection, outputs = spec
    if not (isinstance(collection, list) and all(isinstance(item, str) for item in collection)):
        raise TemplateError(f"{loop}: only a literal list of strings is supported as its collection")
    out: dict[str, Any] = {}
    for item in collection:
        replaced = _literal_maps(_replace_identifier(outputs, str(identifier), item), mappings)
        for name, entry in _expand_section(replaced, mappings).items():
            if name in out:
                raise TemplateError(f"{loop} declares {name} twice")
            out[name] = entry
    return out


def _replace_identifier(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        return value.replace(f"${{{identifier}}}", item).replace(
            f"&{{{identifier}}}", re.sub(r"[^A-Za-z0-9]", "", item)
        )
    if isinstance(value, list):
        return [_replace_identifier(v, identifier, item) for v in value]
    if isinstance(value, dict):
        if value == {"Ref": identifier}:
            return item
        return {
            _replace_identifier(k, identifier, item): _replace_identifier(v, identifier, item)
            for k, v in value.items()
        }
    return value


def _literal_maps(value: Any, mappings: Mapping[str, Any]) -> Any:
    if isinstance(value, list):
        return [_literal_maps(v, mappings) for v in value]
    if not isinstance(value, dict):
        return value
    arguments = value.get("Fn::FindInMap") if len(value) == 1 else None
    if isinstance(arguments, list) and len(arguments) == 3 and all(isinstance(a, str) for a in arguments):
        name, top, second = arguments
        try:
            return mappings[name][top][second]
        except KeyError:
            raise TemplateError(f"Fn::FindInMap {arguments}: no such entry in Mappings") from None
    return {k: _literal_maps(v, mappings) for k, v in value.items()}


_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against parameter values and already-created resources.

    `refs` maps a logical id (or parameter / pseudo parameter) to what `Ref` returns; `attrs` maps
    (logical id, attribute) to what `Fn::GetAtt` returns.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
        *,
        region: str,
        account_id: str,
    ) -> None:
        self.template = template
        self.refs: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::StackName": "sellerflow-local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        for name, spec in (template.get("Parameters") or {}).items():
            if name in parameters:
                self.refs[name] = parameters[name]
            elif "Default" in spec:
                self.refs[name] = spec["Default"]
            else:
                raise TemplateError(f"template parameter {name} has no default and no local value")
        self.attrs: dict[tuple[str, str], Any] = {}
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            spec = (self.template.get("Conditions") or {}).get(name)
            if spec is None:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(spec))
        return self._conditions[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._functions.get(key)
            if handler is not None:
                return handler(self, arg)
            if key.startswith("Fn::"):
                raise TemplateError(
                    f"{key} is not supported by the local runtime; teach sellerflow_dev.local.template"
                )
        out: dict[str, Any] = {}
        for k, v in value.items():
            resolved = self.resolve(v)
            if resolved is not _NO_VALUE:
                out[k] = resolved
        return out

    # --- intrinsic functions ------------------------------------------------------------------
    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name not in self.refs:
            raise TemplateError(f"Ref to {name}, which is not (yet) created locally")
        return self.refs[name]

    def _get_att(self, arg: list[str]) -> Any:
        logical_id, attribute = arg
        try:
            return self.attrs[(logical_id, attribute)]
        except KeyError:
            raise TemplateError(f"GetAtt {logical_id}.{attribute} is not available locally") from None

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return str(self._get_att(name.split(".", 1)))
            return str(self._ref(name))

        return _SUB_VAR.sub(replace, text).replace("${!", "${")

    def _join(self, arg: list[Any]) -> str:
        sep, items = arg
        return str(sep).join(str(i) for i in self.resolve(items))

    def _if(self, arg: list[Any]) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _equals(self, arg: list[Any]) -> bool:
        left, right = (self.resolve(a) for a in arg)
        return bool(left == right)

    def _not(self, arg: list[Any]) -> bool:
        return not self.resolve(arg[0])

    def _select(self, arg: list[Any]) -> Any:
        index, items = arg
        return self.resolve(items)[int(self.resolve(index))]

    def _and(self, arg: list[Any]) -> bool:
        return all(self.resolve(a) for a in arg)

    def _or(self, arg: list[Any]) -> bool:
        return any(self.resolve(a) for a in arg)

    def _condition(self, name: str) -> bool:
        return self.condition(name)

    _functions: dict[str, Callable[[Resolver, Any], Any]] = {
        "Ref": _ref,
        "Fn::GetAtt": _get_att,
        "Fn::Sub": _sub,
        "Fn::Join": _join,
        "Fn::If": _if,
        "Fn::Equals": _equals,
        "Fn::Not": _not,
        "Fn::And": _and,
        "Fn::Or": _or,
        "Fn::Select": _select,
        "Condition": _condition,
    }


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE: Any = _NoValue()
