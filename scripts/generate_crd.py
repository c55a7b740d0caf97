"""Write the RiskParameters CRD, generated from the Risk Manager's model, into the chart (``make crd``).

The file is a plain template of the chart (not under ``crds/``), so ``helm upgrade`` upgrades it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from catalyst.riskop.schema import crd_template

ROOT = Path(__file__).resolve().parents[1]
CRD_FILE = ROOT / "charts" / "catalyst" / "templates" / "crd-riskparameters.yaml"


def main() -> int:
    CRD_FILE.parent.mkdir(parents=True, exist_ok=True)
    CRD_FILE.write_text(crd_template())
    print(f"wrote {CRD_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
