"""The MCP Bundle (``packaging/mcpb/manifest.json``) starts ``catalyst-mcp`` with the configuration it
reads, lists the server's tools and prompts by their one set of names, and passes ``mcpb validate``
and ``mcpb pack`` (the npm package, pinned and installed by ``make mcpb-tools``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from catalyst.contracts.mcp import PROMPT_NAMES, TOOL_NAMES
from catalyst.mcp_proxy import COMMAND, DEFAULT_URL, McpProxySettings
from tests.integration.mcp_proxy.conftest import ROOT

BUNDLE = ROOT / "packaging" / "mcpb"
MCPB = ROOT / ".tools" / "mcpb" / "node_modules" / ".bin" / "mcpb"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((BUNDLE / "manifest.json").read_text())
    return loaded


def _user_config_key(reference: str) -> str:
    """``url`` of ``${user_config.url}``, the form mcpb substitutes."""
    match = re.fullmatch(r"\$\{user_config\.(\w+)\}", reference)
    assert match is not None, reference
    return match.group(1)


def test_the_bundle_lists_the_servers_tools_and_prompts_by_their_names(manifest: dict[str, Any]) -> None:
    assert sorted(tool["name"] for tool in manifest["tools"]) == sorted(TOOL_NAMES)
    assert sorted(prompt["name"] for prompt in manifest["prompts"]) == sorted(PROMPT_NAMES)
    assert all(tool.get("description") for tool in manifest["tools"])


def test_the_bundle_starts_catalyst_mcp_with_the_settings_it_reads(manifest: dict[str, Any]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert manifest["version"] == project["version"]
    assert COMMAND in project["scripts"]

    config, options = manifest["server"]["mcp_config"], manifest["user_config"]
    assert options[_user_config_key(config["command"])]["default"] == COMMAND
    fields = McpProxySettings.model_fields
    assert {name: _user_config_key(ref) for name, ref in config["env"].items()} == {
        fields["url"].alias: "url", fields["api_key"].alias: "api_key"}
    assert options["url"]["default"] == DEFAULT_URL
    assert options["api_key"]["sensitive"] is True
    assert all(option["required"] for option in options.values())


@pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                    reason="node and npm are not installed: mcpb, the bundle's validator, is an npm package")
def test_mcpb_validates_the_manifest_and_packs_it_alone(tmp_path: Path) -> None:
    subprocess.run(["make", "-s", "mcpb-tools"], cwd=ROOT, check=True, capture_output=True, timeout=180)
    validated = subprocess.run([MCPB, "validate", BUNDLE / "manifest.json"], capture_output=True, text=True,
                               timeout=60)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Manifest schema validation passes!" in validated.stdout

    packed = subprocess.run([MCPB, "pack", BUNDLE, tmp_path / "catalyst.mcpb"], capture_output=True, text=True,
                            timeout=60)
    assert packed.returncode == 0, packed.stdout + packed.stderr
    with zipfile.ZipFile(tmp_path / "catalyst.mcpb") as bundle:
        assert bundle.namelist() == ["manifest.json"]
