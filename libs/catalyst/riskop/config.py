"""The risk operator's settings (a config section): which object is the truth, and how often drift is checked.

The Risk Manager's URL and the operator's key are the shared ``Settings``' ``RISK_URL`` and
``RISK_OPERATOR_API_KEY``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from catalyst.config import Section
from catalyst.riskop.resource import DEFAULT_OBJECT_NAME


class RiskOperatorSettings(Section):
    namespace: str = Field("catalyst", alias="RISKOP_NAMESPACE", min_length=1,
                           description="The namespace watched, and the authoritative object's")
    object_name: str = Field(DEFAULT_OBJECT_NAME, alias="RISKOP_OBJECT", min_length=1,
                             description="The one RiskParameters object applied; any other gets Invalid")
    drift_interval_s: float = Field(30.0, alias="RISKOP_DRIFT_INTERVAL", gt=0, le=60,
                                    description="How often the Risk Manager's active set is compared with the object")
    retry_initial_s: float = Field(0.5, alias="RISKOP_RETRY_INITIAL", gt=0,
                                   description="First wait before pushing again to an unreachable Risk Manager")
    retry_max_s: float = Field(10.0, alias="RISKOP_RETRY_MAX", gt=0, description="Longest wait between pushes")
    webhook_cert_file: Path | None = Field(None, alias="RISKOP_WEBHOOK_CERT",
                                           description="TLS certificate of the admission webhook that records "
                                                       "each editor; unset: no webhook (field managers instead)")
    webhook_key_file: Path | None = Field(None, alias="RISKOP_WEBHOOK_KEY", description="Its private key")
    webhook_addr: str = Field("0.0.0.0", alias="RISKOP_WEBHOOK_ADDR")
    webhook_port: int = Field(9443, alias="RISKOP_WEBHOOK_PORT", ge=1, le=65535)

    @property
    def webhook(self) -> bool:
        return self.webhook_cert_file is not None and self.webhook_key_file is not None

    def retry_delay(self, retry: int) -> float:
        """Exponential backoff: the wait after the ``retry``-th failed push (0-based)."""
        return float(min(self.retry_max_s, self.retry_initial_s * 2 ** min(retry, 30)))
